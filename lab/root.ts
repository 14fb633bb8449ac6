/**
 * Where the project is, for the lab: the page's files, the chat scripts it runs, and their
 * built form (`tools/build.mjs` puts `tcp/server.ts` at `.cache/build/tcp/server.js`, the
 * same statements on the same lines). `ROOT` is the project's folder whether the lab runs
 * as .ts or built.
 *
 * @example
 * ```ts
 * import { builtScript, ROOT } from "./root.ts";
 * builtScript("tcp/server.ts"); // ".cache/build/tcp/server.js", relative to ROOT
 * ```
 * @module
 */
import { fileURLToPath } from "node:url";

export const BUILD = ".cache/build";

/** The project's folder, with a trailing slash, whether this file runs as .ts or built. */
export const ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(/\.cache\/build\/$/, "");

/** The built file that runs for `script` (a path relative to ROOT). */
export function builtScript(script: string): string {
  return `${BUILD}/${script.replace(/\.ts$/, ".js")}`;
}
