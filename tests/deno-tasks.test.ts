// deno.json mirrors the Makefile's run targets: a Deno user types `deno task tcp-server`.
// Runs where Deno is installed (make runtimes); make test-runtimes runs it in CI.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ROOT, readPort, reapAll, spawnProgram } from "../harness/procs.ts";
import { denoBinary } from "../harness/runtimes.ts";
import { byebye, turn } from "./chat.ts";

test.after.each(reapAll);

const deno = denoBinary();
const tasks = Object.keys(JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")).tasks);
const RUN_TARGETS = [
  "tcp-server",
  "tcp-client",
  "udp-server",
  "udp-client",
  "room-server",
  "room-client",
];

test("deno.json has a task for each of the Makefile's run targets", () => {
  const makefile = readFileSync(join(ROOT, "Makefile"), "utf8");
  for (const target of RUN_TARGETS) assert.ok(makefile.includes(`\n${target}: `), `make ${target}`);
  assert.equal(tasks, RUN_TARGETS);
});

if (deno) {
  const task = (name: string, args: string[]) =>
    spawnProgram(`deno task ${name}`, [deno, "task", "-q", name, ...args]);

  test("every deno task starts its script (--help)", async () => {
    for (const name of tasks) {
      const proc = task(name, ["--help"]);
      assert.equal(await proc.waitExit(), { code: 0, signal: null }, proc.transcript());
      assert.match(proc.stdout, /^usage: (tcp|udp)\//);
    }
  });

  test("deno task tcp-server and deno task tcp-client chat as the article's programs do", async () => {
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
  });
} else {
  console.log("deno task tests skipped: Deno is not installed here (make runtimes installs it)");
}

test.run();
