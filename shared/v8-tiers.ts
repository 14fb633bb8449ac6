/**
 * `baselineOnly()` keeps V8 to its interpreter (Ignition) and its baseline compiler
 * (Sparkplug) for the rest of the run: from then on V8 optimizes no function. The four
 * mirrors call it before their loop. A conversation typed a line at a time never runs hot
 * enough to repay what V8's optimizing compilers (Maglev, TurboFan) spend on it, on
 * threads of their own that take a core from the chat's two programs (lesson 7, "Python
 * has no JIT"; docs/benchmarks.md shows the trade at every run). The room, a server for
 * many, keeps every tier.
 *
 * How, and why so:
 * - It turns the optimizing compilers off, `--no-turbofan --no-maglev`: flags that Node 20,
 *   22 and 24 all read again at each decision. (`--max-opt=1` says the same, but Node 24
 *   reads it only as it starts.)
 * - At run time, not on node's command line: a V8 flag there makes Node compile its own
 *   modules from source instead of taking them from its code cache, which was made without
 *   the flag (`tcp/server.ts --help` took 33 ms, 40 with `--max-opt=1` on the command line).
 * - Once the script listens or is connected: loading `node:v8` takes 1.3-1.6 ms, which the
 *   way to `listening on` need not pay.
 * - A tier chosen on node's command line (`node --max-opt=N`, `--no-turbofan`, ...) is
 *   left as it is: the bench's "all of V8's tiers" rows run so. Deno's `node:v8` takes the
 *   call and changes nothing.
 *
 * @example
 * ```ts
 * import { baselineOnly } from "./v8-tiers.ts";
 * baselineOnly(); // from here on, V8 optimizes no function of this process
 * ```
 * @module
 */

/** A command-line flag that chooses V8's tiers. */
const CHOSEN = /^--(no-)?(max-opt|turbofan|maglev|opt|jitless)\b/;

export function baselineOnly(): void {
  if (process.execArgv.some((arg) => CHOSEN.test(arg))) return;
  process.getBuiltinModule("node:v8").setFlagsFromString("--no-turbofan --no-maglev");
}
