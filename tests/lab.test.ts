// make lab in a real browser (headless Chromium, the Debian package): a teacher types as
// 宝宝 and 高望 and reads the ladder, as a screen reader reads it (each arrow's label).
// As root the arrows come from tcpdump and their order is checked against the capture as
// tcpdump itself reads it; otherwise they come from --trace, and the order of the FINs is
// checked against the kernel's states the scripts report.
import { once } from "node:events";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  browserProblem,
  closeBrowsers,
  closeChromium,
  fontsOnly,
  openBrowser,
  REBOUND_NAME,
} from "../harness/browser.ts";
import { childrenOf, LabPage, labCommand, startLab, Watcher } from "../harness/lab-page.ts";
import { atReap, ROOT, reapAll, spawnProgram, tempDir } from "../harness/procs.ts";

test.after.each(async () => {
  await closeBrowsers();
  await reapAll();
});
test.after(closeChromium); // one Chromium for the file: each test has a fresh context in it

/** Where the screenshots go, for a person to look at: ignored by git. */
const SHOTS = join(ROOT, ".cache/screenshots");

/** The names of the arrows (`SYN`, `FIN-ACK`, …) with their direction. */
const names = (labels: string[]) =>
  labels.map((l) => /^(\S+ → \S+): (\S+)/.exec(l)?.slice(1).join(" "));

/** Which side's FIN came first on the wire, as `tcpdump -r` reads the lab's capture. */
async function finsOnTheWire(url: string, serverPort: number): Promise<string[]> {
  const file = join(tempDir(), "lab.pcap");
  writeFileSync(file, Buffer.from(await (await fetch(`${url}/capture.pcap`)).arrayBuffer()));
  const read = spawnProgram("tcpdump -r", ["tcpdump", "-r", file, "-n"]);
  assert.equal(await read.waitExit(), { code: 0, signal: null }, read.transcript());
  return read.stdout
    .split("\n")
    .filter((line) => /Flags \[F/.test(line))
    .map((line) => (line.includes(`127.0.0.1.${serverPort} >`) ? "server" : "client"));
}

/**
 * The orders of the two FINs the kernel allows, from its states as each script told them:
 * `now FIN-WAIT-1` (or FIN-WAIT-2, TIME-WAIT), its FIN was first; `now LAST-ACK` or CLOSED,
 * second. When both sent theirs before the other's came (CLOSING, or both "first"), either.
 */
function finsByTheKernel(client: string, server: string): string[][] {
  const first = (text: string) =>
    /FIN to \S+ .*\(now (FIN-WAIT-[12]|TIME-WAIT|CLOSING)\)/.test(text);
  const orders = [];
  if (first(client)) orders.push(["client", "server"]);
  if (first(server)) orders.push(["server", "client"]);
  return orders;
}

/**
 * A web page of another origin that tries what any site a teacher has open could try
 * against the lab at `lab`: commands as no-cors fetches, as a CORS fetch, as a form, as a
 * beacon; reading the events, the capture and the ladder; opening event streams. It writes
 * what it got into `#report` (JSON) and sets `data-done` when every try has settled.
 */
function hostilePage(lab: string): string {
  const script = `
const lab = ${JSON.stringify(lab)};
const type = (text) => JSON.stringify({ do: "type", party: "client", text });
const outcome = (p) => p.then((r) => (r.type === "opaque" ? "opaque" : "read " + r.status), (e) => e.name);
const stream = () => new Promise((resolve) => {
  const events = new EventSource(lab + "/events");
  events.onmessage = (m) => { events.close(); resolve("read: " + m.data.slice(0, 40)); };
  events.onerror = () => { events.close(); resolve("error"); };
});
const form = () => new Promise((resolve) => {
  const sink = document.createElement("iframe");
  sink.name = "sink";
  document.body.append(sink);
  const f = document.createElement("form");
  Object.assign(f, { method: "POST", action: lab + "/command", enctype: "text/plain", target: "sink" });
  const field = document.createElement("input");
  field.name = '{"do":"type","party":"client","text":"typed by a form","x":"';
  field.value = '"}';
  f.append(field);
  document.body.append(f);
  sink.onload = () => resolve("submitted");
  f.submit();
});
const tries = {
  "no-cors restart": outcome(fetch(lab + "/command", { method: "POST", mode: "no-cors", body: JSON.stringify({ do: "restart" }) })),
  "no-cors type, as JSON": outcome(fetch(lab + "/command", { method: "POST", mode: "no-cors", headers: { "content-type": "application/json" }, body: type("typed by a web page") })),
  "cors type": outcome(fetch(lab + "/command", { method: "POST", headers: { "content-type": "application/json" }, body: type("typed through CORS") })),
  "beacon": (async () => { try { return String(navigator.sendBeacon(lab + "/command", new Blob([type("typed by a beacon")], { type: "text/plain" }))); } catch (e) { return e.name; } })(),
  "cors events": outcome(fetch(lab + "/events")),
  "cors capture": outcome(fetch(lab + "/capture.pcap")),
  "cors ladder": outcome(fetch(lab + "/ladder.mmd")),
  "no-cors events x20": Promise.all(Array.from({ length: 20 }, () => outcome(fetch(lab + "/events", { mode: "no-cors" })))).then((a) => [...new Set(a)].join()),
  "event stream": stream(),
  "form": form(),
};
const report = {};
for (const [name, p] of Object.entries(tries)) report[name] = await p;
document.querySelector("#report").textContent = JSON.stringify(report);
document.body.dataset.done = "yes";
`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>a site</title></head><body><pre id="report"></pre><script type="module">${script}</script></body></html>`;
}

const problem = browserProblem();
if (problem && process.env.CI === "true") {
  test("CI has Chromium for the lab's browser tests", () => assert.unreachable(problem));
} else if (problem) {
  console.log(`the lab's browser tests skipped: ${problem}`);
} else {
  test("make lab in a browser: 你好 from 宝宝 reaches 高望, and the ladder shows every segment", async () => {
    const { url } = await startLab();
    const lab = new LabPage(await openBrowser(url));
    await lab.waitScreen("client", "宝宝说:");
    await lab.waitArrow(/^client → server: ACK .*third handshake/);
    await lab.type("client", "你好");
    await lab.waitScreen("server", "来自宝宝的消息: 你好");
    await lab.waitArrow(
      /^client → server: PSH-ACK \[P\.\] seq 1 .*len 6 · .*"你好" e4 bd a0 e5 a5 bd · tcp\/client\.ts:\d+ send\(client, toServerMsg\)/,
    );
    await lab.type("server", "hi");
    await lab.waitScreen("client", "来自高望的消息: hi");
    await lab.type("client", "byebye");
    await lab.waitScreen("server", "来自宝宝的消息: byebye");
    await lab.waitArrow(/: FIN-ACK/, 2);
    const source = await lab.source();
    if (source === "wire") await lab.waitArrow(/fourth wave/);
    const arrows = await lab.arrows();
    assert.equal(names(arrows.slice(0, 3)), [
      "client → server SYN",
      "server → client SYN-ACK",
      "client → server ACK",
    ]);
    assert.match(
      arrows.join("\n"),
      /第一次握手[\s\S]*第二次握手[\s\S]*第三次握手[\s\S]*第一次挥手/,
    );
    const serverPort = Number(
      /listening on 127\.0\.0\.1:(\d+)/.exec(await lab.screen("server"))?.[1],
    );
    const fins = arrows.filter((l) => /^\S+ → \S+: FIN/.test(l)).map((l) => l.split(" ")[0]);
    const [client, server] = [await lab.screen("client"), await lab.screen("server")];
    const real =
      source === "wire" ? [await finsOnTheWire(url, serverPort)] : finsByTheKernel(client, server);
    const seen = `the FINs on the ladder, against ${source} (${JSON.stringify(real)}):\n${arrows.join("\n")}\n[client pane]\n${client}\n[server pane]\n${server}`;
    assert.ok(
      real.some((order) => JSON.stringify(order) === JSON.stringify(fins)),
      `${JSON.stringify(fins)}: ${seen}`,
    );
    // Both read at one moment: a script line may still come and relabel an arrow.
    const drawn = await lab.page.$$eval("#ladder g.arrow", (gs) =>
      gs.map((g) => [g.getAttribute("aria-label"), g.querySelector("title")?.textContent]),
    );
    assert.equal(
      drawn.map(([, title]) => title),
      drawn.map(([label]) => label),
      "every arrow's <title> is its label",
    );
    mkdirSync(SHOTS, { recursive: true });
    await lab.page.screenshot({ path: join(SHOTS, "lab-tcp.png") });
  });

  test("make lab --udp in a browser: datagrams with their sender, no handshake, the kernel's refusal", async () => {
    const { url } = await startLab(["--udp"]);
    const lab = new LabPage(await openBrowser(url));
    await lab.waitScreen("client", "客户端说:");
    await lab.type("client", "你好 udp");
    await lab.waitScreen("server", "你好 udp ('127.0.0.1', ");
    const printed =
      /你好 udp (\('127\.0\.0\.1', \d+\))/.exec(await lab.screen("server"))?.[1] ?? "?";
    const sender = printed.replace(/[()]/g, "\\$&");
    await lab.waitArrow(new RegExp(`^client → server: UDP len 10 · from ${sender} · datagram`));
    await lab.type("server", "hi udp");
    await lab.waitScreen("client", "hi udp ('127.0.0.1', ");
    await lab.waitArrow(/^server → client: UDP len 6 /);
    await lab.key("server", "ctrl-c");
    await lab.waitScreen("server", "^C");
    await lab.page.locator("#pane-server[data-running=false]").waitFor();
    await lab.type("client", "anyone?");
    await lab.waitArrow(/^client → server: UDP len 7 /);
    if ((await lab.source()) === "wire")
      await lab.waitArrow(/^kernel → client: ICMP .*port unreachable/);
    const arrows = await lab.arrows();
    assert.not.ok(
      arrows.some((l) => /SYN|握手/.test(l)),
      arrows.join("\n"),
    );
    mkdirSync(SHOTS, { recursive: true });
    await lab.page.screenshot({ path: join(SHOTS, "lab-udp.png") });
  });

  test("the lab's page pauses, steps, speaks 中文, reloads, slows down, and saves the ladder as SVG and Mermaid", async () => {
    const { url } = await startLab(["--no-capture"]);
    const lab = new LabPage(await openBrowser(url));
    await lab.waitArrow(/third handshake/);
    assert.equal(await lab.source(), "trace");
    assert.match(await lab.text("#source"), /from the scripts' --trace events.*--no-capture$/);
    assert.ok(await lab.page.locator("#no-font").isHidden(), "this browser draws Chinese");
    await lab.press("pause");
    await lab.type("client", "你好");
    await lab.waitScreen("server", "来自宝宝的消息: 你好");
    await lab.page.locator("#queued", { hasText: "+1" }).waitFor();
    assert.is((await lab.arrows()).length, 3, "paused: the data arrow waits");
    await lab.press("step");
    await lab.waitArrow(/len 6/);
    await lab.press("language");
    assert.match(await lab.text("h1"), /实验/);
    assert.match(await lab.text("#source"), /^箭头来自脚本的 --trace 事件/);
    assert.is(await lab.page.getAttribute("html", "lang"), "zh-CN");
    const save = async (button: string) => {
      const [download] = await Promise.all([lab.page.waitForEvent("download"), lab.press(button)]);
      return readFileSync((await download.path()) as string, "utf8");
    };
    const svg = await save("svg");
    assert.match(
      svg,
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/,
    );
    assert.is((svg.match(/<g class="arrow/g) ?? []).length, 4);
    assert.match(svg, /aria-label="client → server: PSH-ACK [^"]*你好/);
    assert.match(await save("mermaid"), /^sequenceDiagram\n {2}participant client as 宝宝/);
    await lab.page.reload();
    await lab.waitScreen("server", "来自宝宝的消息: 你好");
    await lab.waitArrow(/len 6/);
    await lab.press("clear");
    await lab.page.waitForFunction(() => document.querySelectorAll("#ladder g.arrow").length === 0);
    await lab.press("slow"); // one arrow every 1.5 s
    assert.is(await lab.page.getAttribute("#slow", "aria-pressed"), "true");
    await lab.type("server", "hi");
    await lab.waitArrow(/^server → client: PSH-ACK .*len 2/);
    assert.is((await lab.arrows()).length, 1);
  });

  test("a page of another origin, or a name rebound to 127.0.0.1, starts nothing, types nothing, reads nothing", async () => {
    const { lab, url } = await startLab();
    const watcher = new Watcher(url, "the teacher's page");
    await watcher.waitPrinted("client", "宝宝说:");
    const pid = lab.child.pid as number;
    const before = childrenOf(pid).map((p) => p.pid);
    const site = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(hostilePage(url));
    }).listen(0, "127.0.0.1");
    await once(site, "listening");
    atReap(() => site.close());
    const { port } = site.address() as { port: number };
    const page = await openBrowser(`http://127.0.0.1:${port}/`);
    await page.locator("body[data-done=yes]").waitFor();
    const report = JSON.parse((await page.locator("#report").textContent()) ?? "{}");
    // "TypeError": refused by the browser; a no-cors answer too, as the lab marks every answer
    // Cross-Origin-Resource-Policy: same-origin (the lab itself refused them: Sec-Fetch-Site)
    assert.equal(report, {
      "no-cors restart": "TypeError",
      "no-cors type, as JSON": "TypeError",
      "cors type": "TypeError",
      beacon: "true",
      "cors events": "TypeError",
      "cors capture": "TypeError",
      "cors ladder": "TypeError",
      "no-cors events x20": "TypeError",
      "event stream": "error",
      form: "submitted",
    });
    // The site's name rebound to 127.0.0.1: to the browser, the lab is now that site itself.
    const rebound = `http://${REBOUND_NAME}:${new URL(url).port}`;
    const opened = await page.goto(`${rebound}/`);
    assert.is(opened?.status(), 403);
    const same = await page.evaluate(async () => [
      (await fetch("/events")).status,
      (
        await fetch("/command", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: '{"do":"restart"}',
        })
      ).status,
      (await fetch("/capture.pcap")).status,
    ]);
    assert.equal(same, [403, 403, 403]);
    // nothing started, nothing typed, no stream opened
    const typed = await labCommand(url, {
      do: "type",
      party: "client",
      text: "only the teacher types",
    });
    assert.is(typed.status, 204);
    await watcher.waitPrinted("server", "来自宝宝的消息: only the teacher types");
    assert.is(
      watcher.printed("client", "stdin") + watcher.printed("server", "stdin"),
      "only the teacher types\n",
    );
    assert.equal(
      childrenOf(pid)
        .map((p) => p.pid)
        .sort(),
      before.sort(),
    );
    assert.ok(
      watcher.of("viewers").every((v) => v.count === 1),
      JSON.stringify(watcher.of("viewers")),
    );
    assert.not.match(lab.stderr, /a page opened \(2 open\)/);
  });

  test("the lab's page names the font to install when the browser cannot draw Chinese", async () => {
    const { url } = await startLab(["--no-capture"]);
    await closeChromium();
    const latin = ["dejavu", "liberation"].map((d) => `/usr/share/fonts/truetype/${d}`);
    fontsOnly(
      latin.filter((d) => existsSync(d)),
      tempDir(),
    ); // a machine with no Chinese font
    try {
      const lab = new LabPage(await openBrowser(url));
      await lab.page.locator("#no-font").waitFor();
      assert.match(
        await lab.text("#no-font"),
        /no font for Chinese.*sudo apt-get install fonts-noto-cjk \(or the smaller fonts-wqy-microhei\)/,
      );
      await lab.press("language");
      assert.match(await lab.text("#no-font"), /没有中文字体.*fonts-noto-cjk/);
    } finally {
      await closeChromium();
      fontsOnly(undefined);
    }
  });
}

test.run();
