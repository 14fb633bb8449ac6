// Lesson 22 (docs/22-closing.md), with the lesson's own commands: SO_LINGER 0 closes with RST
// and leaves no TIME-WAIT (in Python, and Node's resetAndDestroy()); a server that closes first
// keeps a TIME-WAIT per connection and goes on serving; and, in a namespace of this run's own
// (root, under CI or CHAT_NETNS=1), a simultaneous close through CLOSING to TIME-WAIT on both
// sides, tcp_max_tw_buckets, and tcp_tw_reuse taking over a TIME-WAIT when ports run out.
import { once } from "node:events";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { atReap, reapAll, spawnProgram } from "../harness/procs.ts";
import { testUnless } from "../harness/skip.ts";
import { installHint, missingTools } from "../harness/tools.ts";
import { runBlock } from "./doc-blocks.ts";
import { LabNames, labTest } from "./lab-netns.ts";

test.after.each(reapAll);

const missing = missingTools(["python3", "ss"]);
const why = missing.length > 0 ? installHint(missing) : undefined;
if (why && process.env.CI === "true") {
  test("CI has python3 and ss for the closing lesson", () => assert.unreachable(why));
}
const pythonTest = testUnless(why, "the closing lesson's Python programs:");

pythonTest(
  "linger.py: close() leaves TIME-WAIT and the peer reads b''; SO_LINGER 0 sends RST, the peer's recv raises ConnectionResetError, and no state is left",
  async () => {
    const run = spawnProgram("linger.py", ["bash", "-c", runBlock("linger")]);
    assert.equal(await run.waitExit(), { code: 0, signal: null }, run.transcript());
    assert.equal(run.stdout.split("\n"), [
      "client close(): the server's recv() returns b''",
      "  then the server closes too; the client's port is left in: TIME-WAIT",
      "client SO_LINGER on, 0 s, then close(): the server's recv() raises ConnectionResetError: [Errno 104] Connection reset by peer",
      "  then the server closes too; the client's port is left in: none",
      "",
    ]);
  },
);

pythonTest(
  "time_wait.py: a server that closes first keeps a TIME-WAIT per connection, goes on accepting, and is rebound only with SO_REUSEADDR",
  async () => {
    const run = spawnProgram("time_wait.py", ["bash", "-c", runBlock("busy-time-wait")]);
    assert.equal(await run.waitExit(), { code: 0, signal: null }, run.transcript());
    assert.match(
      run.stdout,
      /^200 connections, each closed by the server first: 200 TIME-WAIT rows on the server's port \d+\n/,
    );
    assert.match(run.stdout, /without SO_REUSEADDR cannot bind the port: OSError\(98, /);
    assert.match(run.stdout, /\nwith SO_REUSEADDR \(as the article's server sets it\) it can\n$/);
  },
);

test("Node's resetAndDestroy() closes with RST: the peer gets ECONNRESET", async () => {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const client = connect((server.address() as AddressInfo).port, "127.0.0.1");
  const [peer] = (await once(server, "connection")) as [Socket];
  atReap(() => {
    peer.destroy();
    server.close();
  });
  await once(client, "connect");
  const failed = once(peer, "error");
  client.resetAndDestroy();
  const [err] = (await failed) as [NodeJS.ErrnoException];
  assert.is(err.code, "ECONNRESET");
});

const nsTest = labTest("the closing lesson's namespace experiments", [
  "ip",
  "nft",
  "ss",
  "python3",
]);

nsTest(
  "simultaneous_close.py: both FINs sent at once, the server passes through CLOSING, and both sides end in TIME-WAIT",
  async () => {
    const lab = new LabNames(["lab"]);
    await lab.run("namespace", runBlock("closing-ns"));
    const run = await lab.run("simultaneous_close.py", runBlock("simultaneous-close"));
    const states = run.stdout
      .trim()
      .split("\n")
      .map((line) => line.replace(/^.{44} /, "").replace(/ +/g, " "));
    assert.equal(states, [
      "client ESTAB server ESTAB",
      "client FIN-WAIT-1 server FIN-WAIT-1",
      "client FIN-WAIT-2 server CLOSING",
      "client TIME-WAIT server TIME-WAIT",
    ]);
  },
);

nsTest(
  "time_wait.py in a namespace with tcp_max_tw_buckets=5 keeps 5 TIME-WAITs of 10",
  async () => {
    const lab = new LabNames(["lab"]);
    await lab.run("namespace", runBlock("closing-ns"));
    const run = await lab.run("tw buckets", runBlock("tw-buckets"));
    assert.match(run.stdout, /^10 connections, each closed by the server first: 5 TIME-WAIT rows/m);
  },
);

nsTest(
  "tw_reuse.py: with two ports, the third connect fails while both are in TIME-WAIT; tcp_tw_reuse takes one over after a second, and with tcp_tw_reuse=0 it keeps failing",
  async () => {
    const lab = new LabNames(["lab"]);
    await lab.run("namespace", runBlock("closing-ns"));
    await lab.run("two ports", runBlock("two-ports"));
    const reuse = await lab.run("tw_reuse.py", runBlock("tw-reuse"));
    const out = reuse.stdout;
    assert.match(out, /^ip_local_port_range = 40000 40001, tcp_tw_reuse = 2/m);
    assert.match(
      out,
      /^connection 3: connect\(\) fails: \[Errno 99\] Cannot assign requested address; both ports are in TIME-WAIT, timer:\(timewait,\d+sec,0\)$/m,
    );
    const after = Number(
      /^connection 3: from port 4000[01] after ([\d.]+) s: a TIME-WAIT/m.exec(out)?.[1],
    );
    assert.ok(after >= 0.9, `taken over after ${after} s, not after tcp_tw_reuse_delay\n${out}`);
    await lab.run("reuse off", runBlock("tw-reuse-off"));
    const off = await lab.run("tw_reuse.py, reuse off", runBlock("tw-reuse"));
    assert.match(off.stdout, /tcp_tw_reuse = 0/);
    assert.match(off.stdout, /^connection 1: connect\(\) fails: \[Errno 99\]/m);
    assert.not.match(off.stdout, /from port/);
    await lab.run("namespace removed", runBlock("closing-ns-gone"));
    assert.equal(lab.leftBehind(), []);
  },
);

test.run();
