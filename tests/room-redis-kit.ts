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
import { connect } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { freePort } from "../harness/ports.ts";
import { atReap, type Proc, spawnProgram } from "../harness/procs.ts";
import {
  REDIS_MISSING,
  REDIS_READY,
  redisServerArgs,
  redisServerPath,
} from "../tcp/room/redis-server.ts";
import { room } from "./room-members.ts";

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

/** A Redis and `n` room servers holding one room through it. */
export async function cluster(n: number, extra: string[] = []) {
  const redis = await redisServer();
  return { redis, rooms: await roomsOn(redis, n, extra) };
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
