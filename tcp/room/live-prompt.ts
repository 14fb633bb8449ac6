/**
 * A prompt for a full-duplex chat: lines from the network appear while the user types.
 * On a terminal, each batch of lines is printed above the prompt, then the prompt and the
 * half-typed line are drawn again below it, however many rows they take (a long line
 * wraps; a Chinese character is two columns wide: readline measures them). The prompt also
 * comes back after the user's own line. Each line the user finishes goes to `onLine`; the
 * end of stdin (Ctrl-D) to `onEnd`; Ctrl-C is the SIGINT it would be without raw mode.
 *
 * Everything, the prompt's own drawing included, goes out through {@linkcode OutQueue}s,
 * so it never stops the event loop; on a terminal, notes go through stdout's queue too, so
 * that they reach the screen in order with the prompt. Off a terminal (a pipe, a test)
 * there is no prompt: lines go to stdout and notes to stderr, and stdin is read as it comes.
 *
 * @example
 * ```ts
 * import { LivePrompt } from "./live-prompt.ts";
 * const prompt = new LivePrompt("> ", 1 << 20, (line) => send(line), () => leave());
 * prompt.show("<alice> hi\n<bob> hello\n"); // above the prompt, redrawn with what was typed
 * prompt.note("a note"); // on stderr, above the prompt too
 * ```
 * @module
 */
import { createInterface, type Interface } from "node:readline";
import { Writable } from "node:stream";
import { lineEditor } from "../../shared/line-editor.ts";
import { OutQueue } from "./out-queue.ts";

export class LivePrompt {
  /** stdout, and stderr (which is stdout on a terminal). */
  readonly out: OutQueue;
  readonly err: OutQueue;
  readonly #rl: Interface;
  readonly #tty: boolean;
  #open = true;

  /** `limit`: characters that may wait for stdout (see {@linkcode OutQueue}). */
  constructor(prompt: string, limit: number, onLine: (line: string) => void, onEnd: () => void) {
    this.#tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
    this.out = new OutQueue(1, limit);
    this.err = this.#tty ? this.out : new OutQueue(2, limit);
    const out = this.out;
    const options = { prompt, crlfDelay: Number.POSITIVE_INFINITY };
    this.#rl = this.#tty
      ? lineEditor(process.stdin, (input) =>
          createInterface({ ...options, input, output: screen(out), terminal: true }),
        ) // a word an input method commits mid-line goes where the cursor is
      : createInterface({ ...options, input: process.stdin, terminal: false });
    this.#rl.on("line", (line) => {
      onLine(line);
      if (this.#tty && this.#open) this.#rl.prompt(true);
    });
    this.#rl.on("close", () => {
      this.#open = false;
      onEnd();
    });
    this.#rl.on("SIGINT", () => process.kill(process.pid, "SIGINT"));
    if (this.#tty) this.#rl.prompt();
  }

  /**
   * Print `text` (whole lines, each ending in `\n`) on stdout, above the prompt. With
   * `droppable`, it is dropped (and counted by the queue) when too much already waits.
   */
  show(text: string, droppable = false, stream = this.out): void {
    if (droppable && this.out.waiting > this.out.limit) {
      this.out.dropped += 1;
      return;
    }
    if (!this.#tty || !this.#open) {
      stream.write(text);
      return;
    }
    // Go up to the prompt's first row and clear from there down; print; then leave as many
    // new rows as readline's redraw will go up before drawing (its `prevRows`: the rows it
    // last drew above the cursor, which is less than the truth when typing has wrapped).
    const rows = this.#rl.getCursorPos().rows;
    const redrawGoesUp = (this.#rl as unknown as { prevRows?: number }).prevRows ?? rows;
    this.out.write(`${up(rows)}\r\x1b[J${text}${"\n".repeat(redrawGoesUp)}`);
    this.#rl.prompt(true);
  }

  /** A note on stderr, on a line of its own above the prompt. */
  note(line: string): void {
    this.show(`${line}\n`, false, this.err);
  }

  /** Stop reading stdin. On a terminal, what was typed stays on screen, ended by a newline. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    if (this.#tty) {
      const rows = this.#rl.getCursorPos().rows;
      const typed = `${this.#rl.getPrompt()}${this.#rl.line}`;
      this.out.write(`${up(rows)}\r\x1b[J${typed}\n`);
    }
    this.#rl.removeAllListeners("close");
    this.#rl.close();
  }
}

/** The escape sequence that moves the cursor `rows` rows up. */
function up(rows: number): string {
  return rows > 0 ? `\x1b[${rows}A` : "";
}

/** The terminal as readline sees it: its size from stdout, its writes through `out`. */
function screen(out: OutQueue): Writable {
  const stream = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      out.write(String(chunk));
      done();
    },
  });
  Object.defineProperties(stream, {
    isTTY: { value: true },
    columns: { get: () => process.stdout.columns },
    rows: { get: () => process.stdout.rows },
  });
  process.stdout.on("resize", () => stream.emit("resize"));
  return stream;
}
