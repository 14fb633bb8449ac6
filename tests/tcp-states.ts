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

import { transcripts } from "../harness/procs.ts";
import { DEADLINE_MS } from "../harness/recorder.ts";
import { type KernelSocket, socketTable } from "../shared/socket-table.ts";

export type TcpSocket = KernelSocket;

/** Every TCP socket the kernel lists now (Linux). */
export function tcpSockets(): TcpSocket[] {
  return socketTable("tcp") ?? [];
}

/**
 * Wait (polling every 20 ms, up to the test deadline) until `done(sockets)` holds, or
 * `stop()` says there is no point waiting any more; returns whether `done` held. On the
 * deadline it throws, with the rows of the last read that `near` picks (all by default,
 * up to 20) and the transcripts of the test's processes.
 */
export async function waitForSockets(
  done: (sockets: TcpSocket[]) => boolean,
  what: string,
  stop: () => boolean = () => false,
  near: (socket: TcpSocket) => boolean = () => true,
): Promise<boolean> {
  const deadline = Date.now() + DEADLINE_MS;
  let sockets: TcpSocket[] = [];
  while (Date.now() < deadline) {
    sockets = tcpSockets();
    if (done(sockets)) return true;
    if (stop()) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const rows = sockets
    .filter(near)
    .slice(0, 20)
    .map((s) => JSON.stringify(s));
  throw new Error(
    `no ${what} after ${DEADLINE_MS} ms\n[the kernel's rows, last read]\n${rows.join("\n")}${transcripts()}`,
  );
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
  // on failure, every row with one of the ports named, at either end
  const ports = [where.localPort, where.remotePort];
  const near = (s: TcpSocket) => ports.includes(s.localPort) || ports.includes(s.remotePort);
  return waitForSockets(
    (all) => all.some(matches),
    `TCP socket ${JSON.stringify(where)} in ${state}`,
    stop,
    near,
  );
}
