/**
 * stdout (or stderr) for a program that must never stop for its terminal: a chat room
 * whose operator pressed Ctrl-S, or whose output goes to a pipe nobody reads. Node writes
 * to a terminal synchronously, so a terminal that takes nothing stops the whole event loop.
 * Here each write runs on Node's thread pool (`fs.write`), one at a time and in order;
 * what waits meanwhile is joined into the next write.
 *
 * What waits is bounded: past `limit` bytes, a write marked droppable is dropped and
 * counted, and `dropped` says how many (the caller says so once output moves again).
 * A writer that must lose nothing checks `waiting` instead, and slows its own source
 * until `onDrain` fires.
 *
 * @example
 * ```ts
 * import { OutQueue } from "./out-queue.ts";
 * const out = new OutQueue(1, 1024 * 1024);
 * out.write("<alice> hi\n", true); // dropped if 1 MiB already waits
 * ```
 * @module
 */
import { write } from "node:fs";

export class OutQueue {
  readonly fd: number;
  readonly limit: number;
  /** Droppable writes dropped since the last time this was read and reset. */
  dropped = 0;
  /** Called when everything waiting has been written. */
  onDrain: (() => void) | undefined;
  #text = "";
  /** What is left of a write the kernel took only part of. */
  #rest: Buffer | undefined;
  #busy = false;
  #broken = false;

  /** A queue for file descriptor `fd` (1 or 2) that may hold `limit` characters. */
  constructor(fd: number, limit: number) {
    this.fd = fd;
    this.limit = limit;
  }

  /** Characters (bytes, near enough) waiting to be written. */
  get waiting(): number {
    return this.#text.length + (this.#rest?.length ?? 0);
  }

  /** Queue `text`; `false` if it was dropped (`droppable`, and too much waits already). */
  write(text: string, droppable = false): boolean {
    if (this.#broken || text === "") return true;
    if (droppable && this.waiting > this.limit) {
      this.dropped += 1;
      return false;
    }
    this.#text += text;
    this.#pump();
    return true;
  }

  #pump(): void {
    if (this.#busy || this.waiting === 0) return;
    this.#busy = true;
    const bytes = this.#rest ?? Buffer.from(this.#text);
    if (this.#rest) this.#rest = undefined;
    else this.#text = "";
    write(this.fd, bytes, 0, bytes.length, null, (err, written = 0) => {
      this.#busy = false;
      if (err?.code === "EAGAIN") {
        this.#rest = bytes;
        setTimeout(() => this.#pump(), 10); // a non-blocking descriptor: try again shortly
        return;
      }
      if (err)
        this.#broken = true; // the reader is gone (EPIPE): nothing more goes there
      else if (written < bytes.length) this.#rest = bytes.subarray(written);
      if (this.waiting === 0) this.onDrain?.();
      else this.#pump();
    });
  }
}
