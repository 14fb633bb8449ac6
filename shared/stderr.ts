/**
 * stderr carries everything that is not the conversation: notes for the user and,
 * with `--trace`, one line per socket event. stdout stays byte for byte the article's.
 *
 * @module
 */

import { pathToFileURL } from "node:url";
import { flush } from "./print.ts";
import { Terminal } from "./terminal.ts";

let tracingOn = false;
let promptOpen = false;

/**
 * Turn `--trace` output on or off (`chatArgs` does it from the flag). Off until called.
 *
 * @example
 * ```ts
 * import { setTrace, trace } from "./stderr.ts";
 * setTrace(true);
 * trace("accept 127.0.0.1:54321"); // stderr: [trace 08:31:02.123] accept 127.0.0.1:54321
 * ```
 */
export function setTrace(on: boolean): void {
  tracingOn = on;
}

/**
 * Whether `--trace` is on: check it before computing what only a trace would show.
 *
 * @example
 * ```ts
 * import { setTrace, trace, tracing } from "./stderr.ts";
 * const text = "你好";
 * setTrace(process.argv.includes("--trace"));
 * if (tracing()) trace(`send ${Buffer.byteLength(text)} bytes`); // 6 bytes: counted only when traced
 * ```
 */
export function tracing(): boolean {
  return tracingOn;
}

/**
 * Tell the stderr writers that a prompt is waiting on stdout with no newline, so that
 * on a terminal a note starts on a line of its own instead of after `高望>>>`.
 *
 * @example
 * ```ts
 * import { note, setPromptOpen } from "./stderr.ts";
 * process.stdout.write("高望>>>");
 * setPromptOpen(true);
 * note("peer 127.0.0.1:54321 will send no more"); // on a terminal: on a line of its own
 * setPromptOpen(false);
 * ```
 */
export function setPromptOpen(open: boolean): void {
  promptOpen = open;
}

let sink: ((line: string) => void) | undefined;

/**
 * Send every note and trace line to `write` instead of straight to stderr: a program that
 * draws a prompt of its own on the terminal prints them above it, and draws it again below.
 * `undefined` sends them to stderr again.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { note, setNoteSink } from "./stderr.ts";
 * const lines: string[] = [];
 * setNoteSink((line) => lines.push(line));
 * note("宝宝 joined");
 * setNoteSink(undefined);
 * assert.deepEqual(lines, ["宝宝 joined"]);
 * ```
 */
export function setNoteSink(write: ((line: string) => void) | undefined): void {
  sink = write;
}

/**
 * Write one line on stderr: above the prompt and typing when a person types at a terminal
 * (the mirrors' line editor, or a sink set by a program with a prompt of its own), and otherwise on a fresh
 * line when a prompt is open on the same terminal. What `print` holds goes out first.
 *
 * @example
 * ```ts
 * import { note } from "./stderr.ts";
 * note("peer 127.0.0.1:54321 reset the connection"); // stderr, with a newline
 * ```
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
 * statement of a script caused it, that statement's file and line (`at`, from
 * {@linkcode callSite} by default); `when` is the time it happened, now by default.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setNoteSink, setTrace, trace } from "./stderr.ts";
 * const lines: string[] = [];
 * setNoteSink((line) => lines.push(line)); // to see it here; stderr otherwise
 * setTrace(true);
 * trace("accept 127.0.0.1:54321", "tcp/server.ts:34", new Date(2025, 0, 1, 8, 31, 2, 123));
 * assert.deepEqual(lines, ["[trace 08:31:02.123] accept 127.0.0.1:54321 (tcp/server.ts:34)"]);
 * ```
 */
export function trace(event: string, at = callSite(), when = new Date()): void {
  if (tracingOn) note(`[trace ${clock(when)}] ${event}${at ? ` (${at})` : ""}`);
}

/**
 * The script line running now, for a trace that will be written later from a callback
 * (when the kernel has answered): capture it at the call, pass it to {@linkcode trace}.
 * `undefined` when not tracing, or when no line of the script runs (a helper's callback).
 *
 * @example
 * ```ts
 * import { callSite, setTrace, trace } from "./stderr.ts";
 * setTrace(true);
 * const at = callSite(); // this line of the script that runs, e.g. tcp/client.ts:31
 * setTimeout(() => trace("connected", at), 10); // written later, naming that line
 * ```
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

/** The project's folder (or its build's), as a URL: what a script's place is written from. */
const TOP = new URL("..", import.meta.url).href;
/** The script this process runs, as a URL without its extension (.ts here, .js when built). */
const MAIN = process.argv[1]
  ? pathToFileURL(process.argv[1]).href.replace(/\.(?:ts|js)$/, "")
  : undefined;

/**
 * The line of the script this process runs (not of a helper it calls) that a stack passes
 * through, as `tcp/client.ts:39`: the built .js has the same lines as the .ts, so the line
 * is the one a reader opens. `main` is that script's URL without its extension.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scriptLine } from "./stderr.ts";
 * const stack = [
 *   "Error",
 *   "    at recv (file:///home/me/chat/shared/tcp-recv.ts:224:10)",
 *   "    at file:///home/me/chat/tcp/server.ts:39:25",
 * ].join("\n");
 * const line = scriptLine(stack, "file:///home/me/chat/tcp/server");
 * assert.equal(line, "file:///home/me/chat/tcp/server.ts:39"); // tcp/server.ts:39 inside the project
 * ```
 */
export function scriptLine(stack: string, main = MAIN): string | undefined {
  if (!main) return undefined;
  for (const [, url = "", line] of stack.matchAll(/(file:\/\/[^\s()]+?)\.(?:ts|js):(\d+):\d+/g)) {
    if (url === main) return `${url.startsWith(TOP) ? url.slice(TOP.length) : url}.ts:${line}`;
  }
  return undefined;
}
