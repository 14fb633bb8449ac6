/**
 * A copy of this project for an install test, with a stand-in `npm` first on PATH: the
 * Makefile and tools/deps.mjs run as a learner's clone would run them, and nothing is
 * fetched from the npm registry. The stand-in is a shell script the test writes (it may
 * record its calls, wait at a gate, copy or link this project's own packages, or fail as npm
 * does when the registry cannot be reached).
 *
 * @example
 * ```ts
 * const { dir, env } = withStandInNpm("tcp-udp-chat-install-", CHAT_PARTS, (dir) =>
 *   `echo "npm $*" >> "${dir}/npm.log"\nexit 1\n`,
 * );
 * spawnProgram("make", ["make", "-s", "tcp-server"], { cwd: dir, env });
 * ```
 * @module
 */
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./procs.ts";
import { ROOT } from "./root.ts";

/** What `make tcp-server` (or any chat target) needs of the project. */
export const CHAT_PARTS = [
  "Makefile",
  "package.json",
  "package-lock.json",
  "tools",
  "tcp",
  "udp",
  "shared",
];

/**
 * `parts` of the project (paths below its root) copied into a new folder (removed at the
 * next reap), and `bin/npm` there running `script(dir)` under /bin/sh; `env` puts it first.
 */
export function withStandInNpm(
  prefix: string,
  parts: string[],
  script: (dir: string) => string,
): { dir: string; env: { PATH: string } } {
  const dir = tempDir(prefix);
  for (const part of parts) cpSync(join(ROOT, part), join(dir, part), { recursive: true });
  mkdirSync(join(dir, "bin"));
  writeFileSync(join(dir, "bin/npm"), `#!/bin/sh\n${script(dir)}`, { mode: 0o755 });
  return { dir, env: { PATH: `${join(dir, "bin")}:${process.env.PATH}` } };
}
