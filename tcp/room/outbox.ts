/**
 * Write batching for a server that sends many small lines to many sockets: the lines for
 * one socket are kept until the end of the event loop's turn, then sent in one write.
 *
 * Why: each `socket.write` costs about the same whatever its size: a trip through Node's
 * stream machinery and one `write(2)`. A chat room that writes each line to each member as
 * it comes makes one call per line per member (the room did so until it topped out at
 * 140,000-190,000 deliveries a second, a fifth of `ncat --chat`);
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
 * const box = new Outbox(socket, 1024 * 1024);
 * box.add("<alice> hi\n", 11);
 * const ok = box.add("<bob> hello\n", 12); // both leave in one write, at the end of this turn
 * if (!ok) socket.destroy(); // over 1 MiB waits for this socket
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

/**
 * The lines sent to everyone in this turn. A member who got exactly these and nothing
 * else (most members, most turns) is sent one buffer, encoded once for all of them.
 */
const turn = { id: 0, texts: [] as string[], bytes: undefined as Buffer | undefined };

const dueLast = new Set<Flushable>();

/**
 * Flush `box` at the end of this turn of the event loop, after every read in hand; with
 * `last`, after the sockets (a log on a terminal should never delay the members).
 */
export function atTurnEnd(box: Flushable, last = false): void {
  if (due.size === 0 && dueLast.size === 0) setImmediate(flushAll);
  (last ? dueLast : due).add(box);
}

/** Flush everything due now (when the process is about to exit, say). */
export function flushAll(): void {
  for (const box of due) box.flush();
  for (const box of dueLast) box.flush();
  due.clear();
  dueLast.clear();
  turn.id += 1;
  turn.texts = [];
  turn.bytes = undefined;
}

/** Note `text` as sent to every member this turn (but perhaps its sender): see {@linkcode Outbox.add}. */
export function toEveryone(text: string): void {
  turn.texts.push(text);
}

export class Outbox implements Flushable {
  readonly #sock: Socket;
  readonly #limit: number;
  #lines: string[] = [];
  #bytes = 0;
  #due = false;
  #blocked = false;
  /** Whether every line waiting here is one of this turn's lines to everyone. */
  #onlyTurn = true;
  #turn = -1;

  /** An outbox for `sock` that may hold at most `limit` bytes of memory. */
  constructor(sock: Socket, limit: number) {
    this.#sock = sock;
    this.#limit = limit;
  }

  /**
   * Queue `text` (whole lines, `bytes` long in UTF-8) for this turn's write; `false` when the
   * socket now holds more than its limit (its reader is too slow: cut it off). `toAll` says
   * the text was noted with {@linkcode toEveryone}.
   */
  add(text: string, bytes: number, toAll = false): boolean {
    if (this.#lines.length === 0) {
      this.#turn = turn.id;
      this.#onlyTurn = true;
    }
    this.#onlyTurn &&= toAll;
    this.#lines.push(text);
    this.#bytes += bytes;
    if (this.#blocked || this.#bytes > this.#limit) return this.held <= this.#limit;
    if (!this.#due) {
      this.#due = true;
      atTurnEnd(this);
    }
    return true;
  }

  /** Bytes of memory this socket's output holds now. */
  get held(): number {
    return this.#bytes + this.#lines.length * LINE_COST + this.#sock.writableLength;
  }

  flush(): void {
    this.#due = false;
    if (this.#lines.length === 0 || this.#sock.destroyed) return;
    const same =
      this.#onlyTurn && this.#turn === turn.id && this.#lines.length === turn.texts.length;
    if (same) turn.bytes ??= Buffer.from(turn.texts.join(""));
    const text = same ? (turn.bytes as Buffer) : this.#lines.join("");
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
