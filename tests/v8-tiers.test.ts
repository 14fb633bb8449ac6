// The mirrors keep V8 to its first two tiers (shared/v8-tiers.ts; lesson 7, "Python has no
// JIT"): through a pair's first thousand exchanges V8 optimizes nothing (a few functions of
// Node's module loader may be, before the script runs), and the threads where it would
// compile stay quiet. Watched with V8's own --trace-opt, on the real scripts, started
// as make starts them, and with all of V8's tiers given back on node's command line. And
// why at run time: a V8 flag on node's command line costs Node its own code cache.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type Proc, readPort, reapAll, spawnProgram, threadCpuMs } from "../harness/procs.ts";
import { builtScript } from "../harness/root.ts";
import { ALL_V8_TIERS } from "../harness/runtimes.ts";
import { turn } from "./chat.ts";

test.after.each(reapAll);

const EXCHANGES = 1000;

/** A line of --trace-opt for a function compiled by Maglev or TurboFan. */
const OPTIMIZED = /^\[completed (?:optimizing|compiling) .*\(target (?:MAGLEV|TURBOFAN)\)/gm;

/** The UDP pair through its first thousand exchanges, started as make starts it or not. */
async function firstThousand(allTiers: boolean) {
  const flags = [...(allTiers ? [ALL_V8_TIERS] : []), "--trace-opt"];
  // At low priority: the test counts what V8 compiles, not time, and the timing tests that
  // run beside it keep their cores.
  const start = (role: string, args: string[]): Proc =>
    spawnProgram(`udp/${role}.ts ${flags.join(" ")}`, [
      "nice",
      "-n",
      "10",
      process.execPath,
      ...flags,
      builtScript(`udp/${role}.ts`),
      ...args,
    ]);
  const server = start("server", ["--port", "0"]);
  const client = start("client", ["--port", String(await readPort(server))]);
  const pair = { kind: "udp", server, client } as const;
  const optimized = () =>
    [server, client].reduce((n, p) => n + (p.stdout.match(OPTIMIZED) ?? []).length, 0);
  await turn(pair, "m1", "r1");
  const atStart = optimized(); // while Node loaded the script, before it could say anything
  const before = [server, client].map((p) => threadCpuMs(p.child.pid));
  for (let n = 2; n <= EXCHANGES; n++) await turn(pair, `m${n}`, `r${n}`, n);
  const after = [server, client].map((p) => threadCpuMs(p.child.pid));
  const us = (part: "main" | "other") =>
    (after.reduce((sum, cpu, i) => sum + cpu[part] - (before[i]?.[part] ?? 0), 0) * 1000) /
    EXCHANGES;
  return { atStart, during: optimized() - atStart, main: us("main"), other: us("other") };
}

test("the mirrors as make runs them keep V8's compiler threads quiet", async () => {
  const made = await firstThousand(false);
  const all = await firstThousand(true);
  const show = (r: typeof made) =>
    `${r.atStart} functions optimized as it started and ${r.during} during the exchanges, CPU per exchange ${r.main.toFixed(0)} µs on the main threads and ${r.other.toFixed(1)} on the others`;
  console.log(
    `UDP pair, ${EXCHANGES} exchanges: as make runs them ${show(made)}; with all of V8's tiers ${show(all)}`,
  );
  assert.is(made.during, 0, show(made));
  assert.ok(all.during > 0, `with all tiers, V8 should optimize something: ${show(all)}`);
  assert.ok(made.other < all.other, `${show(made)}; ${show(all)}`);
});

test("a V8 flag on node's command line makes Node compile its own modules anew; the mirrors start without one", async () => {
  // NODE_DEBUG_NATIVE=CODE_CACHE: Node says, for each of its modules, whether the code cache
  // built into it was taken; a cache made without the flag is rejected
  const rejected = async (flags: string[]) => {
    const server = spawnProgram(
      `tcp/server.ts ${flags.join(" ")}`.trim(),
      [process.execPath, ...flags, builtScript("tcp/server.ts"), "--port", "0"],
      { env: { NODE_DEBUG_NATIVE: "CODE_CACHE" } },
    );
    await readPort(server); // every module of its start is loaded by then
    return (server.stderr.match(/^Code cache of \S+ .*is rejected$/gm) ?? []).length;
  };
  const made = await rejected([]);
  const flagged = await rejected(["--max-opt=1"]);
  console.log(
    `Node's modules compiled anew by the time tcp/server.ts listens: ${made} as make starts it, ${flagged} with --max-opt=1 on node's command line`,
  );
  assert.is(made, 0);
  assert.ok(flagged > 10, String(flagged));
});

test.run();
