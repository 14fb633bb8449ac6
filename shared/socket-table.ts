/**
 * The kernel's own table of sockets, as `ss` shows it, read from `/proc/net/tcp`,
 * `/proc/net/udp` (and their `6` twins) on Linux; `undefined` elsewhere. Each row has
 * both ends, the state in the words of RFC 9293 and `ss` (ESTABLISHED, CLOSE-WAIT,
 * FIN-WAIT-2, TIME-WAIT, …), and the two queues: for a connection, the bytes received
 * and not yet read (Recv-Q) and sent and not yet acknowledged (Send-Q); for a listening
 * socket, Recv-Q is how many finished connections wait for `accept()`.
 *
 * `--trace` reads it to say truthfully which side closed first; the tests and the
 * benchmarks read it to see what the kernel sees.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import type { Socket } from "node:net";

/** Linux's numbering of TCP states (include/net/tcp_states.h); an unconnected UDP socket is CLOSED. */
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

/**
 * One row of the kernel's table.
 *
 * @example
 * ```ts
 * import { type KernelSocket, socketTable } from "./socket-table.ts";
 * const rows: KernelSocket[] = socketTable("udp") ?? []; // none off Linux
 * for (const s of rows) if (s.drops > 0) console.log(`port ${s.localPort} dropped ${s.drops}`);
 * ```
 */
export interface KernelSocket {
  /** Our end's port. */
  localPort: number;
  /** The peer's port; 0 for a listening or an unconnected socket. */
  remotePort: number;
  /** The state as `ss` names it: `LISTEN`, `ESTABLISHED`, `TIME-WAIT`, …; `CLOSED` for UDP. */
  state: string;
  /** Bytes received and not read yet; for a listening socket, connections waiting for accept. */
  recvQ: number;
  /** Bytes sent and not acknowledged yet. */
  sendQ: number;
  /** Seconds left on the socket's timer (TIME-WAIT's, a retransmission's), if one runs. */
  timer: number | undefined;
  /** UDP: datagrams the kernel dropped because the socket's receive buffer was full. */
  drops: number;
}

/**
 * Every socket of `kind` the kernel lists now, or `undefined` where there is no /proc/net.
 *
 * @example
 * ```ts
 * import { once } from "node:events";
 * import { type AddressInfo, createServer } from "node:net";
 * import { socketTable } from "./socket-table.ts";
 * const server = createServer().listen({ host: "127.0.0.1", port: 0, backlog: 3 });
 * await once(server, "listening");
 * const { port } = server.address() as AddressInfo;
 * console.log(socketTable("tcp")?.find((s) => s.localPort === port)); // { …, state: "LISTEN", recvQ: 0, … }
 * server.close();
 * ```
 */
export function socketTable(kind: "tcp" | "udp"): KernelSocket[] | undefined {
  let found = false;
  const rows: KernelSocket[] = [];
  for (const file of [`/proc/net/${kind}`, `/proc/net/${kind}6`]) {
    let table: string;
    try {
      table = readFileSync(file, "latin1");
      found = true;
    } catch {
      continue; // not Linux, or no IPv6
    }
    // "  0: 0100007F:1F41 0100007F:A3C2 01 00000000:00000006 03:0000175B ...": ends, state,
    // queues, timer (ticks of 1/100 s); a UDP row ends with the datagrams it dropped
    for (const line of table.trim().split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [, local = "", remote = "", state = "", queues = "", timers = ""] = fields;
      const [sendQ = "0", recvQ = "0"] = queues.split(":");
      const [timerKind = "00", left = "0"] = timers.split(":");
      rows.push({
        localPort: Number.parseInt(local.split(":").at(-1) ?? "0", 16),
        remotePort: Number.parseInt(remote.split(":").at(-1) ?? "0", 16),
        state: STATES[Number.parseInt(state, 16)] ?? "?",
        recvQ: Number.parseInt(recvQ, 16),
        sendQ: Number.parseInt(sendQ, 16),
        timer: timerKind === "00" ? undefined : Number.parseInt(left, 16) / 100,
        drops: kind === "udp" ? Number(fields.at(-1)) : 0,
      });
    }
  }
  return found ? rows : undefined;
}

/**
 * The state of a connection now, by its two ports (a socket, or the ports it had before it
 * was closed); CLOSED once it is gone from the table; `undefined` off Linux.
 *
 * @example
 * ```ts
 * import { once } from "node:events";
 * import { type AddressInfo, connect, createServer } from "node:net";
 * import { kernelState } from "./socket-table.ts";
 * const server = createServer((conn) => conn.destroy()).listen(0, "127.0.0.1"); // closes at once
 * await once(server, "listening");
 * const { port } = server.address() as AddressInfo;
 * const client = connect({ host: "127.0.0.1", port, allowHalfOpen: true });
 * await once(client, "end"); // the server's FIN has come
 * console.log(kernelState(client)); // "CLOSE-WAIT": the peer's FIN has arrived, ours is not sent
 * client.destroy();
 * server.close();
 * ```
 */
export function kernelState(ends: Pick<Socket, "localPort" | "remotePort">): string | undefined {
  // The kernel writes its table a piece at a time, so a busy machine's sockets can move
  // between two pieces and one read can miss a row: only a row missing twice is gone.
  for (let read = 0; read < 2; read++) {
    const table = socketTable("tcp");
    if (!table) return undefined;
    const row = table.find(
      (s) => s.localPort === ends.localPort && s.remotePort === ends.remotePort,
    );
    if (row) return row.state;
  }
  return "CLOSED";
}
