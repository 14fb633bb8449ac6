// Which optimizing compilers V8 runs by default on the Nodes this project supports, as
// lesson 7 and the benchmarks say: TurboFan on all of them, Maglev only from Node 24.
// Node 22.0 turned Maglev on, and 22.9 turned it off again (its release notes: "Disable V8
// Maglev", after crashes in V8 12.4's code generation); Node 20's V8 11.3 has it off. Read
// from each Node's own `--v8-options`: this Node, and those `make runtimes` installed.
import { spawnSync } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { nodeRuntime } from "../harness/runtimes.ts";

/** Whether `node`'s V8 turns `flag` on by default, as `--v8-options` lists it. */
function onByDefault(node: string, flag: string): boolean {
  const options = spawnSync(node, ["--v8-options"], { encoding: "utf8" }).stdout;
  const at = options.indexOf(`\n  --${flag} (`);
  assert.ok(at >= 0, `${node}: no --${flag} in --v8-options`);
  const def = /default: --(no-)?[\w-]+/.exec(options.slice(at, at + 400))?.[0] ?? "";
  return !def.includes("--no-");
}

/** The Maglev default the lessons give for a Node version. */
const maglevExpected = (version: string) => {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  return major >= 24 || (major === 22 && minor < 9);
};

test("V8's Maglev is off by default on Node 20 and on Node 22.9 and later, on from Node 24; TurboFan is on everywhere", () => {
  const nodes = [
    process.execPath,
    ...["node-oldest", "node22", "node24"].flatMap((alias) => nodeRuntime(alias) ?? []),
  ];
  const seen: string[] = [];
  for (const node of nodes) {
    const version = spawnSync(node, ["-p", "process.versions.node"], {
      encoding: "utf8",
    }).stdout.trim();
    const maglev = onByDefault(node, "maglev");
    seen.push(`Node ${version}: maglev ${maglev ? "on" : "off"}`);
    assert.is(maglev, maglevExpected(version), `Node ${version}`);
    assert.ok(onByDefault(node, "turbofan"), `Node ${version}: TurboFan`);
  }
  console.log(seen.join("; "));
});

test.run();
