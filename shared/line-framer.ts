/**
 * Cut a TCP byte stream into lines. TCP keeps no message boundaries, so a chat room
 * needs its own: one message is one line ending in `\n` (a `\r` before it is dropped,
 * as `nc -C` and Windows clients send). Bytes are split on `\n` first and each whole line
 * is decoded then, so a character split across reads is never cut; bytes that are not
 * UTF-8 become U+FFFD.
 *
 * A line longer than `maxBytes` is refused: `push` reports it once, and its bytes are
 * dropped up to the next `\n`, so one huge line cannot grow the buffer without end.
 *
 * @example
 * ```ts
 * import { LineFramer } from "./line-framer.ts";
 * const framer = new LineFramer(4096);
 * framer.push(Buffer.from("你好\r\nhalf a "));  // { lines: ["你好"], tooLong: 0 }
 * framer.push(Buffer.from("line\n"));          // { lines: ["half a line"], tooLong: 0 }
 * ```
 * @module
 */
export interface Framed {
  /** The complete lines, without their line endings. */
  lines: string[];
  /** How many lines were refused for being longer than `maxBytes`. */
  tooLong: number;
}

export class LineFramer {
  readonly maxBytes: number;
  #pending: Buffer[] = [];
  #size = 0;
  #skipping = false;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** Add what one read returned; get the lines it completed. */
  push(chunk: Buffer): Framed {
    const out: Framed = { lines: [], tooLong: 0 };
    let rest = chunk;
    for (let nl = rest.indexOf(0x0a); nl !== -1; nl = rest.indexOf(0x0a)) {
      this.#add(rest.subarray(0, nl), out);
      if (this.#skipping) this.#skipping = false;
      else out.lines.push(this.#take());
      rest = rest.subarray(nl + 1);
    }
    this.#add(rest, out);
    return out;
  }

  /** Whether a line has begun and not ended yet (a line being refused counts). */
  get midLine(): boolean {
    return this.#size > 0 || this.#skipping;
  }

  /** What is left when the stream ends: an unfinished line, or `undefined`. */
  end(): string | undefined {
    return this.#size > 0 && !this.#skipping ? this.#take() : undefined;
  }

  #add(bytes: Buffer, out: Framed): void {
    if (this.#skipping || bytes.length === 0) return;
    if (this.#size + bytes.length > this.maxBytes) {
      this.#pending = [];
      this.#size = 0;
      this.#skipping = true;
      out.tooLong += 1;
      return;
    }
    this.#pending.push(bytes);
    this.#size += bytes.length;
  }

  #take(): string {
    const bytes = this.#pending.length === 1 ? this.#pending[0] : Buffer.concat(this.#pending);
    const line = (bytes as Buffer).toString("utf8");
    this.#pending = [];
    this.#size = 0;
    return line.endsWith("\r") ? line.slice(0, -1) : line;
  }
}
