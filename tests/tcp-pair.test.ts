// The TCP pair talking to each other, checked against the contract's transcripts byte for byte.
import { once } from "node:events";
import { connect } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { reapAll, spawnScript, startServer } from "../harness/procs.ts";
import { byebye, turn } from "./chat.ts";
import { type RawConn, rawTcpClient } from "./peers.ts";
import { type TcpSocket, waitForSockets } from "./tcp-states.ts";

test.after.each(reapAll);

async function tcpPair(serverArgs: string[] = []) {
  const { proc: server, port } = await startServer("tcp/server.ts", serverArgs, "server");
  const client = spawnScript("tcp/client.ts", ["--port", String(port)], "client");
  await client.waitFor("stdout", "宝宝说:");
  return { kind: "tcp", server, client, port } as const;
}

test("tcp pair prints the contract's transcript byte for byte", async () => {
  const pair = await tcpPair();
  const { server, client } = pair;
  await turn(pair, "你好 hello", "hi baby");
  await byebye(pair);
  assert.is(server.stdout, "来自宝宝的消息: 你好 hello\n高望>>>来自宝宝的消息: byebye\n");
  assert.is(client.stdout, "宝宝说:来自高望的消息: hi baby\n宝宝说:");
  assert.not.match(client.stderr + server.stderr, /Error| {4}at /);
});

test("tcp/client.ts takes piped input whose last line has no newline, as printf sends it", async () => {
  const { proc: server, port } = await startServer("tcp/server.ts", [], "server");
  const client = spawnScript("tcp/client.ts", ["--port", String(port)], "client");
  client.child.stdin?.end("你好\nbyebye"); // readline on Node 24 closes itself after "byebye"
  await server.waitFor("stdout", "高望>>>");
  server.write("hi baby");
  assert.equal(await client.waitExit(), { code: 0, signal: null }, client.transcript());
  await server.waitFor("stdout", "来自宝宝的消息: byebye\n");
  assert.is(client.stdout, "宝宝说:来自高望的消息: hi baby\n宝宝说:");
  assert.is(client.stderr, "");
});

test("tcp/client.ts takes a last line without a newline when the end of stdin comes after its prompt", async () => {
  // The order a slow runtime met once (Deno, loaded): "byebye" read, the prompt opened, then the end.
  const { proc: server, port } = await startServer("tcp/server.ts", [], "server");
  const client = spawnScript("tcp/client.ts", ["--port", String(port)], "client");
  client.child.stdin?.write("你好\nbyebye");
  await server.waitFor("stdout", "高望>>>");
  server.write("hi baby");
  await client.waitFor("stdout", "来自高望的消息: hi baby\n宝宝说:");
  client.endInput();
  assert.equal(await client.waitExit(), { code: 0, signal: null }, client.transcript());
  await server.waitFor("stdout", "来自宝宝的消息: byebye\n");
  assert.is(client.stderr, "", client.transcript());
});

test("tcp pair carries Chinese and emoji both ways, and asks again after an empty line", async () => {
  const { server, client } = await tcpPair();
  client.write("");
  await client.waitFor("stderr", "empty line is zero bytes");
  await client.waitFor("stdout", "宝宝说:", 2);
  client.write("早上好 🌅👋🏽");
  await server.waitFor("stdout", "高望>>>");
  server.write("");
  await server.waitFor("stdout", "高望>>>", 2);
  server.write("晚安 🌙 ok");
  await client.waitFor("stdout", "来自高望的消息: 晚安 🌙 ok\n");
  await byebye({ kind: "tcp", server, client });
  assert.is(server.stdout, "来自宝宝的消息: 早上好 🌅👋🏽\n高望>>>高望>>>来自宝宝的消息: byebye\n");
  assert.is(client.stdout, "宝宝说:宝宝说:来自高望的消息: 晚安 🌙 ok\n宝宝说:");
});

test("tcp/server.ts serves queued clients in arrival order", async () => {
  const { server, client: first, port } = await tcpPair(["--trace"]);
  const second = spawnScript("tcp/client.ts", ["--port", String(port)], "second");
  await server.waitFor("stderr", "waits for its turn, unread (1 of 4)");
  const third = spawnScript("tcp/client.ts", ["--port", String(port)], "third");
  await server.waitFor("stderr", "waits for its turn, unread (2 of 4)");
  for (const [who, text] of [
    [second, "二号"],
    [third, "三号"],
    [first, "一号"],
  ] as const) {
    await who.waitFor("stdout", "宝宝说:");
    who.write(text);
  }
  for (const who of [first, second]) {
    await server.waitFor("stdout", "高望>>>", who === first ? 1 : 2);
    server.write("轮到你了");
    await who.waitFor("stdout", "来自高望的消息: 轮到你了\n");
    who.write("byebye");
    assert.equal(await who.waitExit(), { code: 0, signal: null });
  }
  await server.waitFor("stdout", "来自宝宝的消息: 三号\n高望>>>"); // the prompt is a write of its own
  assert.is(
    server.stdout,
    "来自宝宝的消息: 一号\n高望>>>来自宝宝的消息: byebye\n" +
      "来自宝宝的消息: 二号\n高望>>>来自宝宝的消息: byebye\n" +
      "来自宝宝的消息: 三号\n高望>>>",
  );
  server.write("你是第三个");
  await third.waitFor("stdout", "来自高望的消息: 你是第三个\n");
});

test("tcp/server.ts queues listen(3)+1 = 4 clients, their bytes unread in the kernel, and resets a 6th", async () => {
  const { server, port } = await tcpPair(); // the client being served
  const queued: RawConn[] = [];
  for (let n = 1; n <= 4; n++) {
    const conn = await rawTcpClient(port, `queued ${n}`);
    conn.sock.write(`queued ${n}`); // 8 bytes each, for nobody yet
    queued.push(conn);
  }
  // As with Python's server, what the waiting clients sent stays in the kernel, unread:
  // each server-side socket of theirs holds 8 bytes in its Recv-Q.
  const waiting = (all: TcpSocket[]) =>
    queued.every((q) =>
      all.some((s) => s.localPort === port && s.remotePort === q.sock.localPort && s.recvQ === 8),
    );
  await waitForSockets(waiting, "the 4 waiting clients' bytes unread in the kernel");
  // Linux would drop the 6th one's SYN; Node has completed its handshake, so it resets it
  // (often before this side has even seen its connect complete).
  const sixth = connect({ host: "127.0.0.1", port });
  const [err] = (await once(sixth, "error")) as [NodeJS.ErrnoException];
  assert.is(err.code, "ECONNRESET");
  await server.waitFor(
    "stderr",
    /turned away 127\.0\.0\.1:\d+: 4 clients already wait \(listen\(3\) queues 4\)/,
  );
});

test("tcp/server.ts reads at most 1024 bytes per recv: a longer message shows as several", async () => {
  const { proc: server, port } = await startServer("tcp/server.ts", [], "server");
  const peer = await rawTcpClient(port);
  peer.sock.write("a".repeat(2500));
  await server.waitFor("stdout", "高望>>>");
  server.write("one");
  await server.waitFor("stdout", "高望>>>", 2);
  server.write("two");
  await server.waitFor("stdout", "高望>>>", 3);
  const messages = server.stdout.split("高望>>>").filter(Boolean);
  assert.equal(
    messages.map((m) => m.length),
    [
      "来自宝宝的消息: ".length + 1024 + 1,
      "来自宝宝的消息: ".length + 1024 + 1,
      "来自宝宝的消息: ".length + 452 + 1,
    ],
  );
  await peer.got.waitFor("onetwo");
});

test("tcp/client.ts reads at most 1024 bytes per recv, keeping a cut character whole", async () => {
  const { proc: server, port } = await startServer("tcp/server.ts", [], "server");
  const client = spawnScript("tcp/client.ts", ["--port", String(port)], "client");
  const long = `${"b".repeat(1023)}好${"c".repeat(10)}`; // 好 is 3 bytes: bytes 1024-1026
  await turn({ kind: "tcp", server, client }, "long please", long);
  assert.is(client.stdout, `宝宝说:来自高望的消息: ${"b".repeat(1023)}\n宝宝说:`);
  client.write("more");
  await client.waitFor("stdout", `来自高望的消息: 好${"c".repeat(10)}\n`);
});

test("a received byebye followed by a line ending, as nc sends it, ends the conversation", async () => {
  const { proc: server, port } = await startServer("tcp/server.ts", [], "server");
  const peer = await rawTcpClient(port);
  peer.sock.write("byebye\r\n");
  await peer.got.waitClosed();
  await server.waitFor("stdout", "byebye");
  assert.is(server.stdout, "来自宝宝的消息: byebye\\x0d\n\n");
  assert.not.match(server.stderr, /closed the connection/);
});

test.run();
