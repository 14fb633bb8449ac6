/**
 * Write batching for a server that sends many small lines to many sockets: the lines for
 * one socket are kept until the end of the event loop's turn, then sent in one write.
 *
 * Why: each `socket.write` is a system call and a trip through Node's stream machinery,
 * whatever its size. A chat room that writes each line to each member as it comes makes
 * one call per line per member (about 110,000 a second is all one Node process manages);
 * joined per turn, the same lines cost one call per member per turn, however many lines
 * arrived in that turn, and the room goes as fast as its members can read. A lone line
 * still leaves at once: the turn ends as soon as the reads in hand are done.
 *
 * An outbox also says what its socket costs: the bytes waiting here and in Node, plus
 * {@linkcode LINE_COST} per line kept, so that a member who does not read can be cut
 * off before it holds more than a set amount of memory, whatever the size of the lines.
 * While the kernel takes nothing more for a socket, its lines wait here, not in Node.
 *
 * @example
 * ```ts
 * import { Outbox } from "./outbox.ts";
 * const box = new Outbox(socket);
 * box.add("<alice> hi\n", 11);
 * box.add("<bob> hello\n", 12); // both leave in one write, at the end of this turn
 * if (box.held > 1024 * 1024) socket.destroy();
 * ```
 * @module
 */
import type { Socket } from "node:net";

/** Memory one waiting line costs beyond its bytes: its string's header and the slot pointing at it. */
export const LINE_COST = 40;

/** Anything flushed once at the end of the turn. */
export interface Flushable {
  flush(): void;
}

const due = new Set<Flushable>();

/** Flush `box` at the end of this turn of the event loop, after every read in hand. */
export function atTurnEnd(box: Flushable): void {
  if (due.size === 0) setImmediate(flushAll);
  due.add(box);
}

/** Flush everything due now (when the process is about to exit, say). */
export function flushAll(): void {
  for (const box of due) box.flush();
  due.clear();
}

export class Outbox implements Flushable {
  readonly #sock: Socket;
  #lines: string[] = [];
  #bytes = 0;
  #blocked = false;

  constructor(sock: Socket) {
    this.#sock = sock;
  }

  /** Queue `line` (ending in `\n`, `bytes` long in UTF-8) for this turn's write. */
  add(line: string, bytes: number): void {
    this.#lines.push(line);
    this.#bytes += bytes;
    if (!this.#blocked) atTurnEnd(this);
  }

  /** Bytes of memory this socket's output holds now. */
  get held(): number {
    return this.#bytes + this.#lines.length * LINE_COST + this.#sock.writableLength;
  }

  flush(): void {
    if (this.#lines.length === 0 || this.#sock.destroyed) return;
    const text = this.#lines.join("");
    this.#lines = [];
    this.#bytes = 0;
    if (!this.#sock.write(text)) {
      this.#blocked = true; // the kernel is full for this socket: wait for it to take more
      this.#sock.once("drain", () => {
        this.#blocked = false;
        this.flush();
      });
    }
  }
}
