// Every row of the contract's table "where the mirrors are better than the article":
// each fault ends in a note or a one-line error, with the contract's exit code, and no
// stack trace ever reaches the user.

import { readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { freePort, freeUdpPort } from "../harness/ports.ts";
import { type Proc, reapAll, spawnScript, startServer } from "../harness/procs.ts";
import { testUnless } from "../harness/skip.ts";
import { asNobody, nobodyProblem } from "../harness/users.ts";
import { turn } from "./chat.ts";
import { rawTcpClient, rawTcpServer, rawUdp } from "./peers.ts";

test.after.each(reapAll);

const STACK = /Error| {4}at |node:internal/;

async function exitsWith(proc: Proc, code: number, stderr: RegExp): Promise<void> {
  assert.equal(await proc.waitExit(), { code, signal: null }, proc.transcript());
  assert.match(proc.stderr, stderr);
  assert.not.match(proc.stderr, STACK);
}

// Peer closes without byebye.

/** tcp/server.ts with a raw client who has said `hi`: the server's prompt is open. */
async function promptOpenFor(name: string) {
  const { proc: server, port } = await startServer("tcp/server.ts", [], "server");
  const peer = await rawTcpClient(port, name);
  peer.sock.write("hi");
  await server.waitFor("stdout", "高望>>>");
  return { server, port, peer };
}

/** The note at a peer's FIN: only what is known. */
const FIN_NOTE =
  /peer 127\.0\.0\.1:\d+ will send no more \(it exited, or half-closed: TCP cannot tell until we send\)\n/;
const DELIVERED =
  /\(delivered: 127\.0\.0\.1:\d+ had only half-closed; its kernel acknowledged the (\d+) bytes\)\n/;
const REFUSED =
  /\(not delivered: 127\.0\.0\.1:\d+ had exited; its kernel refused the (\d+) bytes with a reset\)\n/;

test("tcp/server.ts still answers a client that half-closes mid-prompt, as TCP delivers it", async () => {
  const { server, port, peer: halfway } = await promptOpenFor("nc -N");
  halfway.sock.end(); // shutdown(SHUT_WR): no more from this side, but it goes on reading
  await server.waitFor("stderr", FIN_NOTE);
  server.write("still heard");
  await halfway.got.waitFor("still heard");
  assert.is(DELIVERED.exec(await server.waitFor("stderr", DELIVERED))?.[1], "11");
  await halfway.got.waitClosed(); // then the conversation ends: the server closes too
  const next = await rawTcpClient(port, "next");
  next.sock.write("我来了");
  await server.waitFor("stdout", "高望>>>", 2);
  server.write("welcome");
  await next.got.waitFor("welcome");
  assert.is(server.stdout, "来自宝宝的消息: hi\n高望>>>来自宝宝的消息: 我来了\n高望>>>");
  assert.not.match(server.stderr, STACK);
});

test("tcp/server.ts answers a client that exited mid-prompt once, as Python does, then serves the next", async () => {
  const { server, port, peer: gone } = await promptOpenFor("gone");
  gone.sock.destroy(); // close(2), as a process that exits: FIN now, RST for anything sent later
  await server.waitFor("stderr", FIN_NOTE);
  server.write("too late"); // sent; the client's kernel answers RST
  assert.is(REFUSED.exec(await server.waitFor("stderr", REFUSED))?.[1], "8");
  server.write("still typing"); // the conversation is over: back at accept
  await server.waitFor("stderr", "(not sent: no client is connected)");
  const next = await rawTcpClient(port, "next");
  next.sock.write("again");
  await server.waitFor("stdout", "来自宝宝的消息: again\n");
});

test("tcp/server.ts notes a connection reset at once, even while its prompt is open", async () => {
  const { server, port, peer: rude } = await promptOpenFor("rude");
  rude.sock.resetAndDestroy();
  await server.waitFor("stderr", /peer 127\.0\.0\.1:\d+ reset the connection\n/);
  server.write("too late");
  await server.waitFor("stderr", "(not sent: that line was typed after the peer had left)");
  const next = await rawTcpClient(port, "next");
  next.sock.write("again");
  await server.waitFor("stdout", "来自宝宝的消息: again\n");
  assert.is(next.got.text, "", "the line typed for the one who left never reaches the next");
});

/** tcp/client.ts against a raw server, after its first line `hi` has arrived there. */
async function clientSaidHi() {
  const raw = await rawTcpServer();
  const client = spawnScript("tcp/client.ts", ["--port", String(raw.port)], "client");
  await client.waitFor("stdout", "宝宝说:");
  client.write("hi");
  const conn = await raw.accepted();
  await conn.got.waitFor("hi");
  return { client, conn };
}

test("tcp/client.ts exits 0 with a note when the server closes while it waits for a reply", async () => {
  const { client, conn } = await clientSaidHi();
  conn.sock.end();
  await exitsWith(client, 0, FIN_NOTE);
  assert.is(client.stdout, "宝宝说:");
});

test("tcp/client.ts keeps its prompt when the server half-closes, and its line still arrives", async () => {
  const { client, conn } = await clientSaidHi();
  conn.sock.end("bye for now");
  await client.waitFor("stderr", FIN_NOTE);
  client.write("ok, bye");
  await conn.got.waitFor("ok, bye");
  await exitsWith(client, 0, DELIVERED);
  assert.is(client.stdout, "宝宝说:来自高望的消息: bye for now\n宝宝说:");
});

test("tcp/client.ts notices at once when the server resets while its prompt is open", async () => {
  const { client, conn } = await clientSaidHi();
  conn.sock.write("one more");
  await client.waitFor("stdout", "宝宝说:", 2);
  conn.sock.resetAndDestroy();
  await exitsWith(client, 0, /peer 127\.0\.0\.1:\d+ reset the connection\n$/);
});

test("tcp/server.ts loses nothing when a client sends a long message and half-closes at once", async () => {
  const { proc: server, port } = await startServer("tcp/server.ts", [], "server");
  const peer = await rawTcpClient(port, "leaver");
  peer.sock.end("z".repeat(1500)); // more than one recv(1024), then FIN
  const prefix = "来自宝宝的消息: ";
  await server.waitFor("stdout", "高望>>>");
  server.write("one");
  await server.waitFor("stdout", `高望>>>${prefix}${"z".repeat(476)}\n高望>>>`);
  await server.waitFor("stderr", FIN_NOTE); // told once everything sent before it was read
  server.write("two");
  await peer.got.waitFor("onetwo");
  assert.is(
    server.stdout,
    `${prefix}${"z".repeat(1024)}\n高望>>>${prefix}${"z".repeat(476)}\n高望>>>`,
  );
  assert.not.match(server.stderr, STACK);
});

test("tcp/server.ts drops a line typed while no client is connected, with a note", async () => {
  const { proc: server, port } = await startServer("tcp/server.ts", [], "server");
  server.write("hello, anyone?"); // typed before any client: it would answer a stranger
  await server.waitFor("stderr", "(not sent: no client is connected)\n");
  const client = await rawTcpClient(port, "first client");
  client.sock.write("你好");
  await server.waitFor("stdout", "高望>>>");
  server.write("welcome");
  await client.got.waitFor("welcome");
  assert.is(client.got.text, "welcome", "the early line never reached the client");
});

// stdin ends.

test("tcp/client.ts closes and exits 0 at the end of stdin; the server notes it and goes on", async () => {
  const { proc: server, port } = await startServer("tcp/server.ts", [], "server");
  const client = spawnScript("tcp/client.ts", ["--port", String(port)], "client");
  await client.waitFor("stdout", "宝宝说:");
  client.endInput();
  await exitsWith(client, 0, /^$/);
  await server.waitFor("stderr", FIN_NOTE);
  const next = await rawTcpClient(port, "next");
  next.sock.write("still there?");
  await server.waitFor("stdout", "来自宝宝的消息: still there?\n");
});

test("tcp/server.ts closes the conversation and exits 0 at the end of stdin", async () => {
  const { proc: server, port } = await startServer("tcp/server.ts", [], "server");
  const client = spawnScript("tcp/client.ts", ["--port", String(port)], "client");
  await client.waitFor("stdout", "宝宝说:");
  client.write("hi");
  await server.waitFor("stdout", "高望>>>");
  server.endInput();
  await exitsWith(server, 0, /^listening on 127\.0\.0\.1:\d+ \(tcp\)\n$/);
  await exitsWith(client, 0, FIN_NOTE);
});

test("tcp/server.ts idle at accept ends at once at the end of stdin, saying so", async () => {
  const { server, port, peer: first } = await promptOpenFor("first");
  first.sock.end();
  await server.waitFor("stderr", FIN_NOTE);
  server.write("bye");
  await first.got.waitClosed(); // answered, and the conversation is over
  server.endInput(); // Ctrl-D while the server waits for the next client
  await exitsWith(
    server,
    0,
    /\nstdin ended while no client was connected: nobody can type answers now, so the server stops listening\n$/,
  );
  assert.is(server.stdout, "来自宝宝的消息: hi\n高望>>>");
  const refused = await rawTcpClient(port, "too late").catch((err: Error) => err);
  assert.instance(refused, Error, "nobody listens any more");
});

test("tcp/server.ts with stdin already ended stops as soon as it listens", async () => {
  const server = spawnScript("tcp/server.ts", ["--port", "0"], "server");
  server.endInput();
  await exitsWith(
    server,
    0,
    /^listening on 127\.0\.0\.1:\d+ \(tcp\)\nstdin ended while no client was connected: nobody can type answers now, so the server stops listening\n$/,
  );
});

test("udp scripts exit 0 at the end of stdin", async () => {
  const { proc: server, port } = await startServer("udp/server.ts", [], "server");
  const client = spawnScript("udp/client.ts", ["--port", String(port)], "client");
  await turn({ kind: "udp", server, client }, "hi", "ok");
  client.endInput();
  await exitsWith(client, 0, /^$/);
  server.endInput(); // Ctrl-D while it waits for a datagram: it ends at once
  await exitsWith(
    server,
    0,
    /^listening on 127\.0\.0\.1:\d+ \(udp\)\nstdin ended while waiting for a datagram: nobody can type answers now, so the server closes its socket\n$/,
  );
});

test("tcp/client.ts says so when stdin ends while it waits for the reply, and ends at its prompt", async () => {
  const { client, conn } = await clientSaidHi();
  client.endInput(); // Ctrl-D while the answer is awaited
  await client.waitFor("stderr", "(stdin ended: the conversation ends at the next prompt)\n");
  conn.sock.write("late answer");
  await exitsWith(client, 0, /^\(stdin ended: the conversation ends at the next prompt\)\n$/);
  assert.is(client.stdout, "宝宝说:来自高望的消息: late answer\n宝宝说:");
});

// Ctrl-C and SIGTERM.

for (const [signal, code] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
] as const) {
  test(`all four scripts close their sockets and exit ${code} on ${signal}`, async () => {
    const tcp = await startServer("tcp/server.ts", [], "tcp server");
    const udp = await startServer("udp/server.ts", [], "udp server");
    const tcpClient = spawnScript("tcp/client.ts", ["--port", String(tcp.port)], "tcp client");
    const udpClient = spawnScript("udp/client.ts", ["--port", String(udp.port)], "udp client");
    await tcpClient.waitFor("stdout", "宝宝说:");
    await udpClient.waitFor("stdout", "客户端说:");
    await tcp.proc.waitFor("stderr", "listening"); // the client is in the conversation now
    for (const proc of [tcpClient, udpClient, tcp.proc, udp.proc]) {
      assert.equal(await proc.stop(signal), { code, signal: null }, proc.transcript());
      assert.not.match(proc.stderr, STACK);
    }
  });
}

// UTF-8 split across reads, bytes that are not UTF-8, control characters.

test("tcp/server.ts keeps a character split across two reads whole", async () => {
  const { proc: server, port } = await startServer("tcp/server.ts", ["--trace"], "server");
  const peer = await rawTcpClient(port);
  const bytes = Buffer.from("你好", "utf8");
  peer.sock.write(bytes.subarray(0, 2));
  await server.waitFor("stderr", "recv 2 bytes");
  peer.sock.write(bytes.subarray(2));
  await server.waitFor("stdout", "高望>>>");
  assert.is(server.stdout, "来自宝宝的消息: 你好\n高望>>>");
});

test("tcp/client.ts keeps a character split across two reads whole", async () => {
  const raw = await rawTcpServer();
  const client = spawnScript("tcp/client.ts", ["--port", String(raw.port), "--trace"], "client");
  client.write("hi");
  const conn = await raw.accepted();
  await conn.got.waitFor("hi");
  const bytes = Buffer.from("🌙好", "utf8");
  conn.sock.write(bytes.subarray(0, 3));
  await client.waitFor("stderr", "recv 3 bytes");
  conn.sock.write(bytes.subarray(3));
  await client.waitFor("stdout", "宝宝说:", 2);
  assert.is(client.stdout, "宝宝说:来自高望的消息: 🌙好\n宝宝说:");
});

test("bytes that are not UTF-8 show as U+FFFD over TCP and UDP", async () => {
  const tcp = await startServer("tcp/server.ts", [], "tcp server");
  const peer = await rawTcpClient(tcp.port);
  peer.sock.write(Buffer.from([0xff, 0xfe, 0x6f, 0x6b]));
  await tcp.proc.waitFor("stdout", "高望>>>");
  assert.is(tcp.proc.stdout, "来自宝宝的消息: \uFFFD\uFFFDok\n高望>>>");
  const udp = await startServer("udp/server.ts", [], "udp server");
  const dgram = await rawUdp();
  await dgram.send(Buffer.from([0x6f, 0xc3, 0x28, 0x6b]), udp.port);
  await udp.proc.waitFor("stdout", "服务端说;");
  assert.is(udp.proc.stdout, `o\uFFFD(k ('127.0.0.1', ${dgram.port})\n服务端说;`);
});

const HOSTILE = "a\x1b[2Jb\x07c\rd\te\u009bf\x7fg\x00";
const SHOWN = "a\\x1b[2Jb\\x07c\\x0dd\te\\x9bf\\x7fg\\x00";

test("control characters from the network are shown escaped, never raw (tcp/client.ts)", async () => {
  const raw = await rawTcpServer();
  const client = spawnScript("tcp/client.ts", ["--port", String(raw.port)], "client");
  client.write("hi");
  const conn = await raw.accepted();
  await conn.got.waitFor("hi");
  conn.sock.write(HOSTILE);
  await client.waitFor("stdout", "宝宝说:", 2);
  assert.is(client.stdout, `宝宝说:来自高望的消息: ${SHOWN}\n宝宝说:`);
  assert.not.ok(client.out.bytes.includes(0x1b), "no raw ESC on stdout");
});

test("control characters from the network are shown escaped, never raw (udp/server.ts)", async () => {
  const { proc: server, port } = await startServer("udp/server.ts", [], "server");
  const peer = await rawUdp();
  await peer.send(HOSTILE, port);
  await server.waitFor("stdout", "服务端说;");
  assert.is(server.stdout, `${SHOWN} ('127.0.0.1', ${peer.port})\n服务端说;`);
  assert.not.ok(server.out.bytes.includes(0x1b), "no raw ESC on stdout");
});

// No server, port in use, bad host, privileged port: one line, exit 1.

test("tcp/client.ts with no server: one line naming host:port, exit 1", async () => {
  const port = await freePort();
  const client = spawnScript("tcp/client.ts", ["--port", String(port)], "client");
  await exitsWith(
    client,
    1,
    new RegExp(
      `^cannot connect to 127\\.0\\.0\\.1:${port}: connection refused \\(is the server running\\? start it first\\)\n$`,
    ),
  );
  assert.is(client.stdout, "");
});

test("a server whose port is in use: one line, exit 1 (tcp and udp)", async () => {
  const tcp = await startServer("tcp/server.ts", [], "first tcp");
  const second = spawnScript("tcp/server.ts", ["--port", String(tcp.port)], "second tcp");
  await exitsWith(
    second,
    1,
    /^cannot listen on 127\.0\.0\.1:\d+: address already in use .*--port\)\n$/,
  );
  const udp = await startServer("udp/server.ts", [], "first udp");
  const again = spawnScript("udp/server.ts", ["--port", String(udp.port)], "second udp");
  await exitsWith(again, 1, /^cannot bind 127\.0\.0\.1:\d+: address already in use/);
});

test("a bad host: one line, exit 1, for all four scripts", async () => {
  // A name with an empty label cannot exist: the resolver refuses it without asking a DNS
  // server, so the test answers at once and sends nothing off this machine.
  const host = ["--host", "no..such.host"];
  const procs = [
    spawnScript("tcp/server.ts", host, "tcp server"),
    spawnScript("tcp/client.ts", host, "tcp client"),
    spawnScript("udp/server.ts", host, "udp server"),
    spawnScript("udp/client.ts", host, "udp client"),
  ];
  procs[3]?.write("anyone?"); // UDP has no connection: the host is looked up at the first send
  const verbs = ["listen on", "connect to", "bind", "send to"];
  for (const [n, proc] of procs.entries()) {
    await exitsWith(
      proc,
      1,
      new RegExp(`^cannot ${verbs[n]} no\\.\\.such\\.host:\\d+: host not found`),
    );
  }
});

/** Why a user here may bind port 80 after all, or undefined: the kernel's own threshold. */
function privilegedPortsOpen(): string | undefined {
  const file = "/proc/sys/net/ipv4/ip_unprivileged_port_start";
  const start = Number(readFileSync(file, "utf8"));
  return start <= 80 ? `this kernel lets any user bind port 80 (${file} is ${start})` : undefined;
}

// As root every port is allowed, so the servers run as nobody, from a copy it can read.
const isRoot = process.getuid?.() === 0;
const skipPrivileged = (isRoot ? nobodyProblem() : undefined) ?? privilegedPortsOpen();
const privilegedTest = testUnless(skipPrivileged, "privileged-port test");

privilegedTest("a server not allowed a privileged port: one line, exit 1", async () => {
  const as = isRoot ? asNobody() : {};
  for (const script of ["tcp/server.ts", "udp/server.ts"]) {
    const server = spawnScript(script, ["--port", "80"], script, as);
    await exitsWith(server, 1, /127\.0\.0\.1:80: permission denied \(ports below 1024 need root/);
  }
});

// UDP: nobody answers. What silence means is said only as far as it is known.

test("udp/client.ts with no server here says at once that the datagram is lost and what to do, and keeps waiting", async () => {
  const port = await freeUdpPort();
  const client = spawnScript("udp/client.ts", ["--port", String(port)], "client");
  client.write("anyone there?");
  await client.waitFor(
    "stderr",
    `nobody listens on UDP port ${port} on this machine: that datagram is lost. Its kernel answered with ICMP port unreachable`,
  );
  assert.match(
    client.stderr,
    /a server started now cannot answer it, and this client waits for ever, as the article's does: press Ctrl-C, start the server, then the client, and send the line again\n$/,
  );
  // and that is so: a server started now hears nothing
  const late = await startServer("udp/server.ts", ["--port", String(port)], "late server");
  const more = spawnScript("udp/client.ts", ["--port", String(port)], "a second client");
  await turn({ kind: "udp", server: late.proc, client: more }, "second", "ok");
  assert.not.match(late.proc.stdout, /anyone there\?/);
  assert.equal(client.child.exitCode, null, "still waiting");
});

test("udp/client.ts gives no hint while the server's person takes their time to answer", async () => {
  const slow = await rawUdp("a slow human");
  const client = spawnScript(
    "udp/client.ts",
    ["--port", String(slow.port), "--timeout", "0.2"],
    "client",
  );
  client.write("take your time");
  await slow.got.waitFor("take your time");
  // five times --timeout: a hint guessed from time alone would have come by now
  const hinted = await client.err
    .until(() => client.stderr !== "", "any note", false, 1000)
    .then(
      () => true,
      () => false,
    );
  assert.not.ok(hinted, client.stderr);
  await slow.send("done typing", slow.datagrams[0]?.port as number);
  await client.waitFor("stdout", "客户端说:", 2);
  assert.is(client.stdout, `客户端说:done typing ('127.0.0.1', ${slow.port})\n客户端说:`);
});

test("udp/client.ts --connect hears the refusal at once: one line, exit 1", async () => {
  const port = await freeUdpPort();
  const client = spawnScript("udp/client.ts", ["--port", String(port), "--connect"], "client");
  client.write("anyone there?");
  await exitsWith(
    client,
    1,
    new RegExp(
      `^cannot send to 127\\.0\\.0\\.1:${port}: connection refused \\(is the server running\\? start it first\\)\n$`,
    ),
  );
});

// TCP: the first message has no answer yet.

/** tcp/client.ts that gives its first message 0.2 s before a hint, once it has sent `line`. */
async function impatient(port: number, name: string, line: string) {
  const client = spawnScript("tcp/client.ts", ["--port", String(port), "--timeout", "0.2"], name);
  await client.waitFor("stdout", "宝宝说:");
  client.write(line);
  return client;
}

test("tcp/client.ts queued behind another client says its message waits unread in the server's kernel", async () => {
  const { server, port } = await promptOpenFor("first"); // the server talks to "first"
  const queued = await impatient(port, "queued", "me next?");
  await queued.waitFor(
    "stderr",
    "your message waits unread in the server's kernel (8 bytes): the server talks to one client at a time",
  );
  assert.is(server.stdout, "来自宝宝的消息: hi\n高望>>>");
});

test("tcp/client.ts says when the server has read its message and its person has not answered", async () => {
  const { proc: server, port } = await startServer("tcp/server.ts", [], "server");
  const client = await impatient(port, "client", "hello?");
  await server.waitFor("stdout", "高望>>>");
  await client.waitFor(
    "stderr",
    "the server has read your message; its operator has not answered yet\n",
  );
  server.write("sorry, typing");
  await client.waitFor("stdout", "来自高望的消息: sorry, typing\n");
});

test.run();
