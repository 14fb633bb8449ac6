/**
 * Python's `input(prompt)` for Node: write the prompt on stdout with no newline, then
 * wait for one line of stdin and return it without its line ending (`\n` or `\r\n`).
 * At the end of stdin (Ctrl-D, a closed pipe) it returns `null` where Python raises
 * `EOFError`.
 *
 * One readline interface serves the whole process and is read through its async
 * iterator, so lines that arrive together (a pasted block, a pipe) are each kept for
 * a later call, never lost. Between calls stdin is paused, so it never keeps the
 * process alive on its own.
 *
 * Options:
 * - `signal`: an {@linkcode AbortSignal} that ends the wait: when the peer leaves while
 *   the prompt is open, `input` returns `null` at once. A line typed after that answers
 *   nobody: it is dropped with a note on stderr, never sent to the next peer.
 * - `emptyNote`: empty lines are not answers; each one gets this note on stderr and
 *   the prompt again. TCP needs it: an empty line is zero bytes, nothing goes on the
 *   wire, and both sides of the article's programs would wait for ever.
 *
 * @example
 * ```ts
 * import { input } from "./input.ts";
 * const toServerMsg = await input("宝宝说:"); // stdout: "宝宝说:", then waits for a line
 * if (toServerMsg === null) console.error("stdin ended");
 * ```
 * @module
 */
import { createInterface, type Interface } from "node:readline";
import { note, setPromptOpen } from "./stderr.ts";

let rl: Interface | undefined;
let lines: AsyncIterator<string> | undefined;
/** A read whose prompt was abandoned: the next line still goes to it, and is dropped. */
let orphan: Promise<IteratorResult<string>> | undefined;
let ended = false;

function nextLine(): Promise<IteratorResult<string>> {
  if (!rl || !lines) {
    rl = createInterface({ input: process.stdin, terminal: false, crlfDelay: Infinity });
    lines = rl[Symbol.asyncIterator]();
  }
  rl.resume();
  return lines.next();
}

/** Whether stdin has ended: every later {@linkcode input} returns `null` at once. */
export function inputEnded(): boolean {
  return ended;
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
  for (;;) {
    const line = await inputOnce(prompt, options.signal);
    if (line !== "" || options.emptyNote === undefined) return line;
    note(options.emptyNote);
  }
}

async function inputOnce(prompt: string, signal?: AbortSignal): Promise<string | null> {
  if (ended || signal?.aborted) return null;
  process.stdout.write(prompt);
  setPromptOpen(true);
  const read = orphan ?? nextLine();
  orphan = undefined;
  (process.stdin as { ref?: () => void }).ref?.();
  const result = await untilAborted(read, signal);
  setPromptOpen(false);
  if (result === "aborted") {
    abandon(read);
    return null;
  }
  if (result.done) {
    ended = true; // readline has closed itself: pausing it now would throw on Node 24
    return null;
  }
  rl?.pause();
  return result.value;
}

/** Keep reading for an abandoned prompt without holding the process open; drop its line. */
function abandon(read: Promise<IteratorResult<string>>): void {
  orphan = read;
  (process.stdin as { unref?: () => void }).unref?.();
  read.then((result) => {
    if (orphan !== read) return; // a later prompt took the read over
    orphan = undefined;
    if (result.done) {
      ended = true;
      return;
    }
    rl?.pause();
    note("(not sent: that line was typed after the peer had left)");
  });
}

function untilAborted<T>(work: Promise<T>, signal?: AbortSignal): Promise<T | "aborted"> {
  if (!signal) return work;
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve("aborted");
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
