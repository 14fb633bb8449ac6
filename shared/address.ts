/**
 * A peer's address that prints the way Python prints the tuple `recvfrom` returns:
 * `('127.0.0.1', 8002)`, and `('::1', 8002, 0, 0)` for IPv6. `hostPort` gives the
 * `127.0.0.1:8002` form used in notes.
 *
 * @example
 * ```ts
 * import { Address } from "./address.ts";
 * String(new Address("127.0.0.1", 8002)); // "('127.0.0.1', 8002)"
 * ```
 * @module
 */
import { hostPort } from "./host-port.ts";

export class Address {
  readonly host: string;
  readonly port: number;

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
