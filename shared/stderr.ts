/**
 * stderr carries everything that is not the conversation: notes for the user and,
 * with `--trace`, one line per socket event. stdout stays byte for byte the article's.
 *
 * @example
 * ```ts
 * import { note, setTrace, trace } from "./stderr.ts";
 * setTrace(true);
 * trace("accept 127.0.0.1:54321"); // stderr: "[trace +12 ms] accept 127.0.0.1:54321"
 * note("peer 127.0.0.1:54321 closed the connection");
 * ```
 * @module
 */

const started = performance.now();
let tracing = false;
let promptOpen = false;

/** Turn `--trace` output on or off. @default off */
export function setTrace(on: boolean): void {
  tracing = on;
}

/**
 * Tell the stderr writers that a prompt is waiting on stdout with no newline, so that
 * on a terminal a note starts on a line of its own instead of after `高望>>>`.
 */
export function setPromptOpen(open: boolean): void {
  promptOpen = open;
}

/** Write one line on stderr, on a fresh line when a prompt is open on the same terminal. */
export function note(text: string): void {
  const fresh = promptOpen && process.stdout.isTTY && process.stderr.isTTY ? "\n" : "";
  process.stderr.write(`${fresh}${text}\n`);
}

/** With `--trace`: one socket event on stderr, stamped with the milliseconds since start. */
export function trace(event: string): void {
  if (tracing) note(`[trace +${Math.round(performance.now() - started)} ms] ${event}`);
}
