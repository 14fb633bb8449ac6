// One room across servers while a member floods one of them (docs/25-many-servers.md):
// its own server slows it down, as lesson 9's room does, so what it can publish to Redis is
// bounded and the lines between the other servers keep their pace. Real processes, a real
// redis-server on loopback; the flood bounded in time and count.
import { once } from "node:events";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { reapAll, waitedForCpuMs } from "../harness/procs.ts";
import { joinAs, machine, percentile } from "./room-members.ts";
import { cluster, redisTests } from "./room-redis-kit.ts";

test.after.each(reapAll);
const redisTest = redisTests("the room-across-servers flood test");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

redisTest(
  "a member flooding one server does not slow the others: lines between the other servers arrive within 100 ms p99",
  async () => {
    const { redis, rooms } = await cluster(3);
    const [r0, r1, r2] = rooms;
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
      for (let i = 0; i < 20; i++) {
        speaker.sock.write(`ping ${performance.now().toFixed(3)}\n`);
        await sleep(40);
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

test.run();
