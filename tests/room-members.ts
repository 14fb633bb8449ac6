/**
 * Members of the chat room for the room's tests: the room started on a free port, raw
 * members that join by name (the name in the join itself, as room-client --nick does),
 * and a way to wait for many sockets at once.
 *
 * @example
 * ```ts
 * const { proc, port } = await room(["--rate", "1000"]);
 * const alice = await joinAs(port, "alice");
 * alice.sock.write("hi\n");
 * ```
 * @module
 */

import { startServer } from "../harness/procs.ts";
import { type RawConn, rawTcpClient } from "./peers.ts";

/** Start tcp/room-server.ts on a free port with `args`. */
export function room(args: string[] = []) {
  return startServer("tcp/room-server.ts", args, "room");
}

/** A raw member that names itself as it joins (from the address `from`), once the room has welcomed it. */
export async function joinAs(port: number, name: string, from?: string): Promise<RawConn> {
  const conn = await rawTcpClient(port, name, from);
  conn.sock.write(`/nick ${name}\n`);
  await conn.got.waitFor(`* welcome, ${name}. `);
  return conn;
}

/** A raw member that says nothing: the room names it userN after its short wait. */
export async function member(port: number, name: string, from?: string): Promise<RawConn> {
  const conn = await rawTcpClient(port, name, from);
  await conn.got.waitFor("* welcome, ");
  return conn;
}

/** The `i`th of `n` loopback addresses, 127.0.0.1 to 127.0.0.n: members from `n` machines. */
export const machine = (i: number, n = 4) => `127.0.0.${1 + (i % n)}`;

/** The `p`th percentile of `values` (sorted here). */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
