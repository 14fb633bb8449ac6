// The chat room: every member at once, lines relayed to all the others, hostile peers
// handled, real clients (nc, ncat) welcome.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type Proc, reapAll, scriptCommand, spawnProgram, spawnScript } from "../harness/procs.ts";
import { haveTool } from "../harness/tools.ts";
import { rawTcpClient, rawTcpServer } from "./peers.ts";
import { member, joinAs as named, room } from "./room-members.ts";

test.after.each(reapAll);

test("tcp/room-server.ts relays each line to every other member, with joins, leaves and names", async () => {
  const { proc: server, port } = await room();
  const alice = await named(port, "alice");
  const bob = await named(port, "bob");
  await alice.got.waitFor("* bob joined\n");
  alice.sock.write("你好 bob 🌙\n");
  await bob.got.waitFor("<alice> 你好 bob 🌙\n");
  bob.sock.write("hi alice\r\n"); // a CRLF line, as nc -C sends
  await alice.got.waitFor("<bob> hi alice\n");
  assert.not.match(alice.got.text, /<alice>/, "no echo of one's own lines");
  bob.sock.end();
  await alice.got.waitFor("* bob left\n");
  await server.waitFor("stdout", "* bob left\n");
  assert.is(
    server.stdout,
    "* alice joined\n* bob joined\n<alice> 你好 bob 🌙\n<bob> hi alice\n* bob left\n",
  );
});

test("room commands: /who, /help, /nick rules, /msg, /me, unknown commands, /quit", async () => {
  const { proc: server, port } = await room();
  const alice = await named(port, "alice");
  const bob = await member(port, "bob");
  const carol = await named(port, "carol");
  const say = async (line: string, expect: string | RegExp) => {
    bob.sock.write(`${line}\n`);
    await bob.got.waitFor(expect);
  };
  await say("/who", "* 3 here: alice, user1, carol\n");
  await say(
    "/help",
    /\* commands: \/nick NAME, \/msg NAME text, \/me action, \/who, \/quit, \/help/,
  );
  await say("/nick ALICE", "* error: cannot take 'ALICE': alice is here: pick another name\n");
  await say(
    "/nick no spaces",
    "* error: cannot take 'no spaces': it holds invisible or blank characters\n",
  );
  await say("/nick 宝宝", "* user1 is now 宝宝\n");
  await say("/nick 宝宝", "* user1 is now 宝宝\n"); // your own name again: allowed, if pointless
  await say("/msg alice 只给你 psst", "<you to alice> 只给你 psst\n");
  await alice.got.waitFor("<宝宝 to you> 只给你 psst\n");
  await say("/msg nobody hi", "* error: nobody here is called 'nobody'\n");
  bob.sock.write("/me waves\n");
  await alice.got.waitFor("• 宝宝 waves\n");
  await bob.got.waitFor("• 宝宝 waves\n"); // echoed to its sender too
  await say("/dance", /\* error: unknown command \/dance\. /);
  await say("/quit", "* bye\n");
  await bob.got.waitClosed();
  await alice.got.waitFor("* 宝宝 left\n");
  assert.not.match(carol.got.text, /psst/, "a private message reaches only its addressee");
  assert.not.match(server.stdout, /psst/, "nor the room's own screen");
  alice.sock.write("/nick Alice\n"); // the case of one's own name may change
  await carol.got.waitFor("* alice is now Alice\n");
});

test("a line over 4 KiB is refused with an error to its sender; the room is unaffected", async () => {
  const { proc: server, port } = await room();
  const alice = await named(port, "alice");
  const bob = await named(port, "bob");
  bob.sock.write(`${"x".repeat(3000)}`);
  bob.sock.write(`${"x".repeat(3000)}\nstill here\n`);
  await bob.got.waitFor("* error: a line over 4096 bytes was not sent\n");
  await alice.got.waitFor("<bob> still here\n");
  assert.not.match(alice.got.text, /xxx/);
  bob.sock.write(`${"y".repeat(4096)}\n`); // exactly 4 KiB is allowed
  await alice.got.waitFor(`<bob> ${"y".repeat(4096)}\n`);
  assert.not.match(server.stderr, /Error| {4}at /);
});

// The 500-client stall of issue 10 in miniature (bench/room.ts joinRace): a client whose
// connect() has returned is not yet a member, and what is said before it joins is gone.
test("a member hears only what is said after it joined: a returned connect() is not a join", async () => {
  const { proc: server, port } = await room();
  const alice = await named(port, "alice");
  const bob = await rawTcpClient(port, "bob"); // the handshake is done; bob has not named itself
  alice.sock.write("said before bob joined\n");
  await server.waitFor("stdout", "<alice> said before bob joined\n");
  bob.sock.write("/nick bob\n");
  await bob.got.waitFor(/\* welcome, \w+\. /);
  alice.sock.write("said after\n");
  await bob.got.waitFor("<alice> said after\n");
  await server.waitFor("stdout", "<alice> said after\n");
  // The room waits 0.5 s for a name: on a machine too slow to relay alice's line within
  // that, bob had joined (as userN) first, and then he must have heard it.
  if (/said before bob joined\n[\s\S]*\* \w+ joined\n/.test(server.stdout)) {
    assert.not.match(bob.got.text, /said before/, "a line said before the join is not replayed");
  } else {
    assert.match(bob.got.text, "<alice> said before bob joined\n");
  }
});

test("past --max-clients a newcomer is told the room is full and closed", async () => {
  const { proc: server, port } = await room(["--max-clients", "2"]);
  await named(port, "one", "127.0.0.1"); // each has said a line (its /nick): both stay
  await named(port, "two", "127.0.0.2");
  const third = await rawTcpClient(port, "third", "127.0.0.3");
  await third.got.waitClosed(); // at once, though the newcomer itself never closes
  assert.is(third.got.text, "* the room is full (2 members): try again later\n");
  await server.waitFor("stderr", /turned away 127\.0\.0\.3:\d+: the room is full \(2 members\)/);
});

test("in a full room, the connection that has said nothing for longest makes way for a newcomer", async () => {
  const { port } = await room(["--max-clients", "3"]);
  const speaker = await named(port, "speaker", "127.0.0.1");
  const silent = await member(port, "silent", "127.0.0.2"); // connected, never a line
  const dripping = await rawTcpClient(port, "dripping", "127.0.0.3");
  await dripping.got.waitFor("* welcome, ");
  dripping.sock.write("a line that never "); // begun, not finished
  const newcomer = await named(port, "newcomer", "127.0.0.4");
  await silent.got.waitFor(
    "* the room is full and you have not said a line yet: your place goes to a newcomer: goodbye\n",
  );
  await silent.got.waitClosed();
  const last = await named(port, "last", "127.0.0.5"); // the dripping one goes next
  await dripping.got.waitClosed();
  for (const m of [speaker, newcomer, last]) assert.not.ok(m.got.closed, m.got.text);
  const refused = await rawTcpClient(port, "refused", "127.0.0.6"); // all three have spoken
  await refused.got.waitClosed();
  assert.is(refused.got.text, "* the room is full (3 members): try again later\n");
});

test("a member who stops reading is cut off past 1 MiB; nobody else slows down or loses a line", async () => {
  const { proc: server, port } = await room(["--rate", "100000", "--burst", "100000"]);
  const sleepy = await named(port, "sleepy");
  const fast = await named(port, "fast");
  const talker = await named(port, "talker");
  sleepy.sock.pause(); // stops reading: the kernel buffers fill, then the server's queue
  const line = "z".repeat(4000);
  let sent = 0;
  // Bounded: at most 4,000 lines of 4 KB (16 MB), stopping as soon as sleepy is cut off.
  while (!/sleepy reads too slowly/.test(server.stderr) && sent < 4000) {
    const batch = Array.from({ length: 50 }, (_, i) => `${sent + i} ${line}\n`).join("");
    sent += 50;
    await new Promise<void>((resolve) => talker.sock.write(batch, () => resolve()));
    await fast.got.waitFor(`<talker> ${sent - 1} `);
  }
  await server.waitFor("stderr", "sleepy reads too slowly: 1 MiB waits for it; disconnecting");
  await fast.got.waitFor(/\* sleepy left \(connection lost\)\n|\* sleepy left\n/);
  const got = fast.got.text.split("\n").filter((l) => l.startsWith("<talker> "));
  assert.is(got.length, sent, "fast got every line");
  assert.ok(
    got.every((l, i) => l.startsWith(`<talker> ${i} `)),
    "in order",
  );
});

test("the room escapes control characters, shows bad UTF-8 as U+FFFD, and prefixes every line", async () => {
  const { proc: server, port } = await room(["--trace"]);
  const alice = await named(port, "alice");
  const bob = await named(port, "bob");
  bob.sock.write(
    Buffer.concat([Buffer.from("look\x1b[2J\x07 "), Buffer.from([0xff]), Buffer.from(" ok\n")]),
  );
  await alice.got.waitFor("<bob> look\\x1b[2J\\x07 \uFFFD ok\n");
  const split = Buffer.from("一句话分两次到达\n");
  bob.sock.write(split.subarray(0, 7)); // cut inside a character
  await server.waitFor("stderr", /\] broadcast .*\n/, 3);
  bob.sock.write(split.subarray(7));
  await alice.got.waitFor("<bob> 一句话分两次到达\n");
  assert.not.ok(alice.got.bytes.includes(0x1b), "no raw ESC reaches a member");
  assert.not.ok(server.out.bytes.includes(0x1b), "nor the server's stdout");
});

test("a member who vanishes mid-line is announced as gone, its last words kept", async () => {
  const { port } = await room();
  const alice = await named(port, "alice");
  const bob = await named(port, "bob");
  bob.sock.end("half a li");
  await alice.got.waitFor("<bob> half a li\n* bob left (mid-line)\n");
  const carol = await named(port, "carol");
  carol.sock.resetAndDestroy();
  await alice.got.waitFor("* carol left (connection lost)\n"); // a reset is an error, not a goodbye
});

for (const [signal, code] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
] as const) {
  test(`on ${signal} the room tells everyone it is closing and exits ${code}`, async () => {
    const { proc: server, port } = await room();
    const alice = await member(port, "alice");
    assert.equal(await server.stop(signal), { code, signal: null });
    await alice.got.waitFor("* the room is closing\n");
    await alice.got.waitClosed();
  });
}

async function roomClient(port: number, nick: string): Promise<Proc> {
  const proc = spawnScript("tcp/room-client.ts", ["--port", String(port), "--nick", nick], nick);
  await proc.waitFor("stdout", `* welcome, ${nick}. `);
  return proc;
}

test("tcp/room-client.ts users chat, see others as they arrive, and leave politely at Ctrl-D", async () => {
  const { port } = await room();
  const gao = await roomClient(port, "高望");
  const bao = await roomClient(port, "宝宝");
  bao.write("你好 高望");
  await gao.waitFor("stdout", "<宝宝> 你好 高望\n");
  gao.write("你好 宝宝");
  await bao.waitFor("stdout", "<高望> 你好 宝宝\n");
  bao.endInput();
  assert.equal(await bao.waitExit(), { code: 0, signal: null });
  await gao.waitFor("stdout", "* 宝宝 left\n");
  gao.write("/quit");
  assert.equal(await gao.waitExit(), { code: 0, signal: null });
  assert.is(gao.stderr + bao.stderr, "");
});

if (haveTool("script")) {
  test("on a terminal, tcp/room-client.ts shows a new line above the prompt and redraws what was typed", async () => {
    const { port } = await room();
    // script(1) gives the client a real pseudo-terminal, as a user's terminal would
    const command = scriptCommand("tcp/room-client.ts", ["--port", String(port), "--nick", "tty"]);
    const tty = spawnProgram("client on a tty", [
      "script",
      "-qfec",
      command.join(" "),
      "/dev/null",
    ]);
    await tty.waitFor("stdout", "* welcome, tty.");
    tty.child.stdin?.write("half");
    await tty.waitFor("stdout", "half"); // the terminal's echo of what we typed
    const other = await member(port, "other");
    other.sock.write("hello tty\n");
    await tty.waitFor("stdout", "<user1> hello tty");
    await tty.waitFor("stdout", /<user1> hello tty\r?\n[\s\S]*> half/); // the prompt and typing, redrawn
    tty.child.stdin?.write(" done\n");
    await other.got.waitFor("<tty> half done\n");
  });
}

test("tcp/room-client.ts notes the room going away and exits 0", async () => {
  const { proc: server, port } = await room();
  const gao = await roomClient(port, "高望");
  await server.stop("SIGTERM");
  assert.equal(await gao.waitExit(), { code: 0, signal: null });
  assert.match(gao.stdout, /\* the room is closing\n/);
  assert.is(gao.stderr, "the room closed the connection\n");
});

for (const tool of ["nc", "ncat"].filter(haveTool)) {
  test(`${tool} users and tcp/room-client.ts users chat together`, async () => {
    const { port } = await room();
    const gao = await roomClient(port, "高望");
    // nc sends FIN at the end of its stdin only with -N; ncat does it by default
    const flags = tool === "nc" ? ["-N"] : [];
    const peer = spawnProgram(tool, [tool, ...flags, "127.0.0.1", String(port)]);
    await peer.waitFor("stdout", "* welcome, ");
    peer.write(`/nick ${tool}`);
    await gao.waitFor("stdout", `is now ${tool}\n`); // nc users join first, as userN, then pick a name
    peer.write(`hello from ${tool}, 你好`);
    await gao.waitFor("stdout", `<${tool}> hello from ${tool}, 你好\n`);
    gao.write("欢迎");
    await peer.waitFor("stdout", "<高望> 欢迎\n");
    peer.endInput();
    await gao.waitFor("stdout", `* ${tool} left\n`);
  });
}

test("room scripts: --help, and a bad --max-clients is a usage error", async () => {
  const help = spawnScript("tcp/room-server.ts", ["--help"]);
  assert.equal(await help.waitExit(), { code: 0, signal: null });
  assert.match(help.stdout, /--max-clients N {2}most members at once \(default 100\)/);
  const bad = spawnScript("tcp/room-server.ts", ["--max-clients", "0"]);
  assert.equal(await bad.waitExit(), { code: 2, signal: null });
  assert.match(bad.stderr, /--max-clients must be a whole number from 1 up, not '0'/);
  const client = spawnScript("tcp/room-client.ts", ["--help"]);
  assert.equal(await client.waitExit(), { code: 0, signal: null });
  assert.match(client.stdout, /--nick NAME/);
});

test("room-client asks for its --nick in the join: a bad name is refused before connecting, a taken one before joining", async () => {
  const { proc: server, port } = await room();
  await named(port, "alice");
  const bad = spawnScript("tcp/room-client.ts", ["--port", String(port), "--nick", "a b"]);
  assert.equal(await bad.waitExit(), { code: 2, signal: null });
  assert.is(
    bad.stderr,
    "tcp/room-client.ts: --nick 'a b': it holds invisible or blank characters\n",
  );
  const taken = spawnScript("tcp/room-client.ts", ["--port", String(port), "--nick", "ALICE"]);
  assert.equal(await taken.waitExit(), { code: 1, signal: null });
  assert.is(taken.stdout, "* cannot join as 'ALICE': alice is here: pick another name\n");
  assert.is(taken.stderr, "the room closed the connection\n");
  assert.not.match(server.stdout, /ALICE/, "the room never announced it");
});

test("the room's own terminal: a line typed there goes to everyone as @room; /who and /kick are the operator's", async () => {
  const { proc: server, port } = await room();
  const alice = await named(port, "alice");
  const bob = await named(port, "bob");
  server.write("hello, class");
  await alice.got.waitFor("<@room> hello, class\n");
  server.write("/who");
  await server.waitFor("stdout", "* 2 here: alice, bob\n");
  server.write("/kick bob");
  await bob.got.waitFor("* removed by the room's operator: goodbye\n");
  await bob.got.waitClosed();
  await alice.got.waitFor("* bob was removed by the room's operator\n");
  server.write("/kick nobody");
  await server.waitFor("stderr", "nobody here is called 'nobody'\n");
  server.endInput();
  await server.waitFor(
    "stderr",
    "the room's terminal takes no more input (stdin ended); Ctrl-C closes the room\n",
  );
  alice.sock.write("/who\n");
  await alice.got.waitFor("* 1 here: alice\n"); // the room goes on
});

test("room-client says so when a line from the room is over 64 KiB", async () => {
  const fake = await rawTcpServer("fake room");
  const client = spawnScript("tcp/room-client.ts", ["--port", String(fake.port)], "client");
  const conn = await fake.accepted();
  conn.sock.write(`* welcome, x. Here: nobody yet.\n${"z".repeat(70_000)}\nafter\n`);
  await client.waitFor("stdout", "after\n");
  await client.waitFor("stderr", "(a line from the room over 64 KiB was not shown)\n");
  assert.not.match(client.stdout, /zzz/);
});

test.run();
