/**
 * Which of the real peers (`nc`, `socat`, `ncat`) this machine has. Tests that need a
 * missing tool are declared and skipped (harness/skip.ts), and one line says which tools
 * are missing and how to install them; under `CI=true` a missing tool is a failure
 * instead, since CI installs them.
 *
 * @example
 * ```ts
 * const missing = missingTools(["nc", "socat"]); // [] when both are on PATH
 * ```
 * @module
 */
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** The Debian package of each tool. */
export const PACKAGES: Record<string, string> = {
  nc: "netcat-openbsd",
  socat: "socat",
  ncat: "ncat",
  tcpdump: "tcpdump",
  chromium: "chromium",
  ss: "iproute2",
  ip: "iproute2",
  tc: "iproute2",
  nft: "nftables",
  python3: "python3",
  "redis-server": "redis-server",
};

/** Whether `tool` is an executable on PATH. */
export function haveTool(tool: string): boolean {
  return toolPath(tool) !== undefined;
}

/** Where `tool` is on PATH, if it is. */
export function toolPath(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return join(dir, tool);
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** The tools of `tools` that are not on PATH. */
export function missingTools(tools: string[]): string[] {
  return tools.filter((tool) => !haveTool(tool));
}

/** The one line that names missing tools and the command that installs them. */
export function installHint(missing: string[]): string {
  const packages = [...new Set(missing.map((tool) => PACKAGES[tool] ?? tool))].join(" ");
  return `${missing.join(", ")} not installed; install with: sudo apt-get install -y ${packages}`;
}
