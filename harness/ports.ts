/**
 * A TCP port that was free a moment ago on 127.0.0.1, for programs that cannot be given
 * port 0 and report the real one (ncat, the article's Python programs). Prefer port 0
 * wherever the program prints where it listens.
 *
 * `isBound(port, "tcp")` tells, from the kernel's tables, whether something listens on a
 * port without connecting to it (a probe connection would be a client to a server that
 * serves one client at a time).
 *
 * @example
 * ```ts
 * import { freePort, isBound } from "./ports.ts";
 * const port = await freePort(); // e.g. 40321
 * isBound(port, "tcp"); // false until a server listens there
 * ```
 * @module
 */
import { createSocket } from "node:dgram";
import { once } from "node:events";
import { createServer } from "node:net";
import { socketTable } from "../shared/socket-table.ts";

/** Whether a TCP socket listens, or a UDP socket is bound, on `port` (Linux: /proc/net). */
export function isBound(port: number, kind: "tcp" | "udp"): boolean {
  const waiting = kind === "tcp" ? "LISTEN" : "CLOSED"; // an unconnected UDP socket shows CLOSE
  return (socketTable(kind) ?? []).some((s) => s.localPort === port && s.state === waiting);
}

/** A UDP port that was free a moment ago on 127.0.0.1: nothing is bound there now. */
export async function freeUdpPort(): Promise<number> {
  const probe = createSocket("udp4");
  probe.bind(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export async function freePort(): Promise<number> {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
