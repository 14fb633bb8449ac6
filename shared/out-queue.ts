/**
 * stdout and stderr for a program that must never stop for its terminal: a chat room
 * whose operator pressed Ctrl-S, or whose output goes to a pipe nobody reads. Node writes
 * to a terminal synchronously, so a terminal that takes nothing stops the whole event loop.
 * Here each write runs on Node's thread pool (`fs.write`), one at a time and in order
 * across both streams; what waits meanwhile is joined into the next write.
 *
 * What waits is bounded: past `limit` bytes, a write marked droppable is dropped and
 * counted, and `dropped` says how many (the caller says so once output moves again).
 * A writer that must lose nothing checks `waiting` instead, and slows its own source
 * until `onDrain` fires.
 *
 * @example
 * ```ts
 * import { OutQueue } from "./out-queue.ts";
 * const out = new OutQueue(1024 * 1024);
 * out.write(1, "<alice> hi\n", true); // dropped if 1 MiB already waits
 * out.write(2, "a note\n");
 * ```
 * @module
 */
import { write } from "node:fs";

interface Pending {
  fd: number;
  text: string;
  /** What is left of a write the kernel took only part of. */
  rest?: Buffer;
}

export class OutQueue {
  readonly limit: number;
  /** Droppable writes dropped since the last time this was read and reset. */
  dropped = 0;
  /** Called when everything waiting has been written. */
  onDrain: (() => void) | undefined;
  #queue: Pending[] = [];
  #waiting = 0;
  #busy = false;
  readonly #broken = new Set<number>();

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Bytes (UTF-16 units, near enough) waiting to be written. */
  get waiting(): number {
    return this.#waiting;
  }

  /** Queue `text` for `fd` (1 or 2); `false` if it was dropped. */
  write(fd: number, text: string, droppable = false): boolean {
    if (this.#broken.has(fd) || text === "") return true;
    if (droppable && this.#waiting > this.limit) {
      this.dropped += 1;
      return false;
    }
    const last = this.#queue.at(-1);
    if (last?.fd === fd && !last.rest) last.text += text;
    else this.#queue.push({ fd, text });
    this.#waiting += text.length;
    this.#pump();
    return true;
  }

  #pump(): void {
    const next = this.#queue[0];
    if (this.#busy || !next) return;
    this.#busy = true;
    this.#queue.shift();
    this.#waiting -= next.rest?.length ?? next.text.length;
    const bytes = next.rest ?? Buffer.from(next.text);
    const done = (err: NodeJS.ErrnoException | null, written = 0) => {
      this.#busy = false;
      if (err?.code === "EAGAIN") {
        this.#requeue(next.fd, bytes);
        setTimeout(() => this.#pump(), 10); // a non-blocking descriptor: try again shortly
        return;
      }
      if (err)
        this.#broken.add(next.fd); // the reader is gone (EPIPE): nothing more goes there
      else if (written < bytes.length) this.#requeue(next.fd, bytes.subarray(written));
      if (this.#queue.length === 0) this.onDrain?.();
      else this.#pump();
    };
    write(next.fd, bytes, 0, bytes.length, null, done);
  }

  #requeue(fd: number, rest: Buffer): void {
    this.#queue.unshift({ fd, text: "", rest });
    this.#waiting += rest.length;
  }
}
