/**
 * The few functions of `node:fs` and `node:util` the scripts use, taken with
 * `process.getBuiltinModule` instead of an ESM `import`.
 *
 * An `import { readFileSync } from "node:fs"` in an ES module makes Node evaluate every
 * export of `fs`, lazy ones included: `fs.promises`, the file streams, the watchers, a
 * part of readline, about thirty internal modules (`node:util` on Node 24 brings in
 * worker_threads and the assert diff). A script pays that at every start, before it
 * listens: 2-3 ms of a 40 ms start on this machine (docs/benchmarks.md, "Start to
 * ready"). `process.getBuiltinModule` hands over the module as `require` would, loading
 * nothing more. Node >= 20.16 and Deno 2 have it. The test that keeps a start free of
 * those modules: tests/helpers.test.ts, "a mirror's start loads no more of node:fs ...".
 *
 * Types still come from an ordinary `import type`, which the build erases.
 *
 * @example
 * ```ts
 * import { readFileSync } from "./builtins.ts";
 * readFileSync("/proc/net/tcp", "latin1"); // the kernel's TCP sockets, as ss reads them
 * ```
 * @module
 */

export const { fstatSync, readFileSync, write } = process.getBuiltinModule("node:fs");
export const { parseArgs } = process.getBuiltinModule("node:util");
