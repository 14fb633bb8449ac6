// The runnable lessons: make demo and make capture play real conversations.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { annotate, annotateUdp, table, tornDown } from "../docs/tools/annotate.ts";
import { reapAll, spawnProgram, spawnScript, startServer } from "../harness/procs.ts";
import { haveTool, installHint } from "../harness/tools.ts";
import { asNobody, nobodyProblem } from "../harness/users.ts";
import { tcpSockets, waitForState } from "./tcp-states.ts";

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
  assert.match(demo.stdout, /server ┆ \[trace [\d:.]+\] accept 127\.0\.0\.1:\d+/);
  assert.match(demo.stdout, /client ┆ \[trace [\d:.]+\] FIN to 127\.0\.0\.1:\d+/);
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
  assert.ok(tcpSockets().some((s) => s.localPort === port && s.state === "TIME-WAIT"));
});

// Recorded from `make capture`: one connection, with the 3-segment and 4-segment teardowns.
const HANDSHAKE = [
  "1.000000 IP 127.0.0.1.5000 > 127.0.0.1.8001: Flags [S], seq 100, win 1, length 0",
  "1.000010 IP 127.0.0.1.8001 > 127.0.0.1.5000: Flags [S.], seq 300, ack 101, win 1, length 0",
  "1.000020 IP 127.0.0.1.5000 > 127.0.0.1.8001: Flags [.], ack 1, win 1, length 0",
  "1.002000 IP 127.0.0.1.5000 > 127.0.0.1.8001: Flags [P.], seq 1:7, ack 1, win 1, length 6",
  "1.002010 IP 127.0.0.1.8001 > 127.0.0.1.5000: Flags [.], ack 7, win 1, length 0",
];

test("annotate names the handshake, the data and a four-segment teardown", () => {
  const lines = [
    ...HANDSHAKE,
    "1.003000 IP 127.0.0.1.5000 > 127.0.0.1.8001: Flags [F.], seq 7, ack 1, win 1, length 0",
    "1.003010 IP 127.0.0.1.8001 > 127.0.0.1.5000: Flags [.], ack 8, win 1, length 0",
    "1.004000 IP 127.0.0.1.8001 > 127.0.0.1.5000: Flags [F.], seq 1, ack 8, win 1, length 0",
    "1.004010 IP 127.0.0.1.5000 > 127.0.0.1.8001: Flags [.], ack 2, win 1, length 0",
  ];
  const roles = annotate(lines, 8001).map((s) => `${s.from} ${s.role}`);
  assert.equal(roles, [
    "client SYN: first handshake / 第一次握手",
    "server SYN-ACK: second handshake / 第二次握手",
    "client ACK: third handshake / 第三次握手",
    "client data: 6 bytes from the client",
    "server ACK: the server has received 6 bytes so far",
    "client FIN: the client closes its side, first wave / 第一次挥手",
    "server ACK of that FIN: second wave / 第二次挥手",
    "server FIN: the server closes too, third wave / 第三次挥手",
    "client ACK of the last FIN: fourth wave / 第四次挥手",
  ]);
  assert.ok(tornDown(annotate(lines, 8001)));
  assert.match(table(annotate(lines, 8001)), /^ +time {2}direction/);
});

test("annotate sees the second and third waves in one segment when a FIN also acks a FIN", () => {
  const lines = [
    ...HANDSHAKE,
    "1.003000 IP 127.0.0.1.5000 > 127.0.0.1.8001: Flags [F.], seq 7, ack 1, win 1, length 0",
    "1.003010 IP 127.0.0.1.8001 > 127.0.0.1.5000: Flags [F.], seq 1, ack 8, win 1, length 0",
    "1.003020 IP 127.0.0.1.5000 > 127.0.0.1.8001: Flags [.], ack 2, win 1, length 0",
  ];
  const roles = annotate(lines, 8001)
    .slice(5)
    .map((s) => s.role);
  assert.equal(roles, [
    "FIN: the client closes its side, first wave / 第一次挥手",
    "ACK + FIN in one segment: second and third waves / 第二、三次挥手",
    "ACK of the last FIN: fourth wave / 第四次挥手",
  ]);
});

test("annotateUdp shows datagrams and nothing else", () => {
  const lines = [
    "2.000000 IP 127.0.0.1.5000 > 127.0.0.1.8002: UDP, length 10",
    "2.001000 IP 127.0.0.1.8002 > 127.0.0.1.5000: UDP, length 2",
  ];
  assert.equal(
    annotateUdp(lines, 8002).map((s) => [s.from, s.bytes]),
    [
      ["client", 10],
      ["server", 2],
    ],
  );
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
if (noNobody) {
  console.log(`the not-root capture test skipped: ${noNobody}`);
} else {
  test("make capture says clearly when it is not root", async () => {
    const notRoot = spawnScript("docs/tools/capture.ts", [], "capture", asNobody());
    assert.equal(await notRoot.waitExit(), { code: 1, signal: null }, notRoot.transcript());
    assert.match(
      notRoot.stderr,
      /^make capture needs root: tcpdump opens a raw socket on lo\. Try: sudo make capture\n$/,
    );
  });
}

const isRoot = process.getuid?.() === 0;
if (haveTool("tcpdump") && isRoot) {
  test("make capture shows the real handshake, data and teardown, in order", async () => {
    const capture = spawnProgram("make capture", ["make", "-s", "capture"]);
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
  });

  test("make capture-udp shows two datagrams and no handshake", async () => {
    const capture = spawnProgram("make capture-udp", ["make", "-s", "capture-udp"]);
    assert.equal(await capture.waitExit(), { code: 0, signal: null }, capture.transcript());
    assert.match(capture.stdout, /2 datagrams\n/);
    assert.not.match(capture.stdout, /握手|SYN/);
  });
} else if (!haveTool("tcpdump") && process.env.CI === "true") {
  test("CI has tcpdump", () => assert.unreachable(installHint(["tcpdump"])));
} else {
  const why = haveTool("tcpdump") ? "they need root" : installHint(["tcpdump"]);
  console.log(`capture tests skipped: ${why}`);
}

test.run();
