/**
 * The ways the benchmarks, the CI and `make test-runtimes` run a script, beside the
 * default (this Node on the built .js): with tsx, on Node 24 straight from the .ts,
 * built on Node 24, and on Deno. The extra runtimes live in the ignored `.cache/runtimes`
 * folder that `make runtimes` fills from the npm registry (tools/runtimes.json).
 *
 * @example
 * ```ts
 * for (const rt of availableRuntimes()) console.log(rt.name, rt.command("tcp/server.ts").join(" "));
 * ```
 * @module
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { builtScript, ROOT } from "./root.ts";

export interface Runtime {
  /** How the README and the report name it. */
  name: string;
  /** The command line that runs `script` (a .ts path relative to the project). */
  command(script: string): string[];
  /** The command line that runs nothing, the runtime's own start-up floor. */
  floor: string[];
  /** Variables the command runs with, beside the caller's: make's for the built scripts. */
  env?: NodeJS.ProcessEnv;
}

/** What make's chat targets change in the environment (the Makefile's CHAT). */
export const MAKE_CHAT_ENV: NodeJS.ProcessEnv = { NODE_EXTRA_CA_CERTS: "" };

/**
 * Deno's read permission, as the Makefile's DENO_RUN sets it: /proc denied up front (Deno 2
 * reads it only with --allow-all), so that no read of the kernel's tables stops at a prompt.
 */
export const DENO_READ = "--deny-read=/proc";

/**
 * What keeps V8 to its first two tiers (its interpreter and Sparkplug), on node's command
 * line: the bench's "V8's first two tiers only" rows run the mirrors so, beside the mirrors
 * as make runs them, with every tier, as any Node program.
 */
export const FIRST_TWO_TIERS = "--max-opt=1";

const CACHE = join(ROOT, ".cache/runtimes/node_modules");

/** The Node binary installed as `alias` by `make runtimes` (node-oldest, node22, node24), if any. */
export function nodeRuntime(alias: string): string | undefined {
  const bin = join(CACHE, alias, "bin/node");
  return existsSync(bin) ? bin : undefined;
}

/** The Deno binary installed by `make runtimes`, if any. */
export function denoBinary(): string | undefined {
  const dir = join(CACHE, "@deno");
  if (!existsSync(dir)) return undefined;
  return readdirSync(dir)
    .map((platform) => join(dir, platform, "deno"))
    .find(existsSync);
}

/** The runtimes installed here: this Node always, Node 24 and Deno after `make runtimes`. */
export function availableRuntimes(): Runtime[] {
  const node = process.execPath;
  const version = process.versions.node;
  const runtimes: Runtime[] = [
    {
      name: `Node ${version}, built .js (make's way)`,
      command: (script) => [node, builtScript(script)],
      floor: [node, "-e", "0"],
      env: MAKE_CHAT_ENV,
    },
    {
      name: `Node ${version} + tsx`,
      command: (script) => [node, "--import", "tsx", script],
      floor: [node, "-e", "0"],
    },
  ];
  const node24 = nodeRuntime("node24");
  if (node24) {
    runtimes.push(
      {
        name: "Node 24, built .js (make's way)",
        command: (script) => [node24, builtScript(script)],
        floor: [node24, "-e", "0"],
        env: MAKE_CHAT_ENV,
      },
      {
        name: "Node 24 on the .ts, no loader",
        command: (script) => [node24, script],
        floor: [node24, "-e", "0"],
      },
    );
  }
  const deno = denoBinary();
  if (deno) {
    runtimes.push({
      name: "Deno 2",
      command: (script) => [deno, "run", "--allow-net", DENO_READ, script],
      floor: [deno, "eval", "0"],
    });
  }
  return runtimes;
}
