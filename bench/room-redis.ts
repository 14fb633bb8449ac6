/**
 * One room on one server beside the same room on three servers joined through Redis
 * (`--redis`, tcp/room/broker.ts), at the same load, side by side in each run:
 *
 * - `manyCapacity`: saturation throughput, as bench/room.ts `capacity` measures it, the
 *   members spread over the servers (member i on server i mod 3); with the CPU every server
 *   process used, Redis's counted with the rooms': deliveries per CPU-second.
 * - `manyLatency`: p50/p99 from send to receipt at a fixed, moderate load, kept apart for
 *   lines between members of one server and lines across servers (through Redis): what the
 *   broker adds.
 * - `manyMemory`: the memory each idle member costs, every process of the room counted.
 *
 * @example
 * ```ts
 * const one = await manyCapacity(1, 200, 20);
 * const three = await manyCapacity(3, 200, 20);
 * console.log(three.perCpuSecond / one.perCpuSecond);
 * ```
 * @module
 */
import { connect } from "node:net";
import { freePort } from "../harness/ports.ts";
import { atReap, cpuMs, type Proc, reapAll, spawnProgram, startServer } from "../harness/procs.ts";
import { occurrences } from "../harness/recorder.ts";
import { Waker } from "../harness/waker.ts";
import { QUIET_REPORT } from "../tcp/room/quiet-gc.ts";
import { REDIS_READY, redisServerArgs, redisServerPath } from "../tcp/room/redis-server.ts";
import { generators, percentileOf, rate, run } from "./room.ts";

/** Whether redis-server is installed: without it this part of the bench is left out. */
export const HAVE_REDIS = redisServerPath() !== undefined;

const MANY = ["--max-clients", "1100", "--per-address", "1100"];

/** A room on `servers` servers (with Redis if more than one): where to join, every process. */
interface Rooms {
  ports: number[];
  procs: Proc[];
  rooms: Proc[];
}

async function startRooms(servers: number, extra: string[] = []): Promise<Rooms> {
  if (servers === 1) {
    const { proc, port } = await startServer("tcp/room-server.ts", [...MANY, ...extra], "room");
    return { ports: [port], procs: [proc], rooms: [proc] };
  }
  const redisPort = await freePort();
  const redis = spawnProgram("redis-server", [
    redisServerPath() as string,
    ...redisServerArgs(redisPort),
  ]);
  await redis.waitFor("stdout", REDIS_READY);
  const url = `redis://127.0.0.1:${redisPort}`;
  const started = await Promise.all(
    Array.from({ length: servers }, (_, i) =>
      startServer("tcp/room-server.ts", [...MANY, "--redis", url, ...extra], `room ${i + 1}`),
    ),
  );
  const rooms = started.map((s) => s.proc);
  return { ports: started.map((s) => s.port), procs: [...rooms, redis], rooms };
}

const cpuOf = (procs: Proc[]) => procs.reduce((ms, p) => ms + cpuMs(p.child.pid), 0);

export interface ManyCapacity {
  servers: number;
  perSecond: number;
  /** Deliveries per second of CPU, all the room's processes (Redis too) counted. */
  perCpuSecond: number;
  /** Shares of one core: the room's processes together, Redis alone. */
  cpu: number;
  redisCpu: number;
  lost: number;
  problem: string | undefined;
}

/** `clients` members over `servers` servers, each sending `lines` at once, twice (the first warms up). */
export async function manyCapacity(
  servers: number,
  clients: number,
  lines: number,
): Promise<ManyCapacity> {
  try {
    const { ports, procs, rooms } = await startRooms(servers);
    const deadline = 30;
    const args = ["--lines", String(lines), "--deadline", String(deadline), "--rounds", "2"];
    const gens = await generators(servers === 1 ? (ports[0] as number) : ports, clients, 2, args);
    const all = clients * (clients - 1) * lines;
    const first = await run(gens, deadline, 1);
    const result = (reports: typeof first, cpu: number, redisCpu: number) => {
      const { received, seconds, perSecond } = rate(reports);
      return {
        servers,
        perSecond,
        perCpuSecond: received / (cpu / 1000),
        cpu: cpu / 1000 / seconds,
        redisCpu: redisCpu / 1000 / seconds,
        lost: all - received,
        problem: reports.find((r) => r.problem)?.problem,
      };
    };
    if (rate(first).received < all || first.some((r) => r.problem))
      return result(first, Number.NaN, Number.NaN);
    const redis = procs.filter((p) => !rooms.includes(p));
    const [before, redisBefore] = [cpuOf(procs), cpuOf(redis)];
    const reports = await run(gens, deadline, 2);
    return result(reports, cpuOf(procs) - before, cpuOf(redis) - redisBefore);
  } finally {
    await reapAll();
  }
}

export interface ManyLatency {
  servers: number;
  /** Lines between members of one server. */
  within: { p50: number; p99: number };
  /** Lines from a member of another server, through Redis. */
  across: { p50: number; p99: number };
  lost: number;
}

/** `clients` members over `servers` servers, each sending `pace` lines a second for `seconds`. */
export async function manyLatency(
  servers: number,
  clients: number,
  pace: number,
  seconds: number,
): Promise<ManyLatency> {
  try {
    const { ports } = await startRooms(servers);
    const args = ["--pace", String(pace), "--seconds", String(seconds)];
    const where = servers === 1 ? (ports[0] as number) : ports;
    const gens = await generators(where, clients, 2, [...args, "--deadline", String(seconds + 10)]);
    const reports = await run(gens, seconds + 10);
    const within = percentileOf(reports.map((r) => r.latency));
    const across = percentileOf(reports.map((r) => r.latencyAcross));
    return {
      servers,
      within: { p50: within(50), p99: within(99) },
      across: { p50: across(50), p99: across(99) },
      lost: reports.reduce((n, r) => n + r.expected - r.received, 0),
    };
  } finally {
    await reapAll();
  }
}

export interface ManyMemory {
  servers: number;
  /** KiB per member: private memory, and resident, of every process of the room together. */
  anon: number;
  rss: number;
  /** MiB of private memory, every process of the room together: empty, then with the members. */
  emptyMiB: number;
  fullMiB: number;
}

/**
 * The memory each of `members` idle members costs, every process of the room counted
 * (Redis too): measured once each room has fallen quiet and given back its garbage
 * (tcp/room/quiet-gc.ts), as bench/room.ts `idleMemory` does; at once with `waitQuiet` false.
 */
export async function manyMemory(
  servers: number,
  members: number,
  waitQuiet = true,
): Promise<ManyMemory> {
  try {
    const { ports, procs, rooms } = await startRooms(servers, ["--trace"]);
    const sum = (f: (p: Proc) => number) => procs.reduce((n, p) => n + f(p), 0);
    const reports = (r: Proc) => occurrences(r.stderr, QUIET_REPORT);
    /** Each room's quiet report past `counts` (its reports so far), all rooms at once. */
    const fallenQuiet = async (counts: number[]) => {
      for (const [i, r] of rooms.entries()) {
        const more = () => reports(r) > (counts[i] as number);
        await r.err.until(more, `${r.name}'s quiet report`, false, 30_000);
      }
    };
    // Measured from a room that has given back what starting took (loading the Redis
    // client leaves tens of MiB of garbage behind), as the members' memory is measured.
    if (waitQuiet) await fallenQuiet(rooms.map(() => 0));
    const [anon0, rss0] = [sum((p) => p.anonKiB()), sum((p) => p.rssKiB())];
    const reported = rooms.map(reports);
    const waker = new Waker();
    let greeted = 0;
    for (let joined = 0; joined < members; ) {
      // a few at a time, each named in its join: the accept queues never overflow
      for (let k = 0; k < 8 && joined < members; k++, joined++) {
        const port = ports[joined % ports.length] as number;
        const from = `127.0.0.${1 + (joined % 4)}`;
        const sock = connect({ host: "127.0.0.1", port, localAddress: from });
        sock.on("error", () => {});
        sock.once("data", () => {
          greeted += 1;
          waker.wake();
        });
        sock.write(`/nick i${joined}\n`);
        atReap(() => sock.destroy());
      }
      await waker.until(() => greeted === joined, 20_000, "greetings");
    }
    if (waitQuiet) await fallenQuiet(reported);
    const anon = sum((p) => p.anonKiB());
    return {
      servers,
      anon: (anon - anon0) / members,
      rss: (sum((p) => p.rssKiB()) - rss0) / members,
      emptyMiB: anon0 / 1024,
      fullMiB: anon / 1024,
    };
  } finally {
    await reapAll();
  }
}
