// The runnable lessons: make demo and make capture play real conversations.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { reapAll, spawnProgram, spawnScript, startServer } from "../harness/procs.ts";
import { inOrder } from "../harness/recorder.ts";
import { rawTcpClient, rawTcpServer } from "./peers.ts";
import { tcpSockets, waitForSockets, waitForState } from "./tcp-states.ts";

test.after.each(reapAll);

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

test.run();
