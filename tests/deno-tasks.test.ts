// deno.json's tasks, written from the Makefile (tools/entries.mjs): a Deno user types
// `deno task tcp-server`. Runs where Deno is installed (make runtimes); make test-runtimes
// runs it in CI.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { freeUdpPort } from "../harness/ports.ts";
import { ROOT, readPort, reapAll, spawnProgram } from "../harness/procs.ts";
import { denoBinary } from "../harness/runtimes.ts";
import { Screen } from "../harness/screen.ts";
import { testUnless } from "../harness/skip.ts";
import { byebye, turn } from "./chat.ts";

test.after.each(reapAll);

const deno = denoBinary();
const tasks = Object.keys(JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")).tasks);
// Without Deno each test below is skipped, and counted so (make runtimes installs Deno).
const denoTest = testUnless(
  deno ? undefined : "Deno is not installed here (make runtimes installs it)",
  "deno task tests",
);
const task = (name: string, args: string[]) =>
  spawnProgram(`deno task ${name}`, [deno as string, "task", "-q", name, ...args]);

denoTest("every deno task starts its script (--help)", async () => {
  for (const name of tasks) {
    const proc = task(name, ["--help"]);
    assert.equal(await proc.waitExit(), { code: 0, signal: null }, proc.transcript());
    assert.match(proc.stdout, /^usage: (tcp|udp)\//);
  }
});

denoTest(
  "deno task tcp-server and deno task tcp-client chat as the article's programs do",
  async () => {
    const server = task("tcp-server", ["--port", "0"]);
    const port = await readPort(server);
    const pair = {
      kind: "tcp",
      server,
      client: task("tcp-client", ["--port", String(port)]),
    } as const;
    await turn(pair, "你好 deno", "hi");
    await byebye(pair);
    assert.is(server.stdout, "来自宝宝的消息: 你好 deno\n高望>>>来自宝宝的消息: byebye\n");
  },
);

for (const [name, ready] of [
  ["udp-server", "listening on"],
  ["udp-client", "客户端说:"],
  ["tcp-server", "listening on"],
] as const) {
  denoTest(
    `deno task ${name} on a terminal asks for no permission: it chats, and Ctrl-D ends it`,
    async () => {
      const port = name === "udp-client" ? await freeUdpPort() : 0;
      const args = ["--port", String(port), ...(name === "udp-client" ? ["--timeout", "0.2"] : [])];
      const screen = Screen.start(`deno task ${name}`, [
        deno as string,
        "task",
        "-q",
        name,
        ...args,
      ]);
      await screen.waitFor(ready);
      assert.not.match(screen.text(), /Deno requests|Allow\?/, screen.text());
      if (name === "udp-client") {
        screen.type("anyone?\r"); // nobody on the port: the hint by time alone, without /proc
        await screen.waitFor("no reply after");
      }
      screen.type("\x04");
      if (name !== "udp-client") await screen.waitFor("stdin ended while");
      else screen.proc.killGroup("SIGINT"); // it waits for a reply, as the article's does
      const exit = await screen.proc.waitExit();
      assert.ok(exit.code === 0 || exit.code === 130, screen.proc.transcript());
      assert.not.match(screen.text(), /Deno requests|Allow\?|NotCapable/, screen.text());
    },
  );
}

test.run();
