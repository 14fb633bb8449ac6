/**
 * A room of many servers for the tests: a throwaway redis-server (Debian's, on a free port,
 * persistence off, reaped with the test's other processes) and room servers started with
 * `--redis` to it; a way to ask that Redis something; and the rule for a test file that
 * needs redis-server where it is missing (skipped, saying why; under CI, a failure).
 *
 * @example
 * ```ts
 * const { redis, rooms } = await cluster(3);
 * const alice = await joinAs(rooms[0].port, "alice");
 * await redis.ask(["CLIENT", "LIST"]);
 * ```
 * @module
 */
import { once } from "node:events";
import { readdirSync } from "node:fs";
import { connect } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { freePort } from "../harness/ports.ts";
import { atReap, DEADLINE_MS, type Proc, spawnProgram } from "../harness/procs.ts";
import {
  REDIS_MISSING,
  REDIS_READY,
  redisServerArgs,
  redisServerPath,
} from "../tcp/room/redis-server.ts";
import { joinAs, machine, room } from "./room-members.ts";

/** Whether redis-server is installed here. */
export const HAVE_REDIS = redisServerPath() !== undefined;

/**
 * `test` when redis-server is installed; otherwise `test.skip` (counted as skipped), after
 * one line saying why for the file `what`. Under CI, where .ci/run installs it, a missing
 * redis-server is a failure instead.
 */
export function redisTests(what: string): typeof test {
  if (HAVE_REDIS) return test;
  if (process.env.CI === "true") {
    test("CI has redis-server", () => assert.unreachable(REDIS_MISSING));
  } else console.log(`${what} skipped: ${REDIS_MISSING}`);
  return test.skip as unknown as typeof test;
}

/** A running redis-server of the test's own. */
export interface Redis {
  proc: Proc;
  port: number;
  url: string;
  /** Send one command; its reply, decoded as RESP2 (bulk strings, integers, arrays). */
  ask(command: string[]): Promise<unknown>;
}

/** Start redis-server on a free port (or on `port`, to bring one back where it was). */
export async function redisServer(port?: number): Promise<Redis> {
  for (let tries = 0; ; tries++) {
    const at = port ?? (await freePort());
    const proc = spawnProgram(`redis-server :${at}`, [
      redisServerPath() as string,
      ...redisServerArgs(at),
    ]);
    await proc.out.until(
      () => proc.stdout.includes(REDIS_READY) || proc.out.closed !== undefined,
      "redis-server to take connections",
      true,
    );
    if (proc.stdout.includes(REDIS_READY)) {
      return { proc, port: at, url: `redis://127.0.0.1:${at}`, ask: (c) => ask(at, c) };
    }
    // the free port was taken meanwhile: another one (a port given must be free)
    if (port !== undefined || tries === 3) throw new Error(proc.transcript());
  }
}

/** `n` room servers on free ports, one room through `redis`, each with `extra` flags. */
export async function roomsOn(redis: Redis, n: number, extra: string[] = []) {
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      room(["--redis", redis.url, ...extra]).then((r) => ({ ...r, i })),
    ),
  );
}

/**
 * The port of a server started through make (a build, perhaps an install first: seconds on
 * a loaded machine), read from its ready line, with a deadline three times the usual one.
 */
export async function listening(proc: Proc): Promise<number> {
  const ready = /listening on \S+:(\d+) \(tcp\)\n/;
  await proc.err.until(
    () => ready.test(proc.stderr),
    `${proc.name} to listen`,
    false,
    3 * DEADLINE_MS,
  );
  return Number(ready.exec(proc.stderr)?.[1]);
}

/** One room server of `roomsOn`. */
type ClusterRoom = Awaited<ReturnType<typeof roomsOn>>[number];
/** `N` of them, as a tuple, so that `const [r0, r1] = rooms` needs no cast. */
type Rooms<N extends number, T extends ClusterRoom[] = []> = number extends N
  ? ClusterRoom[]
  : T["length"] extends N
    ? T
    : Rooms<N, [...T, ClusterRoom]>;

/** A Redis and `n` room servers holding one room through it. */
export async function cluster<N extends number>(
  n: N,
  extra: string[] = [],
): Promise<{ redis: Redis; rooms: Rooms<N> }> {
  const redis = await redisServer();
  return { redis, rooms: (await roomsOn(redis, n, extra)) as Rooms<N> };
}

/** A room server of a cluster: its process and port. */
type RoomServer = Awaited<ReturnType<typeof room>>;

/** Descriptors process `pid` holds open now (sockets among them). */
const descriptors = (pid: number | undefined) => readdirSync(`/proc/${pid}/fd`).length;

/**
 * `count` members join and leave, spread over `rooms` (8 at a time, each named in its join,
 * each gone before the next batch), while one member of each server listens. Then nothing
 * may be left: each listener hears every departure and /who lists the listeners alone; Redis
 * holds the listeners alone and one connection for each server; each server holds as many
 * descriptors as before. Returns a line of what it measured.
 */
export async function churn(redis: Redis, rooms: RoomServer[], count: number): Promise<string> {
  const listeners = [];
  for (const [i, r] of rooms.entries())
    listeners.push(await joinAs(r.port, `listener${i}`, machine(i)));
  for (const l of listeners.slice(0, -1))
    await l.got.waitFor(`* listener${rooms.length - 1} joined`);
  const before = rooms.map((r) => descriptors(r.proc.child.pid));
  const anonBefore = rooms.map((r) => r.proc.anonKiB());
  const started = performance.now();
  for (let done = 0; done < count; done += 8) {
    const batch = Array.from({ length: Math.min(8, count - done) }, (_, k) => done + k);
    await Promise.all(
      batch.map(async (n) => {
        const r = rooms[n % rooms.length] as RoomServer;
        const conn = await joinAs(r.port, `c${n}`, machine(n));
        conn.sock.end();
        await conn.got.waitClosed();
        conn.sock.destroy();
      }),
    );
  }
  const ms = performance.now() - started;
  for (const l of listeners) await l.got.waitFor(/\* c\d+ left\n/, count);
  const last = listeners[0] as (typeof listeners)[0];
  last.sock.write("/who\n");
  await last.got.waitFor(`* ${rooms.length} here: `);
  const members = (await redis.ask(["KEYS", "room:members:*"])) as string[];
  assert.is(members.length, rooms.length, "one presence hash for each server");
  for (const key of members)
    assert.is(await redis.ask(["HLEN", key]), 2, `${key}: its listener alone`);
  const clients = String(await redis.ask(["CLIENT", "LIST"]))
    .trim()
    .split("\n");
  // each server's one connection, subscribed to its two channels, and the one asking
  assert.is(clients.filter((c) => / sub=2 /.test(c)).length, rooms.length, clients.join("\n"));
  assert.is(clients.length, rooms.length + 1, clients.join("\n"));
  const after = rooms.map((r) => descriptors(r.proc.child.pid));
  after.forEach((n, i) => {
    assert.ok(n <= (before[i] as number) + 1, `server ${i}: ${before[i]} descriptors, then ${n}`);
  });
  const grown = rooms.map((r, i) => (r.proc.anonKiB() - (anonBefore[i] as number)) / 1024);
  return (
    `${count} joins and leaves over ${rooms.length} servers in ${(ms / 1000).toFixed(1)} s; ` +
    `descriptors ${before.join("/")} before, ${after.join("/")} after; Redis clients ${clients.length}; ` +
    `private memory grown ${grown.map((g) => g.toFixed(1)).join("/")} MiB (before any quiet collection)`
  );
}

/** One command to Redis at `port` on a connection of its own, in RESP2; the reply. */
async function ask(port: number, command: string[]): Promise<unknown> {
  const sock = connect({ host: "127.0.0.1", port });
  atReap(() => sock.destroy());
  const request = [
    `*${command.length}`,
    ...command.flatMap((c) => [`$${Buffer.byteLength(c)}`, c]),
  ];
  // QUIT after it: Redis answers both, then closes (a FIN from us could close it first)
  sock.write(`${request.join("\r\n")}\r\n*1\r\n$4\r\nQUIT\r\n`);
  const chunks: Buffer[] = [];
  sock.on("data", (b: Buffer) => chunks.push(b));
  await once(sock, "close");
  return parse(Buffer.concat(chunks), { at: 0 });
}

/** A RESP2 reply, from `pos.at` on. */
function parse(bytes: Buffer, pos: { at: number }): unknown {
  const end = bytes.indexOf("\r\n", pos.at);
  const head = bytes.toString("utf8", pos.at, end);
  pos.at = end + 2;
  const n = Number(head.slice(1));
  switch (head[0]) {
    case "+":
      return head.slice(1);
    case "-":
      throw new Error(head.slice(1));
    case ":":
      return n;
    case "$": {
      if (n < 0) return null;
      const text = bytes.toString("utf8", pos.at, pos.at + n);
      pos.at += n + 2;
      return text;
    }
    case "*":
      return n < 0 ? null : Array.from({ length: n }, () => parse(bytes, pos));
    default:
      throw new Error(`not RESP: ${head}`);
  }
}
