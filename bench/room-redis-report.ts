/**
 * The "One room, many servers" part of docs/benchmarks.md: one room server beside three
 * joined through Redis (bench/room-redis.ts), at the same load, one after the other in
 * each run, each figure with its ratio taken run by run. Without redis-server, a note
 * saying so instead.
 *
 * @example
 * ```ts
 * const markdown = await manyServersSection({ quick: false, log: console.error });
 * ```
 * @module
 */
import { REDIS_MISSING } from "../tcp/room/redis-server.ts";
import {
  HAVE_REDIS,
  type ManyCapacity,
  type ManyLatency,
  type ManyMemory,
  manyCapacity,
  manyLatency,
  manyMemory,
} from "./room-redis.ts";
import { show, summary } from "./stats.ts";

interface Options {
  quick: boolean;
  log: (text: string) => void;
}

/** `f` for one server and for three, one after the other, `runs` times. */
async function pairs<T>(runs: number, f: (servers: number) => Promise<T>) {
  const out: { one: T; three: T }[] = [];
  for (let i = 0; i < runs; i++) out.push({ one: await f(1), three: await f(3) });
  return out;
}

const HEADING = "## One room, many servers";

export async function manyServersSection({ quick, log }: Options): Promise<string> {
  if (!HAVE_REDIS) {
    log(`one room, many servers: skipped: ${REDIS_MISSING}`);
    return `${HEADING}\n\nNot measured in this run: ${REDIS_MISSING}.\n`;
  }
  const cap = quick ? { clients: 12, lines: 5, runs: 1 } : { clients: 200, lines: 20, runs: 5 };
  log(`one room, many servers: capacity ${cap.clients} × ${cap.lines}, ${cap.runs} runs`);
  const caps = await pairs(cap.runs, (n) => manyCapacity(n, cap.clients, cap.lines));
  const lat = quick
    ? { clients: 9, pace: 5, seconds: 0.4, runs: 1 }
    : { clients: 90, pace: 4, seconds: 4, runs: 3 };
  log(`one room, many servers: latency ${lat.clients} members × ${lat.pace} lines/s`);
  const lats = await pairs(lat.runs, (n) => manyLatency(n, lat.clients, lat.pace, lat.seconds));
  const idle = quick ? 30 : 600;
  const memRuns = quick ? 1 : 2;
  log(`one room, many servers: memory, ${idle} idle members, ${memRuns} runs`);
  const mems = await pairs(memRuns, (n) => manyMemory(n, idle, !quick));

  const both = <T>(rs: { one: T; three: T }[], f: (r: T) => number, digits: number) => {
    const [a, b] = [summary(rs.map((r) => f(r.one))), summary(rs.map((r) => f(r.three)))];
    const ratio = summary(rs.map((r) => f(r.three) / f(r.one)));
    return `${show(a, digits)} | ${show(b, digits)} | ${show(ratio, 2)}`;
  };
  const capOf = (f: (r: ManyCapacity) => number, digits: number) => both(caps, f, digits);
  const latOf = (f: (r: ManyLatency) => number) => both(lats, f, 2);
  const memOf = (f: (r: ManyMemory) => number) => both(mems, f, 1);
  const across = (f: (r: ManyLatency) => number) =>
    `n/a | ${show(summary(lats.map((r) => f(r.three))), 2)} | n/a`;
  const lost = caps.reduce((n, r) => n + r.one.lost + r.three.lost, 0);
  const problems = caps.filter((r) => r.one.problem || r.three.problem).length;
  const latLost = lats.reduce((n, r) => n + r.one.lost + r.three.lost, 0);
  const offered = lat.clients * lat.pace * (lat.clients - 1);

  return `${HEADING}

The same room on one server, and on three servers joined through one Redis (\`--redis\`,
[lesson 25](25-many-servers.md)), at the same load, one after the other in each run; the
ratio is taken run by run. The members are spread evenly: member i joins server i mod 3.
CPU counts every process of the room: the three servers and Redis (Redis alone in
brackets of its own row). Capacity: ${cap.clients} members × ${cap.lines} lines each, at once, as
in "Room capacity" above (the second of two bursts), ${caps.length} runs; ${lost} deliveries lost, ${problems}
runs with an order problem. Latency: ${lat.clients} members each saying ${lat.pace} lines a second for
${lat.seconds} s (${offered.toLocaleString("en")} deliveries a second offered, a moderate load), ${lats.length} runs, ${latLost} lost; a
line between members of one server never touches Redis, a line across servers goes
through it. Memory: ${idle} idle members, measured once every room has fallen quiet.

| | 1 server | 3 servers + Redis | 3 ÷ 1 |
|---|---|---|---|
| million deliveries / s | ${capOf((r) => r.perSecond / 1e6, 2)} |
| million deliveries per CPU-second | ${capOf((r) => r.perCpuSecond / 1e6, 2)} |
| CPU, share of one core, every process | ${capOf((r) => r.cpu * 100, 0)} |
| CPU of Redis alone, share of one core | n/a | ${show(summary(caps.map((r) => r.three.redisCpu * 100)), 0)} | n/a |
| latency within one server, p50 ms | ${latOf((r) => r.within.p50)} |
| latency within one server, p99 ms | ${latOf((r) => r.within.p99)} |
| latency across servers (through Redis), p50 ms | ${across((r) => r.across.p50)} |
| latency across servers (through Redis), p99 ms | ${across((r) => r.across.p99)} |
| private MiB, every process, the room empty | ${memOf((r) => r.emptyMiB)} |
| private MiB, every process, ${idle} idle members | ${memOf((r) => r.fullMiB)} |
| private KiB per idle member, all processes | ${memOf((r) => r.anon)} |
| resident KiB per idle member, all processes | ${memOf((r) => r.rss)} |

What the broker adds to a line is the difference between the two latency rows of the three
servers: one more hop (its server, Redis, the other server) and one more event-loop turn on
each server. Each server of three holds a third of the members: with the room's default
\`--max-clients 100\`, three servers hold 300 members where one holds 100, and each Node
process brings its own fixed cost (its heap, the Redis client), which the memory rows show
beside what the members cost.
`;
}
