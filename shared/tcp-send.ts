/**
 * Python's `conn.send(msg.encode('utf-8'))` and `conn.close()` for a Node TCP socket,
 * each shown by `--trace`.
 *
 * `send` encodes the text as UTF-8 and hands the bytes to the kernel. When the peer
 * has already gone, nothing is sent and a note says so (Python raises
 * `BrokenPipeError`). When the peer has sent its FIN, it may have exited or only
 * half-closed: the answer goes out all the same, and a note then says what became of it,
 * as this machine's kernel sees it (Linux): acknowledged by the peer's kernel (it had
 * half-closed and can still read it), or refused with a reset (it had exited). `close`
 * sends FIN: our side of the conversation is over (after that note, if one is awaited).
 *
 * @module
 */
import type { Socket } from "node:net";
import { flush } from "./print.ts";
import { kernelState, socketTable } from "./socket-table.ts";
import { callSite, note, trace, tracing } from "./stderr.ts";
import { peerName as peer, peerSentFin } from "./tcp-recv.ts";

/**
 * The note for an empty line typed at a TCP prompt: it is zero bytes, so nothing would
 * go on the wire and both sides would wait for each other for ever.
 *
 * @example
 * ```ts
 * import { input } from "./input.ts";
 * import { NOTHING_TO_SEND } from "./tcp-send.ts";
 * const toServerMsg = await input("宝宝说:", { emptyNote: NOTHING_TO_SEND }); // never ""
 * ```
 */
export const NOTHING_TO_SEND =
  "(an empty line is zero bytes: TCP would send nothing. Type a message.)";

/**
 * Python's `conn.send(text.encode('utf-8'))`: send `text` as UTF-8 bytes on `conn` (Node
 * encodes it on the way to the kernel). When the peer has gone, nothing is sent, and a note
 * on stderr says so.
 *
 * @example
 * ```ts
 * import { once } from "node:events";
 * import { type AddressInfo, createServer, Socket } from "node:net";
 * import { connect } from "./tcp-connect.ts";
 * import { recv } from "./tcp-recv.ts";
 * import { close, send } from "./tcp-send.ts";
 * const echo = createServer((peer) => peer.pipe(peer)).listen(0, "127.0.0.1"); // a peer, for this example
 * await once(echo, "listening");
 * const client = new Socket();
 * await connect(client, { host: "127.0.0.1", port: (echo.address() as AddressInfo).port });
 * send(client, "hi baby"); // 7 bytes to the peer
 * console.log(await recv(client, 1024)); // hi baby, echoed
 * close(client);
 * echo.close();
 * ```
 */
export function send(conn: Socket, text: string): void {
  if (conn.writableEnded || conn.destroyed) {
    note(`(not sent: peer ${peer(conn)} has left)`);
    return;
  }
  if (tracing()) trace(`send ${Buffer.byteLength(text)} bytes to ${peer(conn)}`);
  conn.write(text, "utf8");
  if (peerSentFin(conn)) fates.set(conn, fate(conn, Buffer.byteLength(text)));
}

/** Answers sent after the peer's FIN, whose fate is not known yet: `close` waits for it. */
const fates = new WeakMap<Socket, Promise<void>>();

/** How long to wait for the peer's kernel to acknowledge or refuse an answer. */
const FATE_MS = 3000;

/**
 * Watch the kernel's table until the `bytes` just sent to a peer that sent FIN are
 * acknowledged (Send-Q 0: the peer's kernel took them) or the connection is gone (a reset:
 * the peer had exited), and say which. Off Linux there is no table: say what cannot be known.
 */
function fate(conn: Socket, bytes: number): Promise<void> {
  const who = peer(conn);
  const ends = { localPort: conn.localPort, remotePort: conn.remotePort };
  const until = Date.now() + FATE_MS;
  return new Promise((resolve) => {
    const check = () => {
      const table = socketTable("tcp");
      const row = table?.find(
        (s) => s.localPort === ends.localPort && s.remotePort === ends.remotePort,
      );
      let text: string | undefined;
      if (!table) {
        text = `(sent to ${who}, which will send no more: had it exited, its kernel answers with a reset, which cannot be seen from here)`;
      } else if (!row && kernelState(ends) === "CLOSED") {
        trace(`error ECONNRESET on ${who}: its kernel refused the ${bytes} bytes`, undefined);
        text = `(not delivered: ${who} had exited; its kernel refused the ${bytes} bytes with a reset)`;
      } else if (row?.sendQ === 0 && conn.writableLength === 0) {
        text = `(delivered: ${who} had only half-closed; its kernel acknowledged the ${bytes} bytes)`;
      } else if (Date.now() > until) {
        text = `(no word on the answer after ${FATE_MS / 1000} s: ${who}'s kernel has neither acknowledged nor refused it)`;
      }
      if (text === undefined) {
        setTimeout(check, 5);
        return;
      }
      note(text);
      resolve();
    };
    check();
  });
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
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { once } from "node:events";
 * import { type AddressInfo, connect, createServer } from "node:net";
 * import { close, send } from "./tcp-send.ts";
 * const server = createServer().listen(0, "127.0.0.1");
 * await once(server, "listening");
 * const client = connect((server.address() as AddressInfo).port, "127.0.0.1"); // a peer, for this example
 * const [conn] = await once(server, "connection");
 * send(conn, "byebye");
 * close(conn); // the 6 bytes, then FIN
 * client.setEncoding("utf8");
 * const [said] = await once(client, "data");
 * assert.equal(said, "byebye");
 * await once(client, "end"); // the FIN
 * server.close();
 * ```
 */
export function close(conn: Socket): void {
  const awaited = fates.get(conn);
  if (awaited) {
    fates.delete(conn);
    void awaited.then(() => close(conn)); // the answer's fate first, then the FIN
    return;
  }
  if (conn.destroyed) return;
  flush(); // what was printed before the close is on stdout before the FIN, as in Python
  const at = callSite();
  const shut = () => shutNow(conn, at);
  if (conn.writableLength > 0)
    conn.end(shut); // the last bytes, FIN by shutdown, then close(2)
  else shut();
}

/**
 * close(2) at once (after `close`, or as a signal ends the script: `why` says which), and
 * with `--trace` what went out: a FIN, and which side closed first; or nothing, when the
 * peer had reset the connection already (there is no connection left to send a FIN on).
 * `at` is the script's line that closed, for the trace.
 *
 * @example
 * ```ts
 * import { once } from "node:events";
 * import { type AddressInfo, connect, createServer } from "node:net";
 * import { closeOnExit } from "./signals.ts";
 * import { setTrace } from "./stderr.ts";
 * import { shutNow } from "./tcp-send.ts";
 * const server = createServer().listen(0, "127.0.0.1");
 * await once(server, "listening");
 * const client = connect((server.address() as AddressInfo).port, "127.0.0.1"); // a peer, for this example
 * const [conn] = await once(server, "connection");
 * closeOnExit(conn, (signal) => shutNow(conn, undefined, `${signal}: `)); // how Ctrl-C closes it
 * setTrace(true);
 * shutNow(conn); // stderr: [trace …] FIN to 127.0.0.1:54321: we close first (now FIN-WAIT-1)
 * client.destroy();
 * server.close();
 * ```
 */
export function shutNow(conn: Socket, at?: string, why = ""): void {
  const ends = { localPort: conn.localPort, remotePort: conn.remotePort };
  const before = tracing() ? kernelState(ends) : undefined;
  conn.destroy();
  const when = new Date(); // before the kernel's table is read, which takes a moment
  if (!tracing()) return;
  const who = peer(conn);
  if (before === "CLOSED")
    trace(`close ${who}: the peer had reset it, so no FIN goes out`, at, when);
  else trace(`FIN to ${who}: ${why}${closingOrder(kernelState(ends))}`, at, when);
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
