/**
 * Python's `conn.recv(1024)` followed by `.decode('utf-8')`, for a Node TCP socket.
 *
 * Node pushes data as it arrives; the article pulls at most 1024 bytes at a time. So
 * each socket gets a small buffer: `recv(conn, 1024)` waits until bytes are there and
 * takes at most 1024 of them, exactly what one `recv` call would have returned. What
 * arrived together comes out together: TCP keeps no message boundaries.
 *
 * Decoding goes through one streaming `TextDecoder` per connection, so a character
 * split across two reads comes out whole in the second, and bytes that are not UTF-8
 * show as U+FFFD instead of raising `UnicodeDecodeError`. A read that decodes to
 * nothing (only part of a character came) is not a message: `recv` keeps reading.
 *
 * `recv` returns `null` where Python's returns `b''`: the peer closed its side (FIN) or
 * reset the connection, and nothing unread is left. A FIN says only that the peer will
 * send no more: a peer that exits sends one, and so does one that half-closes
 * (`shutdown(SHUT_WR)`, `nc -N`) and goes on reading. TCP cannot tell the two apart until
 * we send, so the note says just that (once all the peer sent before has been read), and
 * an answer typed then is still sent, as TCP and Python send it; `send` then shows its
 * fate (tcp-send.ts). `peerDone(conn)` is an {@linkcode AbortSignal} that fires when the
 * peer can no longer read (it reset the connection), so a prompt can stop waiting for an
 * answer nobody will read.
 *
 * @module
 */
import type { Socket } from "node:net";
import { hostPort } from "./host-port.ts";
import { closedNormally } from "./signals.ts";
import { tcpSilence } from "./silence.ts";
import { kernelState, socketTable } from "./socket-table.ts";
import { callSite, note, trace, tracing } from "./stderr.ts";

/** Decode a chunk that may end inside a character: the rest comes with the next one. */
const STREAM = { stream: true } as const;

/** Stop reading from the kernel while this much waits unread (the kernel buffers the rest). */
const HIGH_WATER = 64 * 1024;

class Incoming {
  readonly #sock: Socket;
  readonly #peer: string;
  readonly #decoder = new TextDecoder("utf-8");
  readonly #gone = new AbortController();
  #chunks: Buffer[] = [];
  #size = 0;
  /** The peer's FIN has come: it sends no more (it may still read). */
  #finished = false;
  /** Whether our side had closed first (after `byebye`): then the peer's FIN is no news. */
  #weClosedFirst = false;
  /** Whether the half-close has been told (once all the peer sent before it was read). */
  #toldHalfClose = false;
  /** The `recv` waiting for bytes: what it may take, and where its answer goes. */
  #reader: { bufsize: number; answer: (text: string | null) => void; at?: string } | undefined;
  /** Whether anything has come from the peer yet: the hint is for the first answer only. */
  #heardAny = false;

  constructor(sock: Socket) {
    this.#sock = sock;
    this.#peer = hostPort(sock.remoteAddress ?? "?", sock.remotePort);
    sock.on("data", (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#size += chunk.length;
      if (this.#size > HIGH_WATER) sock.pause(); // the kernel holds the rest, as for Python
      this.#serve();
    });
    sock.on("end", () => {
      if (tracing()) {
        const when = new Date(); // before the kernel's table is read, which takes a moment
        const order = finOrder(sock.writableFinished, kernelState(sock));
        trace(`FIN from ${this.#peer}: ${order}`, undefined, when);
      }
      this.#weClosedFirst = sock.writableEnded;
      this.#finished = true;
      this.#serve();
      this.#tellHalfClose();
    });
    sock.on("error", (err: NodeJS.ErrnoException) => {
      trace(`error ${err.code} on ${this.#peer}`);
      this.#leave();
    });
    sock.on("close", () => {
      trace(`close ${this.#peer}`);
      closedNormally(sock);
      this.#finished = true;
      this.#serve();
    });
  }

  get peer(): string {
    return this.#peer;
  }

  get gone(): AbortSignal {
    return this.#gone.signal;
  }

  recv(bufsize: number, hintAfter?: number): Promise<string | null> {
    if (this.#sock.isPaused() && !this.#finished) this.#sock.resume(); // accepted, or drained below the mark
    const timer =
      hintAfter === undefined || this.#heardAny ? undefined : this.#hintLater(hintAfter);
    return new Promise((resolve) => {
      this.#reader = {
        bufsize,
        answer: (text) => {
          clearTimeout(timer);
          resolve(text);
        },
        at: callSite(), // the script's line, for --trace: the bytes may come later
      };
      this.#serve();
    });
  }

  /** After `after` seconds of silence before the first reply, a note on what it means. */
  #hintLater(after: number): ReturnType<typeof setTimeout> {
    return setTimeout(() => {
      const ends = { local: this.#sock.localPort ?? 0, server: this.#sock.remotePort ?? 0 };
      note(
        tcpSilence({ ...ends, host: this.#sock.remoteAddress ?? "" }, after, socketTable("tcp"))
          .text,
      );
    }, after * 1000);
  }

  /**
   * Answer the waiting `recv`, if there is one and something to answer it with: at most its
   * `bufsize` bytes, decoded, or `null` once the peer is gone and nothing is left. A read
   * that decodes to nothing (part of a character) is no answer: it waits for more.
   */
  #serve(): void {
    const reader = this.#reader;
    while (reader && (this.#size > 0 || this.#finished || this.#gone.signal.aborted)) {
      const bytes = this.#take(reader.bufsize, reader.at);
      // No bytes: the peer is gone, and a character it cut off by closing shows as U+FFFD.
      const text = bytes.length > 0 ? this.#decoder.decode(bytes, STREAM) : this.#decoder.decode();
      if (text !== "" || bytes.length === 0) {
        this.#reader = undefined;
        reader.answer(text === "" ? null : text);
        return;
      }
    }
  }

  /** Take at most `bufsize` of the bytes received: what one recv(2) would have returned. */
  #take(bufsize: number, at?: string): Buffer {
    const all =
      this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks);
    const bytes = all.length > bufsize ? all.subarray(0, bufsize) : all;
    if (bytes.length > 0) this.#heardAny = true;
    this.#chunks = all.length > bufsize ? [all.subarray(bufsize)] : [];
    this.#size = all.length - bytes.length;
    if (this.#sock.isPaused() && this.#size <= HIGH_WATER && !this.#finished) this.#sock.resume();
    if (tracing() && bytes.length > 0) trace(`recv ${bytes.length} bytes from ${this.#peer}`, at);
    this.#tellHalfClose();
    return bytes;
  }

  /**
   * The peer sent FIN and all it sent before has been read: say so once, and only what is
   * known. It may have exited or half-closed; an answer typed now is still sent.
   */
  #tellHalfClose(): void {
    if (!this.#finished || this.#size > 0 || this.#toldHalfClose || this.#weClosedFirst) return;
    if (this.#gone.signal.aborted) return;
    this.#toldHalfClose = true;
    note(
      `peer ${this.#peer} will send no more (it exited, or half-closed: TCP cannot tell until we send)`,
    );
  }

  /** Whether the peer's FIN has come and it has not reset the connection: it may still read. */
  get sentFin(): boolean {
    return this.#toldHalfClose && !this.#gone.signal.aborted;
  }

  /** The peer reset the connection: it can no longer read. Tell the user once; stop waiting on it. */
  #leave(): void {
    if (this.#gone.signal.aborted) return;
    this.#finished = true;
    if (!this.#weClosedFirst && !this.#sock.writableEnded)
      note(`peer ${this.#peer} reset the connection`);
    this.#gone.abort();
    this.#serve();
  }
}

/** What the peer's FIN means, given whether ours has gone and the kernel's state now. */
function finOrder(oursSent: boolean, state: string | undefined): string {
  const now = state ? ` (now ${state})` : "";
  if (!oursSent) return `the peer closes first: it will send no more${now}`;
  if (state === "CLOSED") return `read only now: it had come before ours${now}`;
  return `the peer closes too${now}`;
}

const incoming = new WeakMap<Socket, Incoming>();

/**
 * Start watching `conn`, once: what it receives waits for `recv`, and its FIN or a reset is
 * seen as it comes, before any `recv`. The accept queue calls it as each client arrives;
 * otherwise the first `recv` does.
 *
 * @example
 * ```ts
 * import { once } from "node:events";
 * import { type AddressInfo, connect, createServer } from "node:net";
 * import { recv, watch } from "./tcp-recv.ts";
 * const server = createServer({ pauseOnConnect: true }, watch).listen(0, "127.0.0.1");
 * await once(server, "listening");
 * const client = connect((server.address() as AddressInfo).port, "127.0.0.1"); // a peer, for this example
 * const [conn] = await once(server, "connection");
 * client.end("你好");
 * console.log(await recv(conn, 1024)); // 你好
 * conn.destroy();
 * server.close();
 * ```
 */
export function watch(conn: Socket): void {
  if (!incoming.has(conn)) incoming.set(conn, new Incoming(conn));
}

/**
 * The peer of `conn` as `host:port`, remembered from when the connection opened, so that a
 * note can name it after the socket is closed.
 *
 * @example
 * ```ts
 * import { once } from "node:events";
 * import { type AddressInfo, connect, createServer } from "node:net";
 * import { peerName } from "./tcp-recv.ts";
 * const server = createServer().listen(0, "127.0.0.1");
 * await once(server, "listening");
 * const client = connect((server.address() as AddressInfo).port, "127.0.0.1"); // a peer, for this example
 * const [conn] = await once(server, "connection");
 * console.log(peerName(conn)); // 127.0.0.1:54321
 * conn.destroy();
 * console.log(`${peerName(conn)} left`); // the same, after the close
 * client.destroy();
 * server.close();
 * ```
 */
export function peerName(conn: Socket): string {
  watch(conn);
  return (incoming.get(conn) as Incoming).peer;
}

/**
 * At most `bufsize` bytes of what `conn` received, decoded; `null` once the peer is gone.
 * With `hint`, if the first answer takes more than `hint.after` seconds, a note says what
 * that may mean (silence.ts): queued behind another client, or its operator typing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { once } from "node:events";
 * import { type AddressInfo, connect, createServer } from "node:net";
 * import { recv } from "./tcp-recv.ts";
 * const server = createServer().listen(0, "127.0.0.1");
 * await once(server, "listening");
 * const client = connect((server.address() as AddressInfo).port, "127.0.0.1"); // a peer, for this example
 * const [conn] = await once(server, "connection");
 * client.end("你好 hello"); // then FIN
 * assert.equal(await recv(conn, 1024), "你好 hello"); // conn.recv(1024).decode('utf-8')
 * assert.equal(await recv(conn, 1024), null); // b'': the peer will send no more
 * conn.destroy();
 * server.close();
 * ```
 */
export function recv(
  conn: Socket,
  bufsize: number,
  hint?: { after: number },
): Promise<string | null> {
  watch(conn);
  return (incoming.get(conn) as Incoming).recv(bufsize, hint?.after);
}

/**
 * Whether the peer of `conn` has sent its FIN (and not reset since) and all it sent before
 * has been read: it may have exited, or still read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { once } from "node:events";
 * import { type AddressInfo, connect, createServer } from "node:net";
 * import { peerSentFin, recv } from "./tcp-recv.ts";
 * const server = createServer({ allowHalfOpen: true }).listen(0, "127.0.0.1"); // a FIN: a half-close
 * await once(server, "listening");
 * const client = connect((server.address() as AddressInfo).port, "127.0.0.1"); // a peer, for this example
 * const [conn] = await once(server, "connection");
 * client.end(); // shutdown(SHUT_WR): a half-close, as nc -N does
 * assert.equal(await recv(conn, 1024), null);
 * assert.equal(peerSentFin(conn), true); // an answer may still be read: send it all the same
 * client.destroy();
 * conn.destroy();
 * server.close();
 * ```
 */
export function peerSentFin(conn: Socket): boolean {
  watch(conn);
  return (incoming.get(conn) as Incoming).sentFin;
}

/**
 * An {@linkcode AbortSignal} that aborts when the peer resets the connection, for a prompt
 * that waits for an answer nobody will read. A FIN does not abort it: the peer may still read.
 *
 * @example
 * ```ts
 * import { once } from "node:events";
 * import { type AddressInfo, connect, createServer } from "node:net";
 * import { peerDone } from "./tcp-recv.ts";
 * const server = createServer().listen(0, "127.0.0.1");
 * await once(server, "listening");
 * const client = connect((server.address() as AddressInfo).port, "127.0.0.1"); // a peer, for this example
 * const [conn] = await once(server, "connection");
 * const gone = peerDone(conn); // give it to input(): { signal: peerDone(conn) }
 * client.resetAndDestroy(); // RST
 * await once(gone, "abort"); // stderr: peer 127.0.0.1:54321 reset the connection
 * server.close();
 * ```
 */
export function peerDone(conn: Socket): AbortSignal {
  watch(conn);
  return (incoming.get(conn) as Incoming).gone;
}
