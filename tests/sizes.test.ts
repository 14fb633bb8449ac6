// Lesson 21 (docs/21-sizes.md): loopback's MTU; the largest UDP datagram (65,507 bytes);
// recv(1024) cutting a longer datagram and splitting a longer TCP message; and, in a
// namespace whose lo has Ethernet's MTU (root, under CI or CHAT_NETNS=1), a datagram
// leaving as IP fragments while TCP keeps to its MSS. Run with the lesson's own commands.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { reapAll, spawnProgram } from "../harness/procs.ts";
import { testUnless } from "../harness/skip.ts";
import { installHint, missingTools } from "../harness/tools.ts";
import { runBlock } from "./doc-blocks.ts";
import { LabNames, labTest } from "./lab-netns.ts";

test.after.each(reapAll);

const missing = missingTools(["python3", "ip"]);
const why = missing.length > 0 ? installHint(missing) : undefined;
if (why && process.env.CI === "true") {
  test("CI has python3 and ip for the sizes lesson", () => assert.unreachable(why));
}
const sizesTest = testUnless(why, "the sizes lesson:");

sizesTest(
  "sizes.py: 65,507 bytes is the largest UDP datagram; recvfrom(1024) cuts a longer datagram and loses the rest; recv(1024) splits a longer TCP message and loses nothing",
  async () => {
    const lo = spawnProgram("ip link show lo", ["bash", "-c", runBlock("lo-mtu")]);
    assert.equal(await lo.waitExit(), { code: 0, signal: null }, lo.transcript());
    assert.match(lo.stdout, /^1: lo: .* mtu 65536 /);
    const run = spawnProgram("sizes.py", ["bash", "-c", runBlock("sizes")]);
    assert.equal(await run.waitExit(), { code: 0, signal: null }, run.transcript());
    assert.equal(run.stdout.split("\n"), [
      "UDP: a datagram of 65507 bytes is sent and received whole: 65507 bytes",
      "UDP: a datagram of 65508 bytes cannot be sent: OSError(90, 'Message too long')",
      "UDP: 2000 bytes sent in one datagram, then b'next'",
      "  recvfrom(1024) returns 1024 bytes; the other 976 are gone",
      "  recvfrom(1024) again returns b'next': the next datagram",
      "  recvmsg(1024) says so: 1024 bytes, flags MSG_TRUNC: True",
      "TCP: 2000 bytes sent in one sendall(); recv(1024) returns 1024 + 976: nothing is lost",
      "",
    ]);
  },
);

const nsTest = labTest("the fragments of the sizes lesson", ["ip", "python3"]);

nsTest(
  "fragments.py: with an MTU of 1500 a 3000-byte datagram leaves as 3 fragments and arrives whole; TCP sends 3 segments of at most the MSS, no fragment",
  async () => {
    const lab = new LabNames(["lab"]);
    await lab.run("namespace", runBlock("sizes-ns"));
    const run = await lab.run("fragments.py", runBlock("fragments"));
    assert.equal(run.stdout.split("\n"), [
      "UDP: the path's MTU is 1500 bytes",
      "  one datagram of 3000 bytes: 3 IP fragments (IpFragCreates), put together again 1 time (IpReasmOKs); recv() returns 3000 bytes",
      "  with IP_PMTUDISC_DO (don't fragment) the same send fails: OSError(90, 'Message too long')",
      "TCP: MSS 1448 bytes (1500 - 20 IP - 20 TCP - 12 of timestamps)",
      "  3000 bytes in one sendall(): 3 segments, 0 IP fragments",
      "",
    ]);
    await lab.run("namespace removed", runBlock("sizes-ns-gone"));
    assert.equal(lab.leftBehind(), []);
  },
);

test.run();
