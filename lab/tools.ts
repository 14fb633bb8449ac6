/**
 * The programs the lab runs besides the chat scripts: `tcpdump` (the capture) and `setpriv`
 * (util-linux: who each child runs as, and that it dies with the lab). Where one is
 * missing, one line names the package that has it.
 *
 * @example
 * ```ts
 * import { installHint, toolPath } from "./tools.ts";
 * toolPath("tcpdump"); // "/usr/bin/tcpdump", or undefined
 * installHint("tcpdump"); // "tcpdump not installed; install with: sudo apt-get install -y tcpdump"
 * ```
 * @module
 */
import { accessSync, constants } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";

/** The Debian package of each tool. */
const PACKAGES: Record<string, string> = { tcpdump: "tcpdump", setpriv: "util-linux" };

/** Where `tool` is on PATH, if it is (folders named from `/` only: the lab may run as root). */
export function toolPath(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter).filter((d) => isAbsolute(d))) {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return join(dir, tool);
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** The one line that names a missing tool and the command that installs it. */
export function installHint(tool: string): string {
  return `${tool} not installed; install with: sudo apt-get install -y ${PACKAGES[tool] ?? tool}`;
}
