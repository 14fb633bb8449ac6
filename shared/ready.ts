/**
 * The ready line a server prints on stderr once the kernel listens, with the real port
 * (useful with `--port 0`), and a warning when the address can be reached from other
 * machines. TCP and UDP servers say it the same way.
 *
 * @module
 */
import { hostPort } from "./host-port.ts";
import { note } from "./stderr.ts";

/**
 * Whether `host` can be reached only from this machine: a loopback address, IPv4 or IPv6.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isLoopback } from "./ready.ts";
 * assert.equal(isLoopback("127.0.0.1"), true);
 * assert.equal(isLoopback("::1"), true);
 * assert.equal(isLoopback("0.0.0.0"), false); // every address of the machine
 * ```
 */
export function isLoopback(host: string): boolean {
  return host === "::1" || host.startsWith("127.") || host.startsWith("::ffff:127.");
}

/**
 * Print `listening on HOST:PORT (tcp|udp)` on stderr, and a note if it is not loopback.
 *
 * @example
 * ```ts
 * import { announceListening } from "./ready.ts";
 * announceListening("127.0.0.1", 8001, "tcp"); // stderr: listening on 127.0.0.1:8001 (tcp)
 * announceListening("0.0.0.0", 8002, "udp"); // and: note: 0.0.0.0 is reachable from the network
 * ```
 */
export function announceListening(address: string, port: number, kind: "tcp" | "udp"): void {
  note(`listening on ${hostPort(address, port)} (${kind})`);
  if (!isLoopback(address)) note(`note: ${address} is reachable from the network`);
}
