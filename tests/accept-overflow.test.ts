// Lesson 20 (docs/20-accept-overflow.md), run with the lesson's own commands in a network
// namespace of this run's own: a full accept queue drops a client's third ACK while the client
// believes it is connected, the server sends its SYN-ACK again and the connection completes
// once accept() makes room; tcp_abort_on_overflow=1 resets it instead; and the SYN queue holds
// backlog+1, SYN cookies answering beyond it, tcp_max_syn_backlog counting only without them.
// Root only, under CI or CHAT_NETNS=1 (tests/lab-netns.ts); elsewhere skipped, saying why.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { reapAll } from "../harness/procs.ts";
import { runBlock } from "./doc-blocks.ts";
import { LabNames, labTest } from "./lab-netns.ts";

test.after.each(reapAll);

/** The three counts syn_queue.py prints: queued, cookies, dropped. */
function counts(out: string): number[] {
  return [
    /(\d+) {2}in the SYN queue/,
    /(\d+) {2}answered with a SYN cookie/,
    /(\d+) {2}SYN dropped/,
  ].map((re) => Number(re.exec(out)?.[1] ?? Number.NaN));
}

const nsTest = labTest("the accept-queue lesson", ["ip", "nft", "ss", "nstat", "python3"]);

nsTest(
  "a full accept queue drops the third ACK: the client is ESTAB, the server keeps it in SYN-RECV, sends its SYN-ACK again, and the connection completes once accept() makes room",
  async () => {
    const lab = new LabNames(["lab"]);
    await lab.run("namespace", runBlock("overflow-ns"));
    const run = await lab.run("overflow.py", runBlock("overflow"));
    const out = run.stdout;
    assert.match(out, /^A: connect\(\) returned: A believes it is connected \(ESTAB\)$/m);
    assert.match(out, /^server: A is still in the SYN queue: SYN-RECV 127\.0\.0\.1:8001 <- /m);
    assert.match(out, /the accept queue is full \(Recv-Q 1\)$/m);
    assert.match(out, /^server: no room in the accept queue: ListenOverflows 0 -> [1-9]\d*, /m);
    const resent = Number(/^ +([\d.]+) s {2}the server sends its SYN-ACK again/m.exec(out)?.[1]);
    assert.ok(resent >= 0.9, `the SYN-ACK went again after ${resent} s, not after 1 s\n${out}`);
    assert.match(out, /completes the handshake: accept\(\) returns A, recv\(\) b'hello'$/m);
    const counters = await lab.run("nstat", runBlock("overflow-counters"));
    assert.ok(
      Number(/^TcpExtListenOverflows +(\d+)/m.exec(counters.stdout)?.[1]) >= 1,
      counters.stdout,
    );
  },
);

nsTest(
  "tcp_abort_on_overflow=1 answers the overflowing ACK with RST: the client's recv raises ConnectionResetError",
  async () => {
    const lab = new LabNames(["lab"]);
    await lab.run("namespace", runBlock("overflow-ns"));
    await lab.run("sysctl", runBlock("abort-on-overflow"));
    const run = await lab.run("overflow.py", runBlock("overflow"));
    assert.match(run.stdout, /^tcp_abort_on_overflow = 1: the server answers with RST$/m);
    assert.match(run.stdout, /^A: recv\(\) raises ConnectionResetError: \[Errno 104\]/m);
  },
);

nsTest(
  "the SYN queue holds backlog+1; beyond it SYN cookies answer, or with cookies off the SYNs are dropped; tcp_max_syn_backlog limits only without cookies",
  async () => {
    const lab = new LabNames(["lab"]);
    await lab.run("namespace", runBlock("overflow-ns"));
    const queue = runBlock("syn-queue");
    assert.equal(counts((await lab.run("cookies on", queue)).stdout), [5, 3, 0]);
    await lab.run("cookies off", runBlock("cookies-off"));
    assert.equal(counts((await lab.run("cookies off", queue)).stdout), [5, 0, 3]);
    await lab.run("max syn backlog", runBlock("max-syn-backlog"));
    const wide = runBlock("syn-queue-wide");
    assert.equal(counts((await lab.run("listen(100), cookies off", wide)).stdout), [7, 0, 5]);
    await lab.run("cookies on again", "ip netns exec lab sysctl -w net.ipv4.tcp_syncookies=1");
    assert.equal(counts((await lab.run("listen(100), cookies on", wide)).stdout), [12, 0, 0]);
    await lab.run("namespace removed", runBlock("overflow-ns-gone"));
    assert.equal(lab.leftBehind(), []);
  },
);

test.run();
