/**
 * A peer's address that prints the way Python prints the tuple `recvfrom` returns.
 *
 * @module
 */
import { hostPort } from "./host-port.ts";

/**
 * A peer's address that prints the way Python prints the tuple `recvfrom` returns:
 * `('127.0.0.1', 8002)`, and `('::1', 8002, 0, 0)` for IPv6. `hostPort` gives the
 * `127.0.0.1:8002` form used in notes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Address } from "./address.ts";
 * const clientAddr = new Address("127.0.0.1", 8002);
 * assert.equal(String(clientAddr), "('127.0.0.1', 8002)"); // print(client_addr)
 * assert.equal(String(new Address("::1", 8002)), "('::1', 8002, 0, 0)");
 * assert.equal(clientAddr.hostPort, "127.0.0.1:8002");
 * ```
 */
export class Address {
  /** The IP address, as Node reports it: `127.0.0.1`, `::1`. */
  readonly host: string;
  /** The port number. */
  readonly port: number;

  /** The address of `port` on `host`. */
  constructor(host: string, port: number) {
    this.host = host;
    this.port = port;
  }

  /** The address as Python's `print` shows the tuple. */
  toString(): string {
    return this.host.includes(":")
      ? `('${this.host}', ${this.port}, 0, 0)`
      : `('${this.host}', ${this.port})`;
  }

  /** The address as `host:port`, with brackets around an IPv6 host. */
  get hostPort(): string {
    return hostPort(this.host, this.port);
  }
}
