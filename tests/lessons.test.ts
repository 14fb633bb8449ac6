// The runnable lessons: make demo and make capture play real conversations.

import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { freeUdpPort } from "../harness/ports.ts";
import {
  reapAll,
  spawnProgram,
  spawnScript,
  startServer,
  tempDir,
  transcripts,
} from "../harness/procs.ts";
import { Recorder } from "../harness/recorder.ts";
import { testUnless } from "../harness/skip.ts";
import { haveTool, installHint } from "../harness/tools.ts";
import { asNobody, nobodyProblem } from "../harness/users.ts";
import { Capture, filterFor } from "../lab/capture.ts";
import type { Packet } from "../lab/pcap.ts";
import { rawTcpClient, rawTcpServer, rawUdp } from "./peers.ts";
import { tcpSockets, waitForSockets, waitForState } from "./tcp-states.ts";

test.after.each(reapAll);

/** The roles in `text`, in order, keeping only those named in `wanted`. */
function inOrder(text: string, wanted: string[]): string[] {
  return wanted
    .map((w) => [w, text.indexOf(w)] as const)
    .filter(([, at]) => at >= 0)
    .sort((a, b) => a[1] - b[1])
    .map(([w]) => w);
}

test("make demo plays the TCP conversation, both sides labelled, with their trace", async () => {
  const demo = spawnProgram("make demo", ["make", "-s", "demo", "ARGS=--fast"]);
  assert.equal(await demo.waitExit(), { code: 0, signal: null }, demo.transcript());
  const order = [
    "client ⌨ 你好 hello",
    "server │ 来自宝宝的消息: 你好 hello",
    "server ⌨ hi baby",
    "client │ 来自高望的消息: hi baby",
    "client ⌨ byebye",
    "server │ 来自宝宝的消息: byebye",
  ];
  assert.equal(inOrder(demo.stdout, order), order);
  // each side's lines in the order it wrote them: the message it printed, then its FIN
  for (const [who, said] of [
    ["server", "server │ 来自宝宝的消息: byebye"],
    ["client", "client ⌨ byebye"],
  ]) {
    const fin = new RegExp(
      `${who} ┆ \\[trace [\\d:.]+\\] FIN to 127\\.0\\.0\\.1:\\d+: we close (first|second)`,
    );
    const at = demo.stdout.search(fin);
    assert.ok(at > demo.stdout.indexOf(said), `${who}: ${said}, then its FIN`);
  }
  assert.match(demo.stdout, /server ┆ \[trace [\d:.]+\] accept 127\.0\.0\.1:\d+/);
  // one clock: the time column never goes back
  const times = [...demo.stdout.matchAll(/^ *([\d.]+) ms {2}/gm)].map((m) => Number(m[1]));
  assert.ok(times.length > 15 && times.every((t, i) => i === 0 || t >= (times[i - 1] as number)));
});

test("make demo --step waits for Enter before each typed line; a bad flag is refused", async () => {
  const demo = spawnProgram("make demo --step", ["make", "-s", "demo", "ARGS=--step"]);
  await demo.waitFor("stderr", "(Enter: client types 你好 hello)");
  assert.not.match(
    demo.stdout,
    /(client|server) ⌨/,
    `nothing typed before the first Enter${demo.transcript()}`,
  );
  demo.write("");
  await demo.waitFor("stderr", "(Enter: server types hi baby)");
  assert.match(demo.stdout, /client ⌨ 你好 hello/);
  assert.not.match(demo.stdout, /server ⌨/);
  demo.write("");
  await demo.waitFor("stderr", "(Enter: client types byebye)");
  demo.write("");
  assert.equal(await demo.waitExit(), { code: 0, signal: null }, demo.transcript());
  const bad = spawnProgram("make demo --bogus", ["make", "-s", "demo", "ARGS=--bogus"]);
  assert.equal(await bad.waitExit(), { code: 2, signal: null });
  assert.match(bad.stderr, /demo: Unknown option '--bogus'.*\nusage: make demo/s);
  const help = spawnProgram("make demo --help", ["make", "-s", "demo", "ARGS=--help"]);
  assert.equal(await help.waitExit(), { code: 0, signal: null });
  assert.match(help.stdout, /^usage: make demo/);
});

test("make demo-udp plays the UDP conversation, datagrams traced", async () => {
  const demo = spawnProgram("make demo-udp", ["make", "-s", "demo-udp", "ARGS=--fast"]);
  assert.equal(await demo.waitExit(), { code: 0, signal: null }, demo.transcript());
  const order = [
    "client ⌨ 你好 udp",
    "server │ 你好 udp ('127.0.0.1', ",
    "server ⌨ hi udp",
    "client │ hi udp ('127.0.0.1', ",
  ];
  assert.equal(inOrder(demo.stdout, order), order);
  assert.match(demo.stdout, /server ┆ \[trace [\d:.]+\] datagram in: 10 bytes from/);
  // in the order things happened: the trace stamps never go back, and each datagram's
  // sendto comes before the other side hears it
  const stamps = [...demo.stdout.matchAll(/\[trace ([\d:.]+)\]/g)].map((m) => m[1] as string);
  assert.equal(stamps, [...stamps].sort(), demo.stdout);
  for (const bytes of [10, 6, 7]) {
    const sent = demo.stdout.search(new RegExp(`sendto ${bytes} bytes`));
    const heard = demo.stdout.search(new RegExp(`datagram in: ${bytes} bytes`));
    assert.ok(
      sent !== -1 && sent < heard,
      `sendto ${bytes} bytes, then datagram in:\n${demo.stdout}`,
    );
  }
});

test("the kernel answers bytes sent to a closed socket with a reset: the second send fails, as Python's BrokenPipeError", async () => {
  const raw = await rawTcpServer("server side");
  const gone = await rawTcpClient(raw.port, "a client that exits");
  const conn = await raw.accepted();
  gone.sock.destroy(); // close(2), as a process that exits: its kernel sends FIN
  await conn.got.waitClosed(); // the FIN: a half-close, as far as this side can tell
  const failed = new Promise<string>((resolve) =>
    conn.sock.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "")),
  );
  conn.sock.write("first answer"); // accepted by our kernel; the peer's kernel answers RST
  await waitForSockets(
    (all) => !all.some((s) => s.localPort === raw.port && s.remotePort === gone.sock.localPort),
    "the reset to remove the connection",
  );
  conn.sock.write("second answer"); // now the kernel refuses: EPIPE, Python's BrokenPipeError
  assert.match(await failed, /^(EPIPE|ECONNRESET)$/);
});

test("tcp/server.ts restarts at once while its old connection is in TIME_WAIT", async () => {
  const { proc: server, port } = await startServer("tcp/server.ts", [], "server");
  const client = spawnScript("tcp/client.ts", ["--port", String(port)], "client");
  client.write("hi");
  await server.waitFor("stdout", "高望>>>");
  server.endInput(); // the server closes first: its side of the connection enters TIME_WAIT
  assert.equal(await server.waitExit(), { code: 0, signal: null });
  assert.equal(await client.waitExit(), { code: 0, signal: null });
  await waitForState({ localPort: port }, "TIME-WAIT");
  const again = spawnScript("tcp/server.ts", ["--port", String(port)], "restarted");
  await again.waitFor("stderr", `listening on 127.0.0.1:${port} (tcp)\n`);
  const waiting = tcpSockets().find((s) => s.localPort === port && s.state === "TIME-WAIT");
  // Linux waits a fixed 60 s (TCP_TIMEWAIT_LEN), whatever RFC 9293's 2 × MSL would say
  assert.ok(
    waiting?.timer !== undefined && waiting.timer > 40 && waiting.timer <= 60,
    String(waiting?.timer),
  );
});

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
