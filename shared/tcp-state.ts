/**
 * The kernel's own name for the state of a TCP connection right now, as `ss` shows it
 * (ESTABLISHED, CLOSE-WAIT, FIN-WAIT-2, TIME-WAIT, …), read from `/proc/net/tcp` and
 * `/proc/net/tcp6` on Linux; `undefined` elsewhere. Only `--trace` asks for it, so a
 * trace can say truthfully which side closed first.
 *
 * @example
 * ```ts
 * import { kernelState } from "./tcp-state.ts";
 * kernelState(conn); // "CLOSE-WAIT": the peer's FIN has arrived, ours has not been sent
 * ```
 * @module
 */
import { readFileSync } from "node:fs";
import type { Socket } from "node:net";

/** Linux's numbering of TCP states (include/net/tcp_states.h), in the words of RFC 9293 and ss. */
const STATES = [
  "",
  "ESTABLISHED",
  "SYN-SENT",
  "SYN-RECEIVED",
  "FIN-WAIT-1",
  "FIN-WAIT-2",
  "TIME-WAIT",
  "CLOSED",
  "CLOSE-WAIT",
  "LAST-ACK",
  "LISTEN",
  "CLOSING",
];

const hex = (port: number | undefined) => (port ?? 0).toString(16).toUpperCase().padStart(4, "0");

export function kernelState(sock: Socket): string | undefined {
  const local = `:${hex(sock.localPort)} `;
  const remote = `:${hex(sock.remotePort)} `;
  let linux = false;
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let table: string;
    try {
      table = readFileSync(file, "latin1");
      linux = true;
    } catch {
      continue; // not Linux, or no IPv6
    }
    for (const row of table.split("\n")) {
      // "  0: 0100007F:1F41 0100007F:A3C2 08 ..." : local, remote, state
      const [, from = "", to = "", state = ""] = row.trim().split(/\s+/);
      if (`${from} `.endsWith(local) && `${to} `.endsWith(remote)) {
        return STATES[Number.parseInt(state, 16)];
      }
    }
  }
  return linux ? "CLOSED" : undefined; // gone from the table: nothing is left of it
}
