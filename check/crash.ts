/**
 * Whether a program crashed, read from what it printed and how it ended: a Python
 * traceback, a Java exception, a Go or Rust panic, a Node error with its stack, or a death
 * by a signal it was not sent (a segmentation fault). The summary is the line a learner
 * looks for: `UnicodeDecodeError: 'utf-8' codec can't decode byte 0xe4 …`.
 *
 * @example
 * ```ts
 * import { findCrash } from "./crash.ts";
 * findCrash("Traceback (most recent call last):\n  File \"s.py\", line 9\nEOFError: EOF when reading a line\n");
 * // { summary: "EOFError: EOF when reading a line", exception: "EOFError" }
 * ```
 * @module
 */

export interface Crash {
  /** The line that names what went wrong. */
  summary: string;
  /** The exception's short name (`EOFError`, `SocketException`), when there is one. */
  exception?: string;
}

const named = (summary: string, name: string | undefined): Crash => ({
  summary: summary.trim().slice(0, 300),
  exception: name?.split(".").at(-1),
});

/** The crash that `text` (a program's stderr, or its terminal) reports, if it reports one. */
export function findCrash(text: string): Crash | undefined {
  // Python: the last traceback's first line that is not a frame (frames are indented)
  const python = text.lastIndexOf("Traceback (most recent call last):");
  if (python !== -1) {
    const after = text.slice(python).split("\n").slice(1);
    const line = after.find((l) => l.length > 0 && !/^\s/.test(l));
    if (line) return named(line, /^([A-Za-z_][\w.]*)(?::|$)/.exec(line)?.[1]);
  }
  const java = /Exception in thread "[^"]*" ([\w.$]+)(?::[^\n]*)?/.exec(text);
  if (java) return named(java[0], java[1]);
  const go = /^panic: [^\n]*/m.exec(text);
  if (go) return named(go[0], undefined);
  const rust = /thread '[^']*' panicked at[^\n]*/.exec(text);
  if (rust) return named(rust[0], undefined);
  const node = /^(?:Uncaught )?(\w*(?:Error|Exception))(?:: [^\n]*)?(?=\n\s+at )/m.exec(text);
  if (node) return named(node[0], node[1]);
  return undefined;
}

const FATAL: Partial<Record<NodeJS.Signals, string>> = {
  SIGSEGV: "segmentation fault (SIGSEGV)",
  SIGABRT: "aborted (SIGABRT)",
  SIGBUS: "bus error (SIGBUS)",
  SIGFPE: "arithmetic error (SIGFPE)",
  SIGILL: "illegal instruction (SIGILL)",
};

/** A death by a signal that means a crash, from the exit's signal or its 128+N code. */
export function fatalSignal(signal: NodeJS.Signals | null, code: number | null): Crash | undefined {
  const byCode: Record<number, NodeJS.Signals> = {
    139: "SIGSEGV",
    134: "SIGABRT",
    135: "SIGBUS",
    136: "SIGFPE",
    132: "SIGILL",
  };
  const sig = signal ?? (code === null ? undefined : byCode[code]);
  const what = sig ? FATAL[sig] : undefined;
  return what ? { summary: what } : undefined;
}
