// The room under attack, from loopback, each attack bounded in count and time: a flood, members
// who never read, connection floods, slow lines, look-alike names, hidden text. Each test
// prints its numbers (latency under flood, memory per non-reader, sockets after a flood).
import { once } from "node:events";
import { readdirSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { browserProblem, closeChromium, openBrowser } from "../harness/browser.ts";
import {
  cpuMs,
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
import { joinAs, machine, percentile, room } from "./room-members.ts";

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
    // 50 at a time, so that the kernel's accept queue never overflows; none ever closes;
    // from 4 addresses, so that the room's own limit is what they meet (one address may
    // hold half the room): each, silent, is refused or makes way for the next
    for (let i = 0; i < 50; i++) {
      const c = await rawTcpClient(port, `flood ${wave}.${i}`, machine(i));
      c.sock.on("data", (b: Buffer) => {
        if (/room is full|too many connections|goes to a newcomer/.test(b.toString())) told += 1;
        waker.wake();
      });
      conns.push(c);
    }
  }
  await waker.until(() => told >= 480, DEADLINE_MS, "480 told to go");
  await waker.until(
    () => fds() - before <= 25,
    DEADLINE_MS,
    "the refused sockets closed",
    () => (fds() - before > 500 ? `${fds() - before} open` : undefined),
  );
  console.log(
    `connection flood: 500 silent connects that never close, limit 20: ${told} refused or made way; server descriptors ${before} before, ${fds()} after`,
  );
  assert.ok(fds() - before <= 25);
});

test("past --per-address, another connection from the same address is told and closed", async () => {
  const { port } = await room(["--per-address", "3"]);
  for (const name of ["a", "b", "c"]) await joinAs(port, name);
  const fourth = await rawTcpClient(port, "fourth");
  await fourth.got.waitClosed();
  assert.is(
    fourth.got.text,
    "* too many connections from 127.0.0.1 (3): one address may hold 3 of the room's 100\n",
  );
  await joinAs(port, "elsewhere", "127.0.0.2"); // another address still gets in
});

test("one address may hold at most half the room, whatever --per-address says: 12 drippers cannot keep an outsider out", async () => {
  const { port } = await room(["--max-clients", "8", "--per-address", "20"]);
  const drippers: RawConn[] = [];
  let refused = 0;
  for (let i = 0; i < 12; i++) {
    const c = await rawTcpClient(port, `dripper ${i}`);
    c.sock.write("x"); // a line begun, never finished
    if (i >= 4) {
      await c.got.waitClosed();
      assert.match(c.got.text, /one address may hold 4 of the room's 8/);
      refused += 1;
    } else drippers.push(c);
  }
  const drip = setInterval(() => {
    for (const c of drippers) c.sock.write("x");
  }, 500);
  try {
    const started = Date.now();
    const outsiders: RawConn[] = [];
    for (let i = 0; i < 6; i++)
      outsiders.push(await joinAs(port, `outsider${i}`, `127.0.1.${i + 1}`));
    const waited = Date.now() - started;
    console.log(
      `12 drippers from one address, --max-clients 8: ${refused} refused at once, 6 outsiders joined in ${waited} ms (the room made way for them)`,
    );
    assert.ok(
      drippers.some((c) => c.got.closed !== undefined),
      "a dripper made way",
    );
  } finally {
    clearInterval(drip);
  }
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
    ["ali\u0307ce", "it looks like alice, who is here"], // i with a combining dot above
    ["a\u1e37ice", "it looks like alice, who is here"], // ḷ: l with a dot below
    ["a\u0300\u0301\u0302\u0303lice", "it stacks more than two accents on a letter"], // zalgo
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

test("the room refuses what is not chat: an HTTP request, a Redis command, a TLS handshake, each told why and closed unheard", async () => {
  const { proc: server, port } = await room();
  const alice = await joinAs(port, "alice");
  const http =
    "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 47\r\n\r\n" +
    "/nick WebPage\nthis line was sent by a web page\n";
  const tries: [string, string | Buffer, string][] = [
    ["a browser's request", http, "an HTTP request is not a chat line: was it a web page?"],
    [
      "a header first",
      "Origin: http://evil.example\r\n\r\n",
      "an HTTP request is not a chat line: was it a web page?",
    ],
    ["redis-cli's PING", "*1\r\n$4\r\nPING\r\n", "a Redis command (RESP) is not a chat line"],
    [
      "a TLS ClientHello",
      Buffer.from([0x16, 0x03, 0x01, 0x00, 0x2f, 0x01, 0x00]),
      "the room speaks plain text, not TLS",
    ],
  ];
  for (const [name, bytes, why] of tries) {
    const raw = await rawTcpClient(port, name);
    raw.sock.write(bytes);
    await raw.got.waitClosed();
    assert.is(raw.got.text, `* this is a chat room: ${why}\n`, name);
  }
  await server.waitFor(
    "stderr",
    /turned away 127\.0\.0\.1:\d+: this is a chat room: an HTTP request/,
  );
  const bob = await joinAs(port, "bob");
  bob.sock.write("after them\n");
  await alice.got.waitFor("<bob> after them\n");
  assert.not.match(alice.got.text, /WebPage|web page|HTTP|PING|user\d+ joined/, alice.got.text);
});

const noBrowser = browserProblem();
if (noBrowser) console.log(`the cross-origin page test skipped: ${noBrowser}`);
else {
  test("a web page of another origin cannot speak in the room: its no-cors fetch is refused unheard", async () => {
    const { proc: server, port } = await room();
    const alice = await joinAs(port, "alice");
    // the hostile page, served from another port of this machine: another origin
    const body = "/nick WebPage\nthis line was sent by a web page\n";
    const page = `<!doctype html><title>page</title><script>
      fetch("http://127.0.0.1:${port}/", { method: "POST", mode: "no-cors", body: ${JSON.stringify(body)} })
        .finally(() => { document.title = "sent"; });
    </script>`;
    const site = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(page);
    }).listen(0, "127.0.0.1");
    await once(site, "listening");
    try {
      const tab = await openBrowser(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);
      await tab.waitForFunction(() => document.title === "sent");
      await server.waitFor(
        "stderr",
        /turned away 127\.0\.0\.1:\d+: this is a chat room: an HTTP request is not a chat line/,
      );
      alice.sock.write("/who\n");
      await alice.got.waitFor(/\* 1 here: alice\n/);
      assert.not.match(alice.got.text, /WebPage|web page|joined/, alice.got.text);
    } finally {
      site.close();
      await closeChromium();
    }
  });
}

test("a line larger than --burst is delivered at the rate, the lines after it too, and the room then idles", async () => {
  const { proc: server, port } = await room(["--rate", "10", "--burst", "5"]);
  const alice = await joinAs(port, "alice");
  const bob = await joinAs(port, "bob");
  const long = "长".repeat(1300); // 3,900 bytes, 1,300 characters: 6 tokens, more than the bucket holds
  bob.sock.write(`${long}\nafter it\n`);
  await alice.got.waitFor(`<bob> ${long}\n`);
  await alice.got.waitFor("<bob> after it\n");
  const before = cpuMs(server.child.pid);
  await sleep(1000); // measuring an idle second: nothing to wait for but the clock
  const spent = cpuMs(server.child.pid) - before;
  console.log(
    `a line of 6 tokens with a burst of 5: delivered; then the room spent ${spent.toFixed(1)} ms of CPU in 1 s`,
  );
  assert.ok(spent < 50, `the idle room spent ${spent} ms of CPU in 1 s`);
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
  for (let i = 0; i < 64; i++) members.push(await joinAs(port, `m${i}`, machine(i)));
  const late = await rawTcpClient(port, "late", "127.0.0.9");
  await late.got.waitClosed();
  assert.is(late.got.text, "* the room is full (64 members): try again later\n");
  (members[0] as RawConn).sock.write("still fine\n");
  await (members[1] as RawConn).got.waitFor("<m0> still fine\n");
});

test.run();
