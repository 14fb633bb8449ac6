/**
 * An address written the way people and `nc` read it.
 *
 * @module
 */

/**
 * Write an address the way people and `nc` read it: `127.0.0.1:8001`, and
 * `[::1]:8001` for IPv6, where the brackets keep the port apart from the colons.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hostPort } from "./host-port.ts";
 * assert.equal(hostPort("127.0.0.1", 8001), "127.0.0.1:8001");
 * assert.equal(hostPort("::1", 8002), "[::1]:8002");
 * ```
 */
export function hostPort(host: string, port: number | undefined): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}
