/**
 * Start to ready: milliseconds from spawning a script to its first sign of life: the
 * `listening on` line for a server, the first prompt for a client, per runtime, beside
 * the runtime's own floor (a program that does nothing).
 *
 * @example
 * ```ts
 * const rows = await measureStart(5); // [{ runtime, what, ms: Summary }]
 * ```
 * @module
 */
import { type Proc, reapAll, spawnProgram } from "../tests/harness.ts";
import { availableRuntimes } from "./runtimes.ts";
import { type Summary, summary } from "./stats.ts";

export interface StartRow {
  runtime: string;
  what: string;
  ms: Summary;
}

async function timed(start: () => Proc, ready: (p: Proc) => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  const proc = start();
  await ready(proc);
  const ms = performance.now() - t0;
  await reapAll();
  return ms;
}

/** Measure every runtime `runs` times; the servers listen on any free port. */
export async function measureStart(runs: number): Promise<StartRow[]> {
  const rows: StartRow[] = [];
  for (const rt of availableRuntimes()) {
    const cases: [string, () => Proc, (p: Proc) => Promise<unknown>][] = [
      ["floor (empty program)", () => spawnProgram("floor", rt.floor), (p) => p.waitExit()],
      [
        "tcp/server.ts to listening",
        () => spawnProgram("tcp server", [...rt.launch, "tcp/server.ts", "--port", "0"]),
        (p) => p.waitFor("stderr", "listening on"),
      ],
      [
        "udp/server.ts to listening",
        () => spawnProgram("udp server", [...rt.launch, "udp/server.ts", "--port", "0"]),
        (p) => p.waitFor("stderr", "listening on"),
      ],
      [
        "udp/client.ts to first prompt",
        () => spawnProgram("udp client", [...rt.launch, "udp/client.ts"]),
        (p) => p.waitFor("stdout", "客户端说:"),
      ],
    ];
    for (const [what, start, ready] of cases) {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) times.push(await timed(start, ready));
      rows.push({ runtime: rt.name, what, ms: summary(times) });
    }
  }
  return rows;
}
