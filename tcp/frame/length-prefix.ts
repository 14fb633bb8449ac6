/**
 * Length-prefix framing for a TCP byte stream, the second standard answer to 粘包 (the
 * first is a delimiter: {@linkcode LineFramer} in line-framer.ts). Each message goes out
 * as 4 bytes giving its length (big-endian, "network byte order": Python's
 * `struct.pack("!I", n)`), then its UTF-8 bytes. The receiver reads the 4 bytes, then
 * exactly that many more: it never looks inside a message, so a message may hold any
 * bytes, newlines included, and however the reads fell, each message comes out whole.
 *
 * A message longer than `maxBytes` is refused: `push` reports it once and skips exactly
 * its bytes (the length says how many), so the stream stays in step and one huge message
 * cannot grow the buffer without end.
 *
 * @example
 * ```ts
 * import { LengthPrefixFramer } from "./length-prefix.ts";
 * const wire = Buffer.concat([LengthPrefixFramer.frame("你好"), LengthPrefixFramer.frame("hi")]);
 * // <00 00 00 06 e4 bd a0 e5 a5 bd 00 00 00 02 68 69>: 16 bytes, two messages
 * const framer = new LengthPrefixFramer(4096);
 * framer.push(wire.subarray(0, 12)); // { messages: ["你好"], tooLong: 0 }: "hi" is not whole yet
 * framer.push(wire.subarray(12)); // { messages: ["hi"], tooLong: 0 }
 * ```
 * @module
 */

/** What one `push` completed. */
export interface Messages {
  /** The complete messages, decoded as UTF-8 (bytes that are not become U+FFFD). */
  messages: string[];
  /** How many messages were refused for being longer than `maxBytes`. */
  tooLong: number;
}

/** The size of the length that goes before each message: 4 bytes. */
const HEADER = 4;

export class LengthPrefixFramer {
  /** `text` as it goes on the wire: its length in 4 bytes, big-endian, then its UTF-8 bytes. */
  static frame(text: string): Buffer {
    const body = Buffer.from(text, "utf8");
    const header = Buffer.alloc(HEADER);
    header.writeUInt32BE(body.length);
    return Buffer.concat([header, body]);
  }

  readonly maxBytes: number;
  #buffer: Buffer = Buffer.alloc(0);
  /** Bytes still to skip of a message refused as too long. */
  #skip = 0;
  readonly #decoder = new TextDecoder("utf-8");

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** Add what one read returned; get the messages it completed. */
  push(chunk: Buffer): Messages {
    const out: Messages = { messages: [], tooLong: 0 };
    const skipped = Math.min(this.#skip, chunk.length);
    this.#skip -= skipped;
    let rest = Buffer.concat([this.#buffer, chunk.subarray(skipped)]);
    while (rest.length >= HEADER) {
      const size = rest.readUInt32BE(0);
      if (size > this.maxBytes) {
        out.tooLong += 1;
        this.#skip = Math.max(0, HEADER + size - rest.length);
        rest = rest.subarray(Math.min(rest.length, HEADER + size));
        continue;
      }
      if (rest.length < HEADER + size) break;
      out.messages.push(this.#decoder.decode(rest.subarray(HEADER, HEADER + size)));
      rest = rest.subarray(HEADER + size);
    }
    this.#buffer = Buffer.from(rest); // a copy: the read's buffer is not kept alive
    return out;
  }

  /** Bytes of an unfinished message waiting for the rest: 0 when the stream ended cleanly. */
  get pending(): number {
    return this.#buffer.length + this.#skip;
  }
}
