// One room across servers, through each fault the lesson names (docs/25-many-servers.md):
// Redis killed and started again mid-chat, a room process killed outright, a member
// flooding one server, and joins and leaves by the hundred that must leave nothing behind.
// Real processes, a real redis-server on loopback, every wait bounded.
import { once } from "node:events";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { reapAll, waitedForCpuMs } from "../harness/procs.ts";
import { rawTcpClient } from "./peers.ts";
import { joinAs, machine, percentile } from "./room-members.ts";
import { churn, cluster, redisServer, redisTests } from "./room-redis-kit.ts";

test.after.each(reapAll);
const redisTest = redisTests("the room-across-servers fault tests");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const CUT_OFF = "* the room's servers cannot reach each other just now (Redis is away): ";
const WHOLE = "* the room is whole again, after ";

redisTest(
  "Redis killed mid-chat: every server tells its members, who go on chatting among themselves; Redis back: the room is whole again, and says what was lost",
  async () => {
    const { redis, rooms } = await cluster(3);
    const [r0, r1, r2] = rooms as [(typeof rooms)[0], (typeof rooms)[0], (typeof rooms)[0]];
    const a0 = await joinAs(r0.port, "a0", machine(0));
    const a1 = await joinAs(r0.port, "a1", machine(1));
    const b0 = await joinAs(r1.port, "b0", machine(2));
    const c0 = await joinAs(r2.port, "c0", machine(3));
    const all = [a0, a1, b0, c0];
    a0.sock.write("before\n");
    await c0.got.waitFor("<a0> before\n");

    redis.proc.child.kill("SIGKILL");
    await redis.proc.waitExit();
    for (const m of all) await m.got.waitFor(CUT_OFF);
    assert.match(a0.got.text, /Until it is back, you hear only the 2 here, and they you\n/);
    a0.sock.write("only on this server\n");
    await a1.got.waitFor("<a0> only on this server\n");
    c0.sock.write("/who\n");
    await c0.got.waitFor("* 1 here: c0\n* (this server only: the room's servers cannot reach");
    b0.sock.write("/msg a0 hello?\n");
    await b0.got.waitFor(`* error: ${CUT_OFF.slice(2, -2)}: try again in a moment\n`);
    const late = await rawTcpClient(r1.port, "late", machine(4));
    late.sock.write("/nick late\n");
    await late.got.waitClosed();
    assert.match(
      late.got.text,
      /^\* the room's servers cannot reach each other just now .*try again in a moment\n$/,
    );

    await redisServer(redis.port); // the same address, empty: Redis keeps nothing here
    for (const m of all) await m.got.waitFor(WHOLE);
    assert.match(
      b0.got.text,
      /\* the room is whole again, after \d+\.\d s: what was said on its other servers meanwhile is lost, and what was said here did not reach them\n/,
    );
    c0.sock.write("after\n");
    for (const m of [a0, a1, b0]) await m.got.waitFor("<c0> after\n");
    assert.not.match(
      b0.got.text + c0.got.text,
      /only on this server/,
      "lost for good, not sent late",
    );
    b0.sock.write("/who\n"); // every server registered its members again
    await b0.got.waitFor(/\* 4 here: /);
    const newcomer = await joinAs(r1.port, "late", machine(4));
    await a0.got.waitFor("* late joined\n");
    newcomer.sock.write("/nick a1\n");
    await newcomer.got.waitFor("* error: cannot take 'a1': a1 is here: pick another name\n");
  },
);

redisTest(
  "a room server killed outright (SIGKILL): the others hear its members leave within a second, /who drops them, their names are free",
  async () => {
    const { rooms } = await cluster(3);
    const [r0, r1, r2] = rooms as [(typeof rooms)[0], (typeof rooms)[0], (typeof rooms)[0]];
    const watcher = await joinAs(r0.port, "watcher", machine(0));
    const other = await joinAs(r1.port, "other", machine(1));
    await joinAs(r2.port, "doomed1", machine(2));
    await joinAs(r2.port, "doomed2", machine(3));
    await watcher.got.waitFor("* doomed2 joined\n");
    const killedAt = performance.now();
    r2.proc.child.kill("SIGKILL");
    const gone = /\* doomed1 left \(their server, 127\.0\.0\.1:\d+, is gone\)\n/;
    await watcher.got.waitFor(gone);
    const ms = performance.now() - killedAt;
    await watcher.got.waitFor(/\* doomed2 left \(their server, 127\.0\.0\.1:\d+, is gone\)\n/);
    await other.got.waitFor(gone);
    console.log(`a killed room server's members announced gone ${ms.toFixed(0)} ms after SIGKILL`);
    // the heartbeat is 1 s; a loaded machine may delay it a little
    assert.ok(ms < 3000, `${ms} ms`);
    watcher.sock.write("/who\n");
    await watcher.got.waitFor(/\* 2 here: /);
    assert.not.match(watcher.got.text.split("* 2 here: ")[1] ?? "", /doomed/);
    await joinAs(r1.port, "doomed1", machine(4)); // free again
    await watcher.got.waitFor("* doomed1 joined\n");
    for (const m of [watcher, other]) {
      assert.is(m.got.text.match(/doomed2 left/g)?.length, 1, "announced once, by one server");
    }
  },
);

redisTest(
  "a member flooding one server does not slow the others: lines between the other servers arrive within 100 ms p99",
  async () => {
    const { redis, rooms } = await cluster(3);
    const [r0, r1, r2] = rooms as [(typeof rooms)[0], (typeof rooms)[0], (typeof rooms)[0]];
    const speaker = await joinAs(r1.port, "speaker", machine(0));
    const listener = await joinAs(r2.port, "listener", machine(1));
    const neighbour = await joinAs(r0.port, "neighbour", machine(2));
    const flooder = await joinAs(r0.port, "flooder", machine(3));
    const delays: number[] = [];
    listener.sock.on("data", (b: Buffer) => {
      for (const m of b.toString().matchAll(/<speaker> ping (\d+\.\d+)/g))
        delays.push(performance.now() - Number(m[1]));
    });
    const ping = async () => {
      for (let i = 0; i < 25; i++) {
        speaker.sock.write(`ping ${performance.now().toFixed(3)}\n`);
        await sleep(60);
      }
    };
    await ping();
    await listener.got.waitFor(/<speaker> ping /, 20);
    const quiet = percentile(delays.splice(0), 99);
    const line = `${"f".repeat(4000)}\n`;
    let flooded = 0;
    const flood = async () => {
      const until = Date.now() + 1000; // bounded: 1 s, at most 6,000 lines of 4 KB
      while (Date.now() < until && flooded < 6000) {
        flooded += 1;
        if (!flooder.sock.write(line))
          await once(flooder.sock, "drain", { signal: AbortSignal.timeout(50) }).catch(() => {});
      }
    };
    const stalls = monitorEventLoopDelay({ resolution: 5 });
    const pids = [...rooms.map((r) => r.proc.child.pid), redis.proc.child.pid];
    const waited = () => pids.reduce<number>((ms, pid) => ms + waitedForCpuMs(pid), 0);
    const waitedBefore = waited();
    stalls.enable();
    await Promise.all([flood(), ping()]);
    stalls.disable();
    await listener.got.waitFor(/<speaker> ping /, 40);
    await flooder.got.waitFor(
      "* slow down: over 10 lines a second; your lines now wait their turn\n",
    );
    const [p50, p99] = [percentile(delays, 50), percentile(delays, 99)];
    const noise = Math.max(quiet, stalls.max / 1e6 + (waited() - waitedBefore));
    console.log(
      `flood on one server: ${flooded} lines of 4 KB sent; speaker (server 2) to listener (server 3) through Redis: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms over ${delays.length} (quiet p99 ${quiet.toFixed(1)} ms; noise ${noise.toFixed(1)} ms)`,
    );
    assert.ok(p99 < 100 + noise, `p99 ${p99} ms during the flood; ${noise} ms of noise`);
    for (const m of [speaker, listener, neighbour]) assert.not.ok(m.got.closed, m.got.name);
    await neighbour.got.waitFor("<speaker> ping ", 40);
  },
);

redisTest(
  "150 joins and leaves across three servers leave nothing behind: no member, socket or Redis connection",
  async () => {
    const { redis, rooms } = await cluster(3);
    const report = await churn(redis, rooms, 150);
    console.log(`churn: ${report}`);
  },
);

test.run();
