/**
 * Where a socket listens or connects, and that address written the way people and `nc`
 * read it.
 *
 * @module
 */

/**
 * Where to listen or connect, like Python's `ip_port` tuple.
 *
 * @example
 * ```ts
 * import type { IpPort } from "./host-port.ts";
 * const ipPort: IpPort = { host: "127.0.0.1", port: 8001 }; // ip_port = ('127.0.0.1', 8001)
 * console.log(`${ipPort.host}:${ipPort.port}`);
 * ```
 */
export interface IpPort {
  /** An IP address or a host name: `127.0.0.1`, `::1`, `localhost`. */
  host: string;
  /** The port; 0 to listen on any free one. */
  port: number;
}

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
