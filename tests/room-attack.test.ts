// The room under attack, from loopback, each attack bounded in count and time: a flood, members
// who never read, connection floods, slow lines, look-alike names, hidden text. Each test
// prints its numbers (latency under flood, memory per non-reader, sockets after a flood).
import { once } from "node:events";
import { readdirSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  DEADLINE_MS,
  readPort,
  reapAll,
  scriptCommand,
  spawnProgram,
  waitedForCpuMs,
} from "../harness/procs.ts";
import { haveTool } from "../harness/tools.ts";
import { Waker } from "../harness/waker.ts";
import { safeText } from "../shared/safe-text.ts";
import { type RawConn, rawTcpClient } from "./peers.ts";
import { joinAs, percentile, room } from "./room-members.ts";

test.after.each(reapAll);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("a flooder is slowed and told so; the others' lines arrive within 100 ms p99 and no honest member is cut off", async () => {
  const { proc: server, port } = await room();
  const honest: RawConn[] = [];
  for (let i = 0; i < 10; i++) honest.push(await joinAs(port, `h${i}`));
  const flooder = await joinAs(port, "flooder");
  const line = `${"f".repeat(4000)}\n`;
  let flooded = 0;
  const flood = async () => {
    const floodUntil = Date.now() + 2000; // bounded: 2 s from its start, and never more than 40 MB
    while (Date.now() < floodUntil && flooded < 10_000) {
      flooded += 1;
      if (!flooder.sock.write(line))
        // at most 50 ms: the listener goes with the timeout (no pile of them on the socket)
        await once(flooder.sock, "drain", { signal: AbortSignal.timeout(50) }).catch(() => {});
    }
  };
  const delays: number[] = [];
  const speaker = honest[0] as RawConn;
  const listener = honest[1] as RawConn;
  listener.sock.on("data", (b: Buffer) => {
    for (const m of b.toString().matchAll(/<h0> ping (\d+\.\d+)/g))
      delays.push(performance.now() - Number(m[1]));
  });
  const ping = async () => {
    for (let i = 0; i < 30; i++) {
      speaker.sock.write(`ping ${performance.now().toFixed(3)}\n`);
      await sleep(60);
    }
  };
  // First without the flood: what this machine, loaded or not, gives the same lines.
  await ping();
  await listener.got.waitFor(/<h0> ping /, 30);
  const quiet = percentile(delays.splice(0), 99);
  // How long this test itself was kept from running during the flood, and how long the
  // machine kept the room from running: a line timed may have waited that long for them,
  // whatever the room did.
  const stalls = monitorEventLoopDelay({ resolution: 5 });
  const roomWaitedBefore = waitedForCpuMs(server.child.pid);
  stalls.enable();
  await Promise.all([flood(), ping()]);
  stalls.disable();
  const stalled = stalls.max / 1e6;
  const roomWaited = waitedForCpuMs(server.child.pid) - roomWaitedBefore;
  await listener.got.waitFor(/<h0> ping /, 60);
  await flooder.got.waitFor(
    "* slow down: over 10 lines a second; your lines now wait their turn\n",
  );
  const [p50, p99] = [percentile(delays, 50), percentile(delays, 99)];
  console.log(
    `flood: ${flooded} lines of 4 KB sent by the flooder in 2 s; the others' lines: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms over ${delays.length} (without the flood: p99 ${quiet.toFixed(1)} ms; the test's longest stall: ${stalled.toFixed(1)} ms; the room waited for a CPU ${roomWaited.toFixed(1)} ms)`,
  );
  // Within 100 ms p99. On a machine busy with other work, 100 ms beyond what it gives
  // anyway: the quiet p99, or the longest time this test was kept waiting meanwhile with
  // all the time the room waited for a CPU (a room starved of CPU holds lines back, and
  // the time it waited is on its main thread's clock, /proc/PID/schedstat).
  const noise = Math.max(quiet, stalled + roomWaited);
  assert.ok(p99 < 100 + noise, `p99 ${p99} ms during the flood; ${noise} ms of noise`);
  for (const h of honest) {
    assert.not.ok(h.got.closed, `${h.got.name} was cut off`);
    assert.not.match(h.got.text, /slow down/);
  }
  assert.match(server.stderr, /flooder sends too fast: slowed to 10 lines a second/);
});

test("a member who never reads is cut off before it holds 1 MiB, whatever the size of the lines", async () => {
  const { proc: server, port } = await room(["--rate", "1000000", "--burst", "1000000"]);
  const sleepers: RawConn[] = [];
  for (let i = 0; i < 10; i++) {
    const s = await joinAs(port, `sleepy${i}`);
    s.sock.pause();
    sleepers.push(s);
  }
  const talker = await joinAs(port, "talker");
  const rssBefore = server.rssKiB();
  let peak = rssBefore;
  const batch = "x\n".repeat(10_000); // one-character lines: the worst case for per-write costs
  let sent = 0;
  // Bounded: at most 3 million lines, stopping once every sleeper is cut off.
  while (
    (server.stderr.match(/sleepy\d reads too slowly/g) ?? []).length < 10 &&
    sent < 3_000_000
  ) {
    sent += 10_000;
    await new Promise<void>((resolve) => talker.sock.write(batch, () => resolve()));
    if (sent % 100_000 === 0) {
      await sleep(1);
      peak = Math.max(peak, server.rssKiB());
    }
  }
  await server.waitFor("stderr", /reads too slowly: 1 MiB waits for it; disconnecting/, 10);
  const perSleeper = (peak - rssBefore) / 10 / 1024;
  console.log(
    `non-readers: ${sent} one-character lines; server RSS ${(rssBefore / 1024).toFixed(1)} MiB before, ${(peak / 1024).toFixed(1)} MiB at peak: ${perSleeper.toFixed(2)} MiB per member who never reads`,
  );
  // Before the fix a non-reader cost 20 MiB. V8 may grow its young generation once during
  // the run, whatever the members (42 MiB in one run on Node 24, 4.2 per sleeper; 0.2-0.5
  // in most): so the bound is 8 MiB, far from 1 and far from 20.
  assert.ok(perSleeper < 8, `${perSleeper} MiB per non-reader`);
});

test("a connection flood past --max-clients is told and closed at once: the server's sockets stay near the limit", async () => {
  const { proc: server, port } = await room(["--max-clients", "20", "--per-address", "1000"]);
  const fds = () => readdirSync(`/proc/${server.child.pid}/fd`).length;
  const before = fds();
  const waker = new Waker();
  let told = 0;
  const conns = [];
  for (let wave = 0; wave < 10; wave++) {
    // 50 at a time, so that the kernel's accept queue never overflows; none ever closes
    for (let i = 0; i < 50; i++) {
      const c = await rawTcpClient(port, `flood ${wave}.${i}`);
      c.sock.on("data", (b: Buffer) => {
        if (b.toString().includes("room is full")) told += 1;
        waker.wake();
      });
      conns.push(c);
    }
  }
  await waker.until(() => told >= 480, DEADLINE_MS, "480 refusals");
  await waker.until(
    () => fds() - before <= 25,
    DEADLINE_MS,
    "the refused sockets closed",
    () => (fds() - before > 500 ? `${fds() - before} open` : undefined),
  );
  console.log(
    `connection flood: 500 connects that never close, limit 20: ${told} told the room is full; server descriptors ${before} before, ${fds()} after`,
  );
  assert.ok(fds() - before <= 25);
});

test("past --per-address, another connection from the same address is told and closed", async () => {
  const { port } = await room(["--per-address", "3"]);
  for (const name of ["a", "b", "c"]) await joinAs(port, name);
  const fourth = await rawTcpClient(port, "fourth");
  await fourth.got.waitClosed();
  assert.is(fourth.got.text, "* too many connections from 127.0.0.1 (3)\n");
});

test("a line must end within --line-time (slowloris), and a member silent for --idle is let go", async () => {
  const { proc: server, port } = await room(["--line-time", "1", "--idle", "2"]);
  const loris = await joinAs(port, "loris");
  const quiet = await joinAs(port, "quiet");
  const watcher = await joinAs(port, "watcher");
  const started = Date.now();
  const drip = setInterval(() => loris.sock.write("x"), 200); // a byte at a time, never a newline
  await loris.got.waitFor("* a line must end within 1 s: goodbye\n");
  clearInterval(drip);
  await loris.got.waitClosed();
  const lorisAfter = Date.now() - started;
  await quiet.got.waitFor("* silent for 2 s: goodbye\n");
  await quiet.got.waitClosed();
  console.log(
    `slowloris cut off after ${lorisAfter} ms (limit 1 s); a silent member after ${Date.now() - started} ms (limit 2 s)`,
  );
  await watcher.got.waitFor("* loris left");
  assert.match(server.stderr, /loris: a line must end within 1 s; disconnecting/);
});

if (haveTool("ss")) {
  test("every member's connection has TCP keepalive, so a member that vanished is noticed", async () => {
    const { port } = await room();
    await joinAs(port, "alice");
    const ss = spawnProgram("ss", ["ss", "-tnoH", "state", "established", `( sport = :${port} )`]);
    await ss.waitExit();
    assert.match(ss.stdout, /timer:\(keepalive,/, ss.stdout);
  });
}

test("names cannot lie: look-alike, invisible and mixed-script names are refused; one's own name may change case", async () => {
  const { proc: server, port } = await room();
  const alice = await joinAs(port, "alice");
  await joinAs(port, "axe");
  const tries: [string, string][] = [
    ["\u0430lice", "it mixes scripts (Cyrillic, Latin)"], // Cyrillic а
    ["\uff41\uff4c\uff49\uff43\uff45", "alice is here: pick another name"], // fullwidth
    ["\u{1d41a}\u{1d425}\u{1d422}\u{1d41c}\u{1d41e}", "alice is here: pick another name"], // mathematical bold
    ["\u03b1lice", "it mixes scripts (Greek, Latin)"], // Greek α
    ["\u0430\u0445\u0435", "it looks like axe, who is here"], // all Cyrillic: ахе
    ["\u3164\u3164", "it holds invisible or blank characters"], // Hangul fillers
    ["al\u200bice", "it holds invisible or blank characters"],
    ["ALICE", "alice is here: pick another name"],
  ];
  for (const [name, why] of tries) {
    const raw = await rawTcpClient(port, `as ${name}`);
    raw.sock.write(`/nick ${name}\n`);
    await raw.got.waitClosed();
    assert.is(raw.got.text, `* cannot join as '${safeText(name)}': ${why}\n`, name);
  }
  const jose = await rawTcpClient(port, "jose");
  jose.sock.write("/nick jose\u0301\n"); // é typed as e + combining accent, as macOS does
  await jose.got.waitFor("* welcome, jos\u00e9. "); // kept, composed (NFC)
  jose.sock.write("/nick José\n"); // the same name in another case: one's own, allowed
  await alice.got.waitFor("* jos\u00e9 is now Jos\u00e9\n");
  await server.waitFor("stdout", "* jos\u00e9 is now Jos\u00e9\n"); // the room's log is written apart
  assert.is((server.stdout.match(/ joined\n/g) ?? []).length, 3, "the refused never joined");
});

test("text cannot hide: direction overrides, zero-width characters and line separators arrive escaped", async () => {
  const { port } = await room();
  const alice = await joinAs(port, "alice");
  const bob = await joinAs(port, "bob");
  bob.sock.write(
    "access \u202eresu\u202c level\u2066 \u200bsecret\u2028next 👩‍💻 你好 jose\u0301\n",
  );
  await alice.got.waitFor(
    "<bob> access \\u202eresu\\u202c level\\u2066 \\u200bsecret\\u2028next 👩‍💻 你好 jose\u0301\n",
  );
});

test("renames are rate-limited: a storm of /nick reaches the others as a few renames", async () => {
  const { port } = await room();
  const alice = await joinAs(port, "alice");
  const storm = await joinAs(port, "storm");
  storm.sock.write(`${Array.from({ length: 50 }, (_, i) => `/nick s${i}`).join("\n")}\n/who\n`);
  await storm.got.waitFor(/\* 2 here: /);
  await alice.got.waitFor("is now s2\n");
  const renames = (alice.got.text.match(/ is now /g) ?? []).length;
  const refused = (storm.got.text.match(/too many renames/g) ?? []).length;
  console.log(`rename storm: 50 asked, ${renames} announced, ${refused} refused`);
  assert.is(renames, 3);
  assert.is(refused, 47);
});

test("the room's own stdout never stops the room: with a reader that never reads, chat goes on", async () => {
  // stdout into a pipe nobody reads: `sleep` holds it open and never reads (64 KiB fill it)
  const room = scriptCommand("tcp/room-server.ts", [
    "--port",
    "0",
    "--rate",
    "100000",
    "--burst",
    "100000",
  ]);
  const command = `exec ${room.join(" ")} | sleep 600`;
  const server = spawnProgram("room, stdout unread", ["bash", "-c", command]);
  const port = await readPort(server);
  const alice = await joinAs(port, "alice");
  const bob = await joinAs(port, "bob");
  const line = "y".repeat(200);
  for (let i = 0; i < 2000; i++) bob.sock.write(`${i} ${line}\n`); // 400 KB, far past the pipe's 64 KiB
  bob.sock.write("still here\n");
  await alice.got.waitFor("<bob> still here\n");
});

test("at the descriptor limit, --max-clients is lowered with a note and newcomers past it are told", async () => {
  const room = scriptCommand("tcp/room-server.ts", [
    "--port",
    "0",
    "--max-clients",
    "500",
    "--per-address",
    "500",
  ]);
  const cmd = `ulimit -n 96 && exec ${room.join(" ")}`;
  const server = spawnProgram("room, ulimit 96", ["bash", "-c", cmd]);
  const port = await readPort(server);
  await server.waitFor(
    "stderr",
    "--max-clients 500 lowered to 64: this process may open 96 files (ulimit -n)\n",
  );
  const members: RawConn[] = [];
  for (let i = 0; i < 64; i++) members.push(await joinAs(port, `m${i}`));
  const late = await rawTcpClient(port, "late");
  await late.got.waitClosed();
  assert.is(late.got.text, "* the room is full (64 members): try again later\n");
  (members[0] as RawConn).sock.write("still fine\n");
  await (members[1] as RawConn).got.waitFor("<m0> still fine\n");
});

test.run();
