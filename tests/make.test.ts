// The README's promise: `make tcp-server` and `make tcp-client` in two terminals chat as
// the article's programs do (and the same for UDP), through the real make targets.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type Proc, readPort, reapAll, spawnProgram } from "../harness/procs.ts";
import { type TcpSocket, waitForSockets } from "./tcp-states.ts";

test.after.each(reapAll);

async function makeServer(target: string): Promise<[Proc, number]> {
  const proc = spawnProgram(`make ${target}`, ["make", "-s", target, "ARGS=--port 0"]);
  return [proc, await readPort(proc)];
}

test("make tcp-server and make tcp-client chat as the article's programs do", async () => {
  const [server, port] = await makeServer("tcp-server");
  const client = spawnProgram("make tcp-client", [
    "make",
    "-s",
    "tcp-client",
    `ARGS=--port ${port}`,
  ]);
  await client.waitFor("stdout", "宝宝说:");
  client.write("你好 hello");
  await server.waitFor("stdout", "高望>>>");
  server.write("hi baby");
  await client.waitFor("stdout", "宝宝说:", 2);
  client.write("byebye");
  assert.equal(await client.waitExit(), { code: 0, signal: null });
  await server.waitFor("stdout", "来自宝宝的消息: byebye\n");
  assert.is(server.stdout, "来自宝宝的消息: 你好 hello\n高望>>>来自宝宝的消息: byebye\n");
  assert.is(client.stdout, "宝宝说:来自高望的消息: hi baby\n宝宝说:");
  await server.stop("SIGTERM"); // make passes SIGTERM to the script, then ends by it too
  const listening = (all: TcpSocket[]) =>
    all.some((s) => s.localPort === port && s.state === "LISTEN");
  await waitForSockets((all) => !listening(all), "the server behind make to stop listening");
});

test("make udp-server and make udp-client chat as the article's programs do", async () => {
  const [server, port] = await makeServer("udp-server");
  const client = spawnProgram("make udp-client", [
    "make",
    "-s",
    "udp-client",
    `ARGS=--port ${port}`,
  ]);
  await client.waitFor("stdout", "客户端说:");
  client.write("你好 udp");
  await server.waitFor("stdout", "服务端说;");
  server.write("hi udp");
  await client.waitFor("stdout", "客户端说:", 2);
  assert.is(client.stdout, `客户端说:hi udp ('127.0.0.1', ${port})\n客户端说:`);
  client.endInput();
  assert.equal(await client.waitExit(), { code: 0, signal: null });
});

test("make room-server and make room-client chat with --nick", async () => {
  const [room, port] = await makeServer("room-server");
  const client = (nick: string) =>
    spawnProgram(`make room-client ${nick}`, [
      "make",
      "-s",
      "room-client",
      `ARGS=--port ${port} --nick ${nick}`,
    ]);
  const gao = client("高望");
  await gao.waitFor("stdout", "* user1 is now 高望\n");
  const bao = client("宝宝");
  await gao.waitFor("stdout", "* user2 is now 宝宝\n");
  bao.write("你好");
  await gao.waitFor("stdout", "<宝宝> 你好\n");
  await room.waitFor("stdout", "<宝宝> 你好\n");
});

test("make passes a script's failure on: one line from the script, then make's own", async () => {
  const client = spawnProgram("make tcp-client", ["make", "-s", "tcp-client", "ARGS=--port 9"]);
  assert.equal(await client.waitExit(), { code: 2, signal: null });
  assert.match(client.stderr, /^cannot connect to 127\.0\.0\.1:9: connection refused/);
});

test.run();
