/**
 * Another user, for the tests about what an ordinary user meets: root may bind any port
 * and open raw sockets, so those tests run a built script as `nobody` (uid 65534). That
 * user cannot read a clone that sits in a private folder (0700, a home directory), so the
 * built scripts are copied into a temporary folder it can read, and run from there.
 *
 * @example
 * ```ts
 * const nobodyTest = testUnless(nobodyProblem(), "the privileged-port test");
 * nobodyTest("a server not allowed port 80 says so", async () => {
 *   spawnScript("tcp/server.ts", ["--port", "80"], "server", asNobody());
 * });
 * ```
 * @module
 */
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type SpawnOptions, tempDir } from "./procs.ts";
import { BUILD, ROOT } from "./root.ts";

const NOBODY = 65534;

/** Why no script can run as nobody here, or `undefined` when it can. */
export function nobodyProblem(): string | undefined {
  if (process.getuid?.() !== 0) return "only root can start a process as another user";
  const as = { uid: NOBODY, gid: NOBODY, cwd: tmpdir(), stdio: "ignore" } as const;
  const tried = spawnSync(process.execPath, ["-e", "0"], as);
  return tried.status === 0
    ? undefined
    : `user nobody cannot run ${process.execPath} in ${tmpdir()}`;
}

/** How to run a built script as nobody: from a copy of the build, removed at the next reap. */
export function asNobody(): SpawnOptions {
  const dir = tempDir("tcp-udp-chat-nobody-");
  cpSync(join(ROOT, BUILD), join(dir, BUILD), { recursive: true });
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  chmodSync(dir, 0o755); // mkdtemp made it 0700
  return { uid: NOBODY, gid: NOBODY, cwd: dir };
}
