/**
 * The kernel's view of TCP connections on this machine, read from `/proc/net/tcp` and
 * `/proc/net/tcp6` (Linux): a test can see that a peer received our FIN (its socket is
 * in CLOSE-WAIT) even when the peer program keeps running.
 *
 * @example
 * ```ts
 * await waitForState({ remotePort: 8001 }, "CLOSE-WAIT"); // the client got the server's FIN
 * ```
 * @module
 */

import { DEADLINE_MS } from "../harness/recorder.ts";
import { type KernelSocket, socketTable } from "../shared/socket-table.ts";

export type TcpSocket = KernelSocket;

/** Every TCP socket the kernel lists now (Linux). */
export function tcpSockets(): TcpSocket[] {
  return socketTable("tcp") ?? [];
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
