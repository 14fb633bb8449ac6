// The capture lesson (make capture, lesson 3): tcpdump's view of one real conversation,
// every segment named; and what it says when it cannot capture. Apart from the demos (lessons.test.ts),
// so that the two run side by side.

import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { freeUdpPort } from "../harness/ports.ts";
import { reapAll, spawnProgram, spawnScript, tempDir, transcripts } from "../harness/procs.ts";
import { inOrder, Recorder } from "../harness/recorder.ts";
import { testUnless } from "../harness/skip.ts";
import { haveTool, installHint } from "../harness/tools.ts";
import { asNobody, nobodyProblem } from "../harness/users.ts";
import { Capture, filterFor } from "../lab/capture.ts";
import type { Packet } from "../lab/pcap.ts";
import { rawUdp } from "./peers.ts";

test.after.each(reapAll);

test("make capture: -h prints the usage, a bad flag exits 2 with the usage, never a stack trace", async () => {
  const help = spawnProgram("make capture -h", ["make", "-s", "capture", "ARGS=-h"]);
  assert.equal(await help.waitExit(), { code: 0, signal: null }, help.transcript());
  assert.match(help.stdout, /^usage: make capture/);
  const bad = spawnProgram("make capture --bogus", ["make", "-s", "capture", "ARGS=--bogus"]);
  assert.equal(await bad.waitExit(), { code: 2, signal: null });
  assert.match(bad.stderr, /^capture: Unknown option '--bogus'.*\nusage: make capture/s);
  assert.not.match(bad.stderr, / {4}at /);
});

test("make capture says clearly when tcpdump is missing", async () => {
  const noTcpdump = spawnScript("docs/tools/capture.ts", [], "capture", {
    env: { PATH: "/nonexistent" },
  });
  assert.equal(await noTcpdump.waitExit(), { code: 1, signal: null });
  assert.is(noTcpdump.stderr, "make capture needs tcpdump: sudo apt-get install -y tcpdump\n");
});

// Run as nobody, from a copy of the build it can read (the clone may sit in a private folder).
const noNobody = haveTool("tcpdump") ? nobodyProblem() : "tcpdump is not installed";
const notRootTest = testUnless(noNobody, "the not-root capture test");

notRootTest("make capture says clearly when it is not root", async () => {
  const notRoot = spawnScript("docs/tools/capture.ts", [], "capture", asNobody());
  assert.equal(await notRoot.waitExit(), { code: 1, signal: null }, notRoot.transcript());
  assert.match(
    notRoot.stderr,
    /^make capture needs root: tcpdump captures on lo through a packet socket \(AF_PACKET\), which needs CAP_NET_RAW\. Try: sudo make capture\n$/,
  );
});

const isRoot = process.getuid?.() === 0;
const noCapture = haveTool("tcpdump")
  ? isRoot
    ? undefined
    : "they need root"
  : installHint(["tcpdump"]);
if (!haveTool("tcpdump") && process.env.CI === "true") {
  test("CI has tcpdump", () => assert.unreachable(installHint(["tcpdump"])));
}
const captureTest = testUnless(noCapture, "capture tests");
// It runs tcpdump as nobody through setpriv (util-linux).
const setprivTest = noCapture
  ? captureTest
  : testUnless(
      haveTool("setpriv") ? undefined : "setpriv (util-linux) is not installed",
      "the CAP_NET_RAW capture test",
    );

captureTest("make capture shows the real handshake, data and teardown, in order", async () => {
  const pcap = join(tempDir(), "tcp.pcap");
  const capture = spawnProgram("make capture", ["make", "-s", "capture", `ARGS=--pcap ${pcap}`]);
  assert.equal(await capture.waitExit(), { code: 0, signal: null }, capture.transcript());
  const order = [
    "第一次握手",
    "第二次握手",
    "第三次握手",
    "data: 6 bytes from the client",
    "第一次挥手",
    "第四次挥手",
  ];
  assert.equal(inOrder(capture.stdout, order), order);
  assert.match(capture.stdout, /第二次挥手|第二、三次挥手/);
  // relative numbers: the client's 6 bytes at seq 1 are acknowledged by ack 7, the next byte
  assert.match(capture.stdout, /client → server {2}\[P\.\] +1 +1 +6 {2}data: 6 bytes/);
  assert.match(capture.stdout, /server → client {2}\[[.FP]+\] +1 +7 /);
  // the .pcap holds the same segments, as tcpdump itself reads them
  const read = spawnProgram("tcpdump -r", ["tcpdump", "-r", pcap, "-n"]);
  assert.equal(await read.waitExit(), { code: 0, signal: null }, read.transcript());
  const segments = Number(/, (\d+) segments\n/.exec(capture.stdout)?.[1]);
  assert.is(read.stdout.trim().split("\n").length, segments, read.stdout);
  assert.match(read.stdout, /Flags \[S\][\s\S]*Flags \[S\.\][\s\S]*Flags \[P\.\]/);
});

captureTest("make capture-udp shows two datagrams and no handshake", async () => {
  const capture = spawnProgram("make capture-udp", ["make", "-s", "capture-udp"]);
  assert.equal(await capture.waitExit(), { code: 0, signal: null }, capture.transcript());
  assert.match(capture.stdout, /2 datagrams\n/);
  assert.not.match(capture.stdout, /握手|SYN/);
});

captureTest("make capture-udp --no-server shows the kernel's ICMP port unreachable", async () => {
  const pcap = join(tempDir(), "udp.pcap");
  const args = `ARGS=--no-server --pcap ${pcap}`;
  const capture = spawnProgram("make capture-udp", ["make", "-s", "capture-udp", args]);
  assert.equal(await capture.waitExit(), { code: 0, signal: null }, capture.transcript());
  assert.match(capture.stdout, /no program on port (\d+), 1 datagram and the kernel's answer\n/);
  assert.match(capture.stdout, /client → port \d+ +\[UDP\] .* 10 {2}datagram/);
  assert.match(capture.stdout, /kernel → client +\[ICMP\] .*ICMP port unreachable/);
  const read = spawnProgram("tcpdump -r", ["tcpdump", "-r", pcap, "-n"]);
  assert.equal(await read.waitExit(), { code: 0, signal: null }, read.transcript());
  assert.match(read.stdout, /UDP, length 10\n.*ICMP 127\.0\.0\.1 udp port \d+ unreachable/);
});
captureTest(
  "an ICMP port unreachable quotes the refused datagram whole, up to 576 bytes in all: not only its first 8 bytes",
  async () => {
    const port = await freeUdpPort(); // nobody has it: each datagram draws the kernel's ICMP
    const icmp: Packet[] = [];
    const wire = new Recorder("tcpdump", transcripts);
    const capture = await Capture.start(filterFor("udp", port), (p) => {
      if (p.proto === "icmp") icmp.push(p);
      wire.wake();
    });
    if (typeof capture === "string") throw new Error(capture);
    const sender = await rawUdp("sender");
    const sizes = [10, 100, 500, 910, 1400];
    try {
      for (const [n, size] of sizes.entries()) {
        await sender.send(Buffer.alloc(size, 0x61), port);
        await wire.until(() => icmp.length > n, `the ICMP answer to ${size} bytes`);
      }
    } finally {
      await capture.stop();
    }
    // what the ICMP message quotes: the datagram's IP header (20), UDP header (8) and data,
    // cut so that the whole ICMP packet fits in 576 bytes (20 + 8 + 548)
    const quoted = icmp.map((p) => p.payload.length);
    assert.equal(
      quoted,
      sizes.map((size) => Math.min(20 + 8 + size, 548)),
    );
    console.log(`ICMP quotes of ${sizes.join(", ")}-byte datagrams: ${quoted.join(", ")} bytes`);
  },
);

setprivTest(
  "tcpdump captures through a packet socket (AF_PACKET), and CAP_NET_RAW is all it needs",
  async () => {
    const port = await freeUdpPort();
    const nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
    const tcpdump = ["tcpdump", "-i", "lo", "-n", "-c", "1", `udp port ${port}`];
    const capable = spawnProgram("tcpdump as nobody with CAP_NET_RAW", [
      ...nobody,
      "--inh-caps=+net_raw",
      "--ambient-caps=+net_raw",
      ...tcpdump,
    ]);
    await capable.waitFor("stderr", "listening on lo");
    // setpriv ran tcpdump in its own place: its sockets are the process's; one is a packet socket
    const pid = capable.child.pid as number;
    const inodes = readdirSync(`/proc/${pid}/fd`)
      .map((fd) => /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1])
      .filter((inode) => inode !== undefined);
    const packetSockets = readFileSync("/proc/net/packet", "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => line.trim().split(/\s+/).at(-1));
    assert.ok(
      inodes.some((inode) => packetSockets.includes(inode)),
      `tcpdump's sockets ${inodes} in /proc/net/packet ${packetSockets}`,
    );
    const sender = await rawUdp("sender");
    await sender.send("x", port);
    assert.equal(await capable.waitExit(), { code: 0, signal: null }, capable.transcript());
    assert.match(capable.stderr, /1 packet captured/);
    const plain = spawnProgram("tcpdump as nobody", [...nobody, ...tcpdump]);
    assert.equal(await plain.waitExit(), { code: 1, signal: null }, plain.transcript());
    assert.match(plain.stderr, /Operation not permitted/);
  },
);

test.run();
