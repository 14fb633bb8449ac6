/**
 * Python's `input(prompt)` for Node: write the prompt on stdout with no newline, then
 * wait for one line of stdin and return it without its line ending (`\n` or `\r\n`).
 * At the end of stdin (Ctrl-D, a closed pipe) it returns `null` where Python raises
 * `EOFError`; a last line with no newline still counts as a line.
 *
 * stdin is read as it comes and cut into lines here, so lines that arrive together (a
 * pasted block, a pipe) are each kept for a later call, never lost: what is typed ahead
 * waits, as it does in Python's buffered stdin. While no prompt is open stdin does not
 * keep the process alive (it is unref'd), so a script ends when its conversation does.
 * On a terminal the lines come from the line editor of terminal.ts, which keeps the
 * prompt and the typing on screen below whatever else is printed.
 *
 * Options:
 * - `signal`: an {@linkcode AbortSignal} that ends the wait: when the peer leaves while
 *   the prompt is open, `input` returns `null` at once.
 * - `emptyNote`: empty lines are not answers; each one gets this note on stderr and
 *   the prompt again. TCP needs it: an empty line is zero bytes, nothing goes on the
 *   wire, and both sides of the article's programs would wait for ever.
 *
 * `discardInput(why)` starts a time when nobody can be answered (a server waiting for a
 * client): each line typed then is dropped at once with a note, never kept for whoever
 * comes next. `keepInput()` ends it.
 *
 * @example
 * ```ts
 * import { input } from "./input.ts";
 * const toServerMsg = await input("宝宝说:"); // stdout: "宝宝说:", then waits for a line
 * if (toServerMsg === null) console.error("stdin ended");
 * ```
 * @module
 */
import { flush } from "./print.ts";
import { note, setPromptOpen } from "./stderr.ts";
import { Terminal } from "./terminal.ts";

/** Decode a chunk that may end inside a character: the rest comes with the next one. */
const STREAM = { stream: true } as const;

/** The lines of stdin, read as they come. */
class Lines {
  readonly #queue: string[] = [];
  readonly #decoder = new TextDecoder("utf-8");
  #partial = "";
  #ended = false;
  #wake: (() => void) | undefined;
  /** Whether the next line answers a peer who left while it was being typed. */
  #dropNext = false;
  /** While set, lines are dropped as they arrive, with this reason in a note. */
  discarding: string | undefined;
  /** Whether a read has met the end of stdin (not merely whether the stream has ended). */
  endSeen = false;

  constructor(terminal: Terminal | undefined) {
    if (terminal) {
      terminal.listen(
        (line) => this.#push(line),
        () => this.#end(),
      );
    } else {
      const stdin = process.stdin;
      stdin.on("data", (chunk: Buffer) => this.#add(this.#decoder.decode(chunk, STREAM)));
      stdin.on("end", () => this.#end());
      stdin.on("error", () => this.#end()); // stdin that cannot be read has ended
    }
    this.#hold(false);
  }

  /** The next line, or `null` at the end of stdin; `undefined` when `signal` aborts first. */
  async next(signal?: AbortSignal): Promise<string | null | undefined> {
    if (this.#queue.length === 0 && !this.#ended && !signal?.aborted) {
      this.#hold(true);
      const wake = () => this.#wake?.();
      signal?.addEventListener("abort", wake);
      while (this.#queue.length === 0 && !this.#ended && !signal?.aborted) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
      }
      signal?.removeEventListener("abort", wake);
      this.#wake = undefined;
      this.#hold(false);
    }
    if (this.#queue.length > 0) return this.#queue.shift() as string;
    if (!signal?.aborted) {
      this.endSeen = true;
      return null;
    }
    // In a pipe, or with the terminal's own line discipline, the line being typed was meant
    // for the peer who left: it is dropped when it comes. (The line editor hands it over now.)
    this.#dropNext = Terminal.started() === undefined;
    return undefined;
  }

  /** Drop the lines typed ahead and not yet read, each with a note. */
  dropQueued(why: string): void {
    for (const _ of this.#queue.splice(0)) note(`(not sent: ${why})`);
  }

  #add(text: string): void {
    const parts = (this.#partial + text).split("\n");
    this.#partial = parts.pop() as string;
    for (const line of parts) this.#push(line.endsWith("\r") ? line.slice(0, -1) : line);
  }

  #end(): void {
    const last = this.#partial + this.#decoder.decode();
    this.#partial = "";
    if (last !== "") this.#push(last);
    this.#ended = true;
    this.#wake?.();
  }

  #push(line: string): void {
    if (this.#dropNext) {
      this.#dropNext = false;
      note("(not sent: that line was typed after the peer had left)");
    } else if (this.discarding !== undefined) {
      note(`(not sent: ${this.discarding})`);
    } else {
      this.#queue.push(line);
      this.#wake?.();
    }
  }

  /**
   * Let stdin keep the process alive only while a prompt waits for it: Node can unref the
   * stream and go on reading; where that is missing (Deno), stdin is paused instead.
   */
  #hold(waiting: boolean): void {
    const stdin = process.stdin as NodeJS.ReadStream & { ref?: () => void; unref?: () => void };
    if (stdin.unref === undefined) {
      if (waiting) stdin.resume();
      else stdin.pause();
    } else if (waiting) {
      stdin.ref?.();
    } else {
      stdin.unref();
    }
  }
}

let lines: Lines | undefined;
const stdinLines = () => {
  lines ??= new Lines(Terminal.here());
  return lines;
};

/**
 * Whether a call of {@linkcode input} has met the end of stdin, as Python's `input` raising
 * `EOFError`: every later call returns `null` at once.
 */
export function inputEnded(): boolean {
  return lines?.endSeen ?? false;
}

/**
 * Nobody can be answered now: drop the lines typed ahead, and from now on each line as it
 * is typed, each with the note `(not sent: why)`, until `keepInput()`.
 */
export function discardInput(why: string): void {
  const reader = stdinLines();
  reader.dropQueued(why);
  reader.discarding = why;
}

/** Keep typed lines again, for the next prompt. */
export function keepInput(): void {
  stdinLines().discarding = undefined;
}

/** How a call of {@linkcode input} may end early or refuse empty lines. */
export interface InputOptions {
  /** Return `null` at once when this aborts. */
  signal?: AbortSignal;
  /** Ask again after an empty line, with this note on stderr. @default empty lines are returned */
  emptyNote?: string;
}

/** Wait for one line of stdin after writing `prompt`; `null` at end of input or on abort. */
export async function input(prompt: string, options: InputOptions = {}): Promise<string | null> {
  const reader = stdinLines();
  const terminal = Terminal.started();
  for (;;) {
    if (options.signal?.aborted) return null;
    if (terminal) {
      flush();
      terminal.openPrompt(prompt);
    } else {
      flush(prompt); // what was printed just before, and the prompt, in one write
    }
    setPromptOpen(true);
    const line = await reader.next(options.signal);
    let typed: string | undefined;
    if (line === undefined) typed = terminal?.abandonPrompt();
    else terminal?.closePrompt();
    setPromptOpen(false);
    if (typed) note(`(not sent: "${typed}" was typed for a peer who has left)`);
    if (line === null && terminal) process.stdout.write("\n"); // Ctrl-D: end the prompt's line
    if (line === undefined) return null; // the peer left while we waited
    if (line !== "" || options.emptyNote === undefined) return line;
    note(options.emptyNote);
  }
}
