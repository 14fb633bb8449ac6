/**
 * Python's `conn.send(msg.encode('utf-8'))` and `conn.close()` for a Node TCP socket,
 * each shown by `--trace`.
 *
 * `send` encodes the text as UTF-8 and hands the bytes to the kernel. When the peer
 * has already gone, nothing is sent and a note says so (Python raises
 * `BrokenPipeError`). `close` sends FIN: our side of the conversation is over.
 *
 * @example
 * ```ts
 * import { close, send } from "./tcp-send.ts";
 * send(conn, "hi baby"); // 7 bytes to the peer
 * close(conn); // FIN
 * ```
 * @module
 */
import type { Socket } from "node:net";
import { flush } from "./print.ts";
import { kernelState } from "./socket-table.ts";
import { callSite, note, trace, tracing } from "./stderr.ts";
import { peerName as peer } from "./tcp-recv.ts";

/**
 * The note for an empty line typed at a TCP prompt: it is zero bytes, so nothing would
 * go on the wire and both sides would wait for each other for ever.
 */
export const NOTHING_TO_SEND =
  "(an empty line is zero bytes: TCP would send nothing. Type a message.)";

/** Send `text` as UTF-8 bytes on `conn` (Node encodes it on the way to the kernel). */
export function send(conn: Socket, text: string): void {
  if (conn.writableEnded || conn.destroyed) {
    note(`(not sent: peer ${peer(conn)} has left)`);
    return;
  }
  if (tracing()) trace(`send ${Buffer.byteLength(text)} bytes to ${peer(conn)}`);
  conn.write(text, "utf8");
}

/**
 * Python's `conn.close()`: close(2). The kernel sends what is queued, then FIN, and the
 * socket is gone: nothing more is read from it (bytes that still arrive draw a reset, as
 * for Python). Node's `socket.destroy()` is that call; `socket.end()` would be
 * shutdown(SHUT_WR), a half-close that keeps reading. A write Node itself still holds
 * (a long message the kernel could not take at once) goes out first.
 *
 * With `--trace`, one line once the FIN has gone, and the kernel's state of the
 * connection then tells which side closed first.
 */
export function close(conn: Socket): void {
  if (conn.destroyed) return;
  flush(); // what was printed before the close is on stdout before the FIN, as in Python
  const ends = { localPort: conn.localPort, remotePort: conn.remotePort };
  const who = peer(conn);
  const at = callSite();
  const shut = () => {
    conn.destroy();
    const when = new Date(); // before the kernel's table is read, which takes a moment
    if (tracing()) trace(`FIN to ${who}: ${closingOrder(kernelState(ends))}`, at, when);
  };
  if (conn.writableLength > 0)
    conn.end(shut); // the last bytes, FIN by shutdown, then close(2)
  else shut();
}

/** Which side closed first, from the kernel's state just after our close (Linux; elsewhere unknown). */
function closingOrder(state: string | undefined): string {
  if (state === "FIN-WAIT-1" || state === "FIN-WAIT-2") return `we close first (now ${state})`;
  if (state === "TIME-WAIT") {
    return "we close first; the peer's FIN followed at once (now TIME-WAIT)";
  }
  if (state === "CLOSING") return "both sides sent a FIN at once (now CLOSING)";
  if (state === "LAST-ACK" || state === "CLOSED") {
    return `we close second: the peer's FIN had come first (now ${state})`;
  }
  return "our side is closed";
}
