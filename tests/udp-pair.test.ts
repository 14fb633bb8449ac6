// The UDP pair talking to each other, checked against the contract's transcripts byte for byte.
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  DEADLINE_MS,
  reapAll,
  scriptsSeeProc,
  spawnScript,
  startServer,
} from "../harness/procs.ts";
import { socketTable } from "../shared/socket-table.ts";
import { turn } from "./chat.ts";
import { rawUdp } from "./peers.ts";

test.after.each(reapAll);

async function udpPair(serverArgs: string[] = [], clientArgs: string[] = []) {
  const { proc: server, port } = await startServer("udp/server.ts", serverArgs, "server");
  const client = spawnScript("udp/client.ts", ["--port", String(port), ...clientArgs], "client");
  await client.waitFor("stdout", "客户端说:");
  return { server, client, port };
}

test("udp pair prints the contract's transcript byte for byte", async () => {
  const { server, client, port } = await udpPair();
  await turn({ kind: "udp", server, client }, "你好 udp", "hi udp");
  assert.match(server.stdout, /^你好 udp \('127\.0\.0\.1', \d+\)\n服务端说;$/);
  assert.is(client.stdout, `客户端说:hi udp ('127.0.0.1', ${port})\n客户端说:`);
  client.endInput();
  assert.equal(await client.waitExit(), { code: 0, signal: null });
  assert.not.match(client.stderr + server.stderr, /Error| {4}at /);
});

test("udp pair carries Chinese, emoji and empty datagrams both ways", async () => {
  const { server, client, port } = await udpPair();
  const pair = { kind: "udp", server, client } as const;
  await turn(pair, "", "");
  await turn(pair, "早上好 🌅👋🏽", "晚安 🌙", 2);
  const from = /\('127\.0\.0\.1', (\d+)\)/.exec(server.stdout)?.[1];
  assert.is(
    server.stdout,
    ` ('127.0.0.1', ${from})\n服务端说;早上好 🌅👋🏽 ('127.0.0.1', ${from})\n服务端说;`,
  );
  assert.is(
    client.stdout,
    `客户端说: ('127.0.0.1', ${port})\n客户端说:晚安 🌙 ('127.0.0.1', ${port})\n客户端说:`,
  );
});

test("udp/server.ts cuts a datagram over 1024 bytes and says how much was lost", async () => {
  const { proc: server, port } = await startServer("udp/server.ts", [], "server");
  const peer = await rawUdp();
  await peer.send("x".repeat(1500), port);
  await server.waitFor("stdout", "服务端说;");
  assert.is(server.stdout, `${"x".repeat(1024)} ('127.0.0.1', ${peer.port})\n服务端说;`);
  await server.waitFor(
    "stderr",
    /datagram of 1500 bytes from 127\.0\.0\.1:\d+ cut to 1024: the last 476 bytes are lost/,
  );
});

test("udp/client.ts cuts a reply over 1024 bytes too", async () => {
  const peer = await rawUdp("raw server");
  const client = spawnScript("udp/client.ts", ["--port", String(peer.port)], "client");
  await client.waitFor("stdout", "客户端说:");
  client.write("long please");
  await peer.got.waitFor("long please");
  await peer.send("y".repeat(2000), peer.datagrams[0]?.port as number);
  await client.waitFor("stdout", "客户端说:", 2);
  assert.is(client.stdout, `客户端说:${"y".repeat(1024)} ('127.0.0.1', ${peer.port})\n客户端说:`);
  await client.waitFor("stderr", /cut to 1024: the last 976 bytes are lost/);
});

test("udp/server.ts answers the sender of the datagram it printed; others wait in order", async () => {
  const { proc: server, port } = await startServer("udp/server.ts", [], "server");
  const alice = await rawUdp("alice");
  const bob = await rawUdp("bob");
  await alice.send("from alice", port);
  await server.waitFor("stdout", "服务端说;");
  await bob.send("from bob", port);
  await alice.send("alice again", port);
  server.write("to alice");
  await alice.got.waitFor("to alice");
  await server.waitFor("stdout", "服务端说;", 2);
  server.write("to bob");
  await bob.got.waitFor("to bob");
  await server.waitFor("stdout", "服务端说;", 3);
  server.write("to alice 2");
  await alice.got.waitFor("to alice 2");
  assert.is(
    server.stdout,
    `from alice ('127.0.0.1', ${alice.port})\n服务端说;from bob ('127.0.0.1', ${bob.port})\n服务端说;` +
      `alice again ('127.0.0.1', ${alice.port})\n服务端说;`,
  );
  assert.is(bob.got.text, "to bob\u0000");
});

/** Wait until the kernel holds nothing unread for the UDP socket bound to `port`. */
async function kernelQueueEmpty(port: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    const row = socketTable("udp")?.find((s) => s.localPort === port);
    if (!row || row.recvQ === 0) return; // (no /proc for the test: it answers at once)
    if (Date.now() - started > DEADLINE_MS) {
      assert.unreachable(`port ${port} still has ${row.recvQ} bytes unread in the kernel`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5)); // a poll, not a wait for an outcome
  }
}

/** 3000 datagrams while the server's person is typing; `stopped`: the process not running meanwhile. */
async function floodTheServer(stopped: boolean): Promise<void> {
  const { proc: server, port } = await startServer("udp/server.ts", [], "server");
  const flood = await rawUdp("flood");
  await flood.send("first", port);
  await server.waitFor("stdout", "服务端说;"); // its person is typing: nothing is read meanwhile
  const sent = 3000;
  if (stopped) server.child.kill("SIGSTOP"); // so only the kernel holds the flood, and drops
  for (let i = 0; i < sent; i++) await flood.send(`f${i}`.padEnd(6, "."), port);
  // Running, the script reads on while its prompt is open: a slow one (a loaded machine,
  // another runtime) is still draining the kernel's buffer into its inbox. Answer once it
  // has, so its note counts the whole flood, not the part it has read so far.
  if (!stopped) await kernelQueueEmpty(port);
  server.write("ok");
  if (stopped) server.child.kill("SIGCONT");
  const answered = /服务端说;f0\.\.\.\. \('127\.0\.0\.1', \d+\)\n服务端说;$/;
  const note = /\((\d+) datagrams were dropped: they came while 208 KiB waited unread[^\n]*\)\n/;
  const told = note.exec(await server.waitFor("stderr", note));
  if (!scriptsSeeProc()) {
    // without /proc only its own drops are known, and the note says the kernel's are not
    assert.match(
      told?.[0] ?? "",
      /the kernel may have dropped more, which this runtime cannot see/,
    );
    assert.ok(Number(told?.[1]) > 0);
    return;
  }
  const dropped = Number(told?.[1]);
  const kept = sent - dropped;
  console.log(
    `udp flood: ${sent} sent while the prompt was open, ${dropped} dropped, ${kept} kept`,
  );
  // Python's kernel keeps 256 six-byte datagrams in 208 KiB: the mirror keeps as many in
  // its inbox, and a few more may still sit in the kernel, unread by Node
  assert.ok(kept >= 256 && kept <= 2 * 256, String(kept));
  await server.waitFor("stdout", answered);
}

test("udp/server.ts holds a flood as the kernel's receive buffer would, and says how many datagrams it dropped", () =>
  floodTheServer(false));

if (!scriptsSeeProc()) {
  console.log("the test of the kernel's own UDP drops skipped: this runtime cannot read /proc");
}
/** A test that needs the scripts to read /proc; skipped, and counted so, where they cannot. */
const kernelTest = scriptsSeeProc() ? test : test.skip;
kernelTest(
  "udp/server.ts counts the kernel's own drops too, when the flood came while it could not read",
  () => floodTheServer(true),
);

test("udp/server.ts --drop 0.5 loses every second datagram on purpose, and says so", async () => {
  const { proc: server, port } = await startServer("udp/server.ts", ["--drop", "0.5"], "server");
  const peer = await rawUdp("sender");
  for (const text of ["one", "two", "three", "four"]) await peer.send(text, port);
  await server.waitFor("stderr", "(lost on purpose, --drop 0.5: a datagram of 4 bytes from", 1);
  await server.waitFor("stdout", "服务端说;");
  server.write("ok 1");
  await server.waitFor("stdout", "服务端说;", 2);
  assert.is(
    server.stdout,
    `one ('127.0.0.1', ${peer.port})\n服务端说;three ('127.0.0.1', ${peer.port})\n服务端说;`,
  );
  await server.waitFor("stderr", /lost on purpose[^\n]*\n[\s\S]*lost on purpose/);
});

test("udp pair works over IPv6, printing the address as Python's 4-tuple", async () => {
  const { server, client, port } = await udpPair(["--host", "::1"], ["--host", "::1"]);
  assert.match(server.stderr, new RegExp(`listening on \\[::1\\]:${port} \\(udp\\)`));
  await turn({ kind: "udp", server, client }, "v6", "ok");
  assert.match(server.stdout, /^v6 \('::1', \d+, 0, 0\)\n/);
  assert.is(client.stdout, `客户端说:ok ('::1', ${port}, 0, 0)\n客户端说:`);
});

test.run();
