/**
 * The kernel's view of TCP connections on this machine, read from `/proc/net/tcp` and
 * `/proc/net/tcp6` (Linux): a test can see that a peer received our FIN (its socket is
 * in CLOSE_WAIT) even when the peer program keeps running.
 *
 * @example
 * ```ts
 * await waitForState({ remotePort: 8001 }, "CLOSE_WAIT"); // the client got the server's FIN
 * ```
 * @module
 */
import { readFileSync } from "node:fs";
import { DEADLINE_MS } from "../harness/recorder.ts";

/** Linux's numbering of TCP states (include/net/tcp_states.h). */
const STATES = [
  "",
  "ESTABLISHED",
  "SYN_SENT",
  "SYN_RECV",
  "FIN_WAIT1",
  "FIN_WAIT2",
  "TIME_WAIT",
  "CLOSE",
  "CLOSE_WAIT",
  "LAST_ACK",
  "LISTEN",
  "CLOSING",
];

export interface TcpSocket {
  localPort: number;
  remotePort: number;
  state: string;
}

/** Every TCP socket the kernel lists now. */
export function tcpSockets(): TcpSocket[] {
  const rows: TcpSocket[] = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue; // no IPv6 on this machine
    }
    for (const line of text.trim().split("\n").slice(1)) {
      const [, local, remote, state] = line.trim().split(/\s+/);
      rows.push({
        localPort: Number.parseInt(local?.split(":")[1] ?? "0", 16),
        remotePort: Number.parseInt(remote?.split(":")[1] ?? "0", 16),
        state: STATES[Number.parseInt(state ?? "0", 16)] ?? "?",
      });
    }
  }
  return rows;
}

/**
 * Wait (polling every 20 ms, up to the test deadline) until `done(sockets)` holds, or
 * `stop()` says there is no point waiting any more; returns whether `done` held.
 */
export async function waitForSockets(
  done: (sockets: TcpSocket[]) => boolean,
  what: string,
  stop: () => boolean = () => false,
): Promise<boolean> {
  const deadline = Date.now() + DEADLINE_MS;
  while (Date.now() < deadline) {
    if (done(tcpSockets())) return true;
    if (stop()) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no ${what} after ${DEADLINE_MS} ms`);
}

/** Wait until a socket matching `where` is in `state` (see {@linkcode waitForSockets}). */
export function waitForState(
  where: Partial<Pick<TcpSocket, "localPort" | "remotePort">>,
  state: string,
  stop?: () => boolean,
): Promise<boolean> {
  const matches = (s: TcpSocket) =>
    s.state === state &&
    (where.localPort === undefined || s.localPort === where.localPort) &&
    (where.remotePort === undefined || s.remotePort === where.remotePort);
  return waitForSockets(
    (all) => all.some(matches),
    `TCP socket ${JSON.stringify(where)} in ${state}`,
    stop,
  );
}
