/**
 * Write an address the way people and `nc` read it: `127.0.0.1:8001`, and
 * `[::1]:8001` for IPv6, where the brackets keep the port apart from the colons.
 *
 * @example
 * ```ts
 * import { hostPort } from "./host-port.ts";
 * hostPort("::1", 8002); // "[::1]:8002"
 * ```
 * @module
 */
export function hostPort(host: string, port: number | undefined): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}
