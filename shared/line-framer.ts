/**
 * Cut a TCP byte stream into lines. TCP keeps no message boundaries, so a chat room
 * needs its own: one message is one line ending in `\n` (a `\r` before it is dropped,
 * as `nc -C` and Windows clients send). Bytes are split on `\n` first and each whole line
 * is decoded then, so a character split across reads is never cut; bytes that are not
 * UTF-8 become U+FFFD.
 *
 * A line longer than `maxBytes` is refused: it is counted in `tooLong`, and its bytes are
 * dropped up to the next `\n`, so one huge line cannot grow the buffer without end.
 *
 * Lines are taken one at a time with `next()`, so a reader that may not take them all
 * now (a rate limit) keeps the rest as bytes, not as thousands of strings.
 *
 * @module
 */

/**
 * What one read completed: its lines, and how many were refused for their length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Framed, LineFramer } from "./line-framer.ts";
 * const framed: Framed = new LineFramer(8).push(Buffer.from("hi\nfar too long\nok\n"));
 * assert.deepEqual(framed, { lines: ["hi", "ok"], tooLong: 1 });
 * ```
 */
export interface Framed {
  /** The complete lines, without their line endings. */
  lines: string[];
  /** How many lines were refused for being longer than `maxBytes`. */
  tooLong: number;
}

const EMPTY = Buffer.alloc(0);

/**
 * Cuts a TCP byte stream into lines of at most `maxBytes` bytes, as this file's first
 * comment says.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LineFramer } from "./line-framer.ts";
 * const framer = new LineFramer(4096);
 * assert.deepEqual(framer.push(Buffer.from("你好\r\nhalf a ")), { lines: ["你好"], tooLong: 0 });
 * assert.equal(framer.midLine, true);
 * framer.add(Buffer.from("line\n")); // one read, its lines taken one at a time:
 * assert.equal(framer.next(), "half a line");
 * assert.equal(framer.next(), undefined);
 * assert.equal(framer.end(), undefined); // the stream ends with nothing unfinished
 * ```
 */
export class LineFramer {
  /** The longest line taken, in bytes, not counting its `\n`. */
  readonly maxBytes: number;
  /** Lines refused for their length since this was last set to 0. */
  tooLong = 0;
  #buf: Buffer = EMPTY;
  #skipping = false;

  /** A framer for lines of at most `maxBytes` bytes. */
  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** Add what one read returned. */
  add(chunk: Buffer): void {
    let bytes = chunk;
    if (this.#skipping) {
      const nl = bytes.indexOf(0x0a);
      if (nl === -1) return;
      this.#skipping = false;
      bytes = bytes.subarray(nl + 1);
    }
    this.#buf = this.#buf.length === 0 ? bytes : Buffer.concat([this.#buf, bytes]);
    const tail = this.#buf.length - 1 - this.#buf.lastIndexOf(0x0a);
    if (tail > this.maxBytes) {
      this.#buf = this.#buf.subarray(0, this.#buf.length - tail); // the whole lines before it stay
      this.#skipping = true;
      this.tooLong += 1;
    }
  }

  /** The next complete line, or `undefined` until more comes. */
  next(): string | undefined {
    for (let nl = this.#buf.indexOf(0x0a); nl !== -1; nl = this.#buf.indexOf(0x0a)) {
      const bytes = this.#buf.subarray(0, nl);
      this.#buf = nl + 1 === this.#buf.length ? EMPTY : this.#buf.subarray(nl + 1);
      if (bytes.length > this.maxBytes) this.tooLong += 1;
      else return text(bytes);
    }
    return undefined;
  }

  /** Add what one read returned; get every line it completed. */
  push(chunk: Buffer): Framed {
    this.add(chunk);
    const lines: string[] = [];
    for (let line = this.next(); line !== undefined; line = this.next()) lines.push(line);
    const tooLong = this.tooLong;
    this.tooLong = 0;
    return { lines, tooLong };
  }

  /** Whether a line has begun and not ended yet (a line being refused counts). */
  get midLine(): boolean {
    return this.#skipping || (this.#buf.length > 0 && this.#buf[this.#buf.length - 1] !== 0x0a);
  }

  /** What is left when the stream ends: an unfinished line, or `undefined`. */
  end(): string | undefined {
    if (this.#skipping || this.#buf.length === 0 || this.#buf.includes(0x0a)) return undefined;
    const line = text(this.#buf);
    this.#buf = EMPTY;
    return line;
  }
}

/** A line's bytes as text, without a `\r` at its end. */
function text(bytes: Buffer): string {
  const line = bytes.toString("utf8");
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}
