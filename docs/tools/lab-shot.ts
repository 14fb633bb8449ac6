// tcp-udp-chat: the lab's picture and ladder for docs/10-lab.md, from a real run.
// Run:  make docs      (it runs this; it needs chromium, and root for the wire)
//       node .cache/build/docs/tools/lab-shot.js --png FILE
// It starts the lab, opens its page in headless Chromium at a projector's size (1920×1200),
// types 你好 as 宝宝 and hi as 高望, saves a screenshot, then ends the conversation with
// byebye and prints the whole ladder as Mermaid text on stdout.
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { closeChromium, openBrowser } from "../../harness/browser.ts";
import { LabPage, startLab } from "../../harness/lab-page.ts";
import { ROOT, reapAll } from "../../harness/procs.ts";

const { values } = parseArgs({
  options: { png: { type: "string", default: join(ROOT, ".cache/screenshots/lab.png") } },
});
const png = values.png as string;

try {
  const { url } = await startLab();
  const lab = new LabPage(await openBrowser(url, 1920, 1200));
  await lab.waitScreen("client", "宝宝说:");
  const wire = (await lab.source()) === "wire";
  await lab.type("client", "你好");
  await lab.waitScreen("server", "来自宝宝的消息: 你好");
  await lab.waitArrow(wire ? /expects byte 7 next/ : /len 6/);
  mkdirSync(dirname(png), { recursive: true });
  await lab.page.screenshot({ path: png });
  await lab.type("server", "hi");
  await lab.waitScreen("client", "来自高望的消息: hi");
  await lab.type("client", "byebye");
  await lab.waitArrow(wire ? /fourth wave/ : /third wave/);
  process.stdout.write(await (await fetch(`${url}/ladder.mmd`)).text());
  process.stderr.write(`the lab's picture is in ${png}\n`);
} finally {
  await closeChromium();
  await reapAll();
}
