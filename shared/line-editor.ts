/**
 * Node's line editor (readline in terminal mode) reading the keyboard so that text always goes
 * where the cursor is. An input method commits a word in one write and a paste arrives in one
 * read; given such a chunk, readline on Node 20.20, 24.10 and 25 puts all but its last
 * character at the end of the line instead of at the cursor (nodejs/node#60446): `一二三四五`,
 * Left ×2, then `插入` became `一二三四入五插`. So the keys are handed over here: each control
 * key (Enter, Backspace, Ctrl-…) on its own, and each run of plain text between them
 * inserted at the cursor in one step (`rl.write`, readline's own way to type text), drawn
 * once however long the paste. A chunk holding an escape sequence (arrows, Home, Alt-…) goes
 * a character at a time, as readline would read it anyway, keeping the sequence whole.
 *
 * @module
 */
import { EventEmitter } from "node:events";
import type { Interface } from "node:readline";
import { StringDecoder } from "node:string_decoder";
import type { ReadStream } from "node:tty";

/** A control character (C0, DEL, C1): a key of its own. */
const CONTROL = /\p{Cc}/u;
/** A key or a run of text: the pieces of a chunk with no escape sequence in it. */
const PIECES = /\p{Cc}|\P{Cc}+/gu;
/** A chunk that ends inside an escape sequence (ESC, ESC [ 1 ;, ESC O…), which the next chunk finishes. */
const UNFINISHED_ESCAPE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC is what it looks for
  /\x1b(?:\x1b?\[[\d;]*|\x1bO?|O)?$/;

/**
 * The line editor `create` builds, reading the keys of `stdin` (a terminal) as this file's
 * first comment says: `create` is given the input to build the editor on, and returns it.
 *
 * @example
 * ```ts ignore
 * // needs a terminal: stdin in raw mode (run it in one, type, then Ctrl-D)
 * import { createInterface } from "node:readline";
 * import { lineEditor } from "./line-editor.ts";
 * const rl = lineEditor(process.stdin, (input) =>
 *   createInterface({ input, output: process.stdout, terminal: true }),
 * );
 * rl.on("line", (line) => console.log(JSON.stringify(line))); // 一二三四五, Left ×2, 插入: "一二三插入四五"
 * ```
 */
export function lineEditor(stdin: ReadStream, create: (input: ReadStream) => Interface): Interface {
  // What readline reads: a terminal's stream, whose "data" is given one key or escape at a time.
  const keys = Object.assign(new EventEmitter(), {
    isTTY: true,
    setRawMode(mode: boolean) {
      stdin.setRawMode(mode);
      return keys;
    },
    pause() {
      stdin.pause();
      return keys;
    },
    resume() {
      stdin.resume();
      return keys;
    },
  });
  Object.defineProperty(keys, "isRaw", { get: () => stdin.isRaw });
  const rl = create(keys as unknown as ReadStream);
  let open = true;
  rl.on("close", () => {
    open = false;
  });

  const decoder = new StringDecoder("utf8"); // a character cut between two reads comes whole
  let inEscape = false;
  stdin.on("data", (chunk: Buffer) => {
    const text = decoder.write(chunk);
    if (inEscape || text.includes("\x1b")) {
      for (const character of text) keys.emit("data", character);
    } else {
      for (const [piece] of text.matchAll(PIECES)) {
        if (CONTROL.test(piece)) keys.emit("data", piece);
        else if (open) rl.write(piece); // inserted at the cursor
      }
    }
    inEscape = UNFINISHED_ESCAPE.test(text);
  });
  stdin.on("end", () => keys.emit("end"));
  return rl;
}
