/**
 * Where the project is, and where `tools/build.mjs` puts the built form of each script:
 * `tcp/server.ts` runs as `.cache/build/tcp/server.js`, the same statements on the same
 * lines with the types stripped. The kit runs from either place; `ROOT` is always the
 * project's own folder.
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
