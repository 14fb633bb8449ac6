/**
 * stderr carries everything that is not the conversation: notes for the user and,
 * with `--trace`, one line per socket event. stdout stays byte for byte the article's.
 *
 * @example
 * ```ts
 * import { note, setTrace, trace } from "./stderr.ts";
 * setTrace(true);
 * trace("accept 127.0.0.1:54321"); // stderr: "[trace 08:31:02.123] accept 127.0.0.1:54321 (tcp/server.ts:34)"
 * note("peer 127.0.0.1:54321 closed the connection");
 * ```
 * @module
 */

import { flush } from "./print.ts";
import { Terminal } from "./terminal.ts";

let tracingOn = false;
let promptOpen = false;

/** Turn `--trace` output on or off. @default off */
export function setTrace(on: boolean): void {
  tracingOn = on;
}

/** Whether `--trace` is on: check it before computing what only a trace would show. */
export function tracing(): boolean {
  return tracingOn;
}

/**
 * Tell the stderr writers that a prompt is waiting on stdout with no newline, so that
 * on a terminal a note starts on a line of its own instead of after `高望>>>`.
 */
export function setPromptOpen(open: boolean): void {
  promptOpen = open;
}

let sink: ((line: string) => void) | undefined;

/**
 * Send every note and trace line to `write` instead of straight to stderr: a live prompt
 * (shared/live-prompt.ts) prints them above itself and draws itself again below them.
 */
export function setNoteSink(write: ((line: string) => void) | undefined): void {
  sink = write;
}

/**
 * Write one line on stderr: above the prompt and typing when a person types at a terminal
 * (the mirrors' line editor, or the room client's live prompt), and otherwise on a fresh
 * line when a prompt is open on the same terminal.
 */
export function note(text: string): void {
  flush(); // what stdout holds goes first, so a terminal shows both in order
  if (sink) {
    sink(text);
    return;
  }
  const terminal = Terminal.started();
  if (terminal) {
    terminal.show(`${text}\n`, process.stderr);
    return;
  }
  const fresh = promptOpen && process.stdout.isTTY && process.stderr.isTTY ? "\n" : "";
  process.stderr.write(`${fresh}${text}\n`);
}

/**
 * With `--trace`: one socket event on stderr, stamped with the wall clock (one clock for
 * every process of the machine, so two scripts' traces interleave truthfully) and, when a
 * statement of a script caused it, that statement's file and line.
 */
export function trace(event: string, at = callSite(), when = new Date()): void {
  if (tracingOn) note(`[trace ${clock(when)}] ${event}${at ? ` (${at})` : ""}`);
}

/**
 * The script line running now, for a trace that will be written later from a callback
 * (when the kernel has answered): capture it at the call, pass it to {@linkcode trace}.
 */
export function callSite(): string | undefined {
  return tracingOn ? scriptLine(new Error().stack ?? "") : undefined;
}

/** The time of day to the millisecond: `08:31:02.123`. */
function clock(now: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  const ms = String(now.getMilliseconds()).padStart(3, "0");
  return `${two(now.getHours())}:${two(now.getMinutes())}:${two(now.getSeconds())}.${ms}`;
}

/**
 * The first frame of a stack that is a line of a script in tcp/ or udp/, as `tcp/client.ts:39`:
 * the built .js has the same lines as the .ts, so the line is the one a reader opens.
 */
export function scriptLine(stack: string): string | undefined {
  const frame = /\b((?:tcp|udp)\/[\w-]+)\.(?:ts|js):(\d+):\d+/.exec(stack);
  return frame ? `${frame[1]}.ts:${frame[2]}` : undefined;
}
