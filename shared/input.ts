/**
 * Python's `input(prompt)` for Node: write the prompt on stdout with no newline, then
 * wait for one line of stdin and return it without its line ending (`\n` or `\r\n`).
 * At the end of stdin (Ctrl-D, a closed pipe) it returns `null` where Python raises
 * `EOFError`; a last line with no newline still counts as a line.
 *
 * stdin is read as it comes (stdin.ts) and cut into lines here, so lines that arrive
 * together (a pasted block, a pipe) are each kept for a later call, never lost: what is
 * typed ahead waits, as it does in Python's buffered stdin. While no prompt is open stdin does not
 * keep the process alive (it is unref'd), so a script ends when its conversation does.
 * On a terminal the lines come from the line editor of terminal.ts, which keeps the
 * prompt and the typing on screen below whatever else is printed.
 *
 * A server waiting for a client can answer nobody: {@linkcode discardInput} drops what is
 * typed then, and {@linkcode whenInputEnds} acts at once when stdin ends. Otherwise stdin
 * ending with no prompt open is noted, and the next prompt gets `null`.
 *
 * @module
 */
import { flush } from "./print.ts";
import { note, setPromptOpen } from "./stderr.ts";
import { holder, readStdin } from "./stdin.ts";
import { Terminal } from "./terminal.ts";

/** A call of {@linkcode input} waiting for its line. */
interface Asking {
  prompt: string;
  options: InputOptions;
  answer: (line: string | null) => void;
}

/**
 * The lines of stdin, read as they come. A line that comes while a prompt is open answers it
 * at once, from stdin's own event: no promise or timer in between, as few steps as the
 * article's `input` takes between the key and the answer. Lines typed ahead are queued.
 */
class Lines {
  readonly #queue: string[] = [];
  #partial = "";
  #ended = false;
  /** The open prompt, once it is written and no line was there to answer it. */
  #asking: Asking | undefined;
  /** Let stdin keep the process alive (while a prompt waits), or not. */
  readonly #hold: (waiting: boolean) => void;
  /** The signals that end a prompt when they abort: each is listened to once, not at every prompt. */
  readonly #signals = new WeakSet<AbortSignal>();
  /** Whether the next line answers a peer who left while it was being typed. */
  #dropNext = false;
  /** While set, lines are dropped as they arrive, with this reason in a note. */
  discarding: string | undefined;
  /** While set, what the end of stdin does when no prompt is open (a server idle). */
  #onIdleEnd: (() => void) | undefined;
  /** Whether a read has met the end of stdin (not merely whether the stream has ended). */
  endSeen = false;

  constructor(terminal: Terminal | undefined) {
    if (terminal) {
      terminal.listen(
        (line) => this.#push(line),
        () => this.#end(),
      );
      this.#hold = holder(process.stdin);
    } else {
      this.#hold = readStdin(
        (text) => this.#add(text),
        () => this.#end(),
      );
    }
  }

  /** Write the prompt of `asking`, then answer it with the next line, `null` at the end. */
  ask(asking: Asking): void {
    const signal = asking.options.signal;
    if (signal && !this.#signals.has(signal)) {
      this.#signals.add(signal);
      signal.addEventListener("abort", () => this.#abandon(signal), { once: true });
    }
    this.#open(asking);
  }

  /** Drop the lines typed ahead and not yet read, each with a note. */
  dropQueued(why: string): void {
    for (const _ of this.#queue.splice(0)) note(`(not sent: ${why})`);
  }

  #open(asking: Asking): void {
    if (asking.options.signal?.aborted) {
      asking.answer(null); // the peer had left already
      return;
    }
    const terminal = Terminal.started();
    if (terminal) {
      flush();
      terminal.openPrompt(asking.prompt);
    } else {
      flush(asking.prompt); // what was printed just before, and the prompt, in one write
    }
    setPromptOpen(true);
    this.#asking = asking;
    if (this.#queue.length > 0) this.#answer(this.#queue.shift() as string);
    else if (this.#ended) this.#answer(null);
    else this.#hold(true);
  }

  /** The open prompt gets `line`, or `null` at the end of stdin; an empty line may ask again. */
  #answer(line: string | null): void {
    const asking = this.#asking as Asking;
    this.#asking = undefined;
    this.#hold(false);
    const terminal = Terminal.started();
    terminal?.closePrompt();
    setPromptOpen(false);
    if (line === null) {
      this.endSeen = true;
      if (terminal) process.stdout.write("\n"); // Ctrl-D: end the prompt's line
    } else if (line === "" && asking.options.emptyNote !== undefined) {
      note(asking.options.emptyNote);
      this.#open(asking);
      return;
    }
    asking.answer(line);
  }

  /** The peer behind `signal` has left while its prompt was open: the prompt gets `null`. */
  #abandon(signal: AbortSignal): void {
    const asking = this.#asking;
    if (asking?.options.signal !== signal) return; // no prompt open for that peer now
    this.#asking = undefined;
    this.#hold(false);
    const terminal = Terminal.started();
    const typed = terminal?.abandonPrompt();
    setPromptOpen(false);
    if (typed) note(`(not sent: "${typed}" was typed for a peer who has left)`);
    // In a pipe, or with the terminal's own line discipline, the line being typed was meant
    // for the peer who left: it is dropped when it comes. (The line editor handed it over.)
    this.#dropNext = terminal === undefined;
    asking.answer(null);
  }

  #add(text: string): void {
    const parts = (this.#partial + text).split("\n");
    this.#partial = parts.pop() as string;
    for (const line of parts) this.#push(line.endsWith("\r") ? line.slice(0, -1) : line);
  }

  #end(): void {
    const last = this.#partial;
    this.#partial = "";
    if (last !== "") this.#push(last);
    this.#ended = true;
    if (this.#asking) this.#answer(null);
    else if (this.#onIdleEnd) this.#idleEnd();
    // Said only when the end brought no line: a last line without a newline (as printf
    // sends it) was the last thing typed, whether a prompt took it now or takes it later.
    else if (last === "" && this.#queue.length === 0)
      note("(stdin ended: the conversation ends at the next prompt)");
  }

  /** What the end of stdin does while no prompt is open: at once if it has ended already. */
  set onIdleEnd(action: (() => void) | undefined) {
    this.#onIdleEnd = action;
    if (action && this.#ended && !this.#asking && this.#queue.length === 0) this.#idleEnd();
  }

  #idleEnd(): void {
    this.endSeen = true;
    if (Terminal.started()) process.stdout.write("\n"); // Ctrl-D: on a line of its own
    this.#onIdleEnd?.();
  }

  #push(line: string): void {
    if (this.#dropNext) {
      this.#dropNext = false;
      note("(not sent: that line was typed after the peer had left)");
    } else if (this.discarding !== undefined) {
      note(`(not sent: ${this.discarding})`);
    } else if (this.#asking) {
      this.#answer(line);
    } else {
      this.#queue.push(line);
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
 *
 * @example
 * ```ts
 * import { input, inputEnded } from "./input.ts";
 * const toClientMsg = await input("高望>>>");
 * if (inputEnded()) console.error("stdin ended: the server stops"); // toClientMsg is null
 * else console.log(`answer: ${toClientMsg}`);
 * ```
 */
export function inputEnded(): boolean {
  return lines?.endSeen ?? false;
}

/**
 * Nobody can be answered now (a server waiting for a client): drop the lines typed ahead,
 * and from now on each line as it is typed, each with the note `(not sent: why)` on stderr,
 * never kept for whoever comes next; until {@linkcode keepInput}.
 *
 * @example
 * ```ts
 * import { discardInput, keepInput } from "./input.ts";
 * discardInput("no client is connected"); // a line typed now: "(not sent: no client is connected)"
 * // … a client connects …
 * keepInput(); // lines typed from now on wait for the next prompt
 * ```
 */
export function discardInput(why: string): void {
  const reader = stdinLines();
  reader.dropQueued(why);
  reader.discarding = why;
}

/**
 * Keep typed lines again, for the next prompt, after {@linkcode discardInput}.
 *
 * @example
 * ```ts
 * import { discardInput, input, keepInput } from "./input.ts";
 * discardInput("no client is connected");
 * keepInput(); // a client came: what is typed now answers it
 * const toClientMsg = await input("高望>>>"); // a line typed now, or null at the end of stdin
 * ```
 */
export function keepInput(): void {
  stdinLines().discarding = undefined;
}

/**
 * While a server waits for a peer with no prompt open (at accept or recvfrom): what the end
 * of stdin (Ctrl-D) does, at once, instead of at a prompt that may never come (the server
 * can answer nobody any more); `undefined` when it stops waiting. Starts reading stdin if
 * nothing has yet, so that its end is seen.
 *
 * @example
 * ```ts
 * import { whenInputEnds } from "./input.ts";
 * whenInputEnds(() => {
 *   console.error("stdin ended while no client was connected: the server stops");
 *   process.exit(0);
 * });
 * // … a client connects: a prompt will see the end of stdin now …
 * whenInputEnds(undefined);
 * ```
 */
export function whenInputEnds(action: (() => void) | undefined): void {
  stdinLines().onIdleEnd = action;
}

/**
 * How a call of {@linkcode input} may end early or refuse empty lines.
 *
 * @example
 * ```ts
 * import { type InputOptions, input } from "./input.ts";
 * import { NOTHING_TO_SEND } from "./tcp-send.ts";
 * const peerLeft = new AbortController(); // aborted when the peer resets (tcp-recv.ts peerDone)
 * const options: InputOptions = { signal: peerLeft.signal, emptyNote: NOTHING_TO_SEND };
 * const toClientMsg = await input("高望>>>", options); // never "": an empty line asks again
 * ```
 */
export interface InputOptions {
  /**
   * Return `null` at once when this aborts: the peer has left while the prompt is open.
   * @default none: only a line or the end of stdin answers
   */
  signal?: AbortSignal;
  /**
   * Empty lines are not answers: each one gets this note on stderr and the prompt again. TCP
   * needs it: an empty line is zero bytes, nothing goes on the wire, and both sides of the
   * article's programs would wait for ever.
   * @default empty lines are returned
   */
  emptyNote?: string;
}

/**
 * Python's `input(prompt)`: write `prompt` on stdout, then wait for one line of stdin and
 * return it without its line ending; `null` at the end of stdin (Python raises `EOFError`)
 * or when `options.signal` aborts.
 *
 * @example
 * ```ts
 * import { input } from "./input.ts";
 * const toServerMsg = await input("宝宝说:"); // stdout: 宝宝说: (then a line is typed)
 * if (toServerMsg === null) console.error("stdin ended");
 * else console.log(`typed: ${toServerMsg}`);
 * ```
 */
export function input(prompt: string, options: InputOptions = {}): Promise<string | null> {
  return new Promise((answer) => stdinLines().ask({ prompt, options, answer }));
}
