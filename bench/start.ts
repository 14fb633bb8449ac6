/**
 * Start to ready: milliseconds from spawning a script to its first sign of life: the
 * `listening on` line for a server, the first prompt for a client, per runtime, beside
 * the runtime's own floor (a program that does nothing). The TCP client needs a server:
 * one is started before the clock runs.
 *
 * @example
 * ```ts
 * const rows = await measureStart(5); // [{ runtime, what, ms: Summary }]
 * ```
 * @module
 */
import { type Proc, reapAll, spawnProgram, startServer } from "../harness/procs.ts";
import { availableRuntimes } from "../harness/runtimes.ts";
import { type Summary, summary } from "./stats.ts";

export interface StartRow {
  runtime: string;
  what: string;
  ms: Summary;
}

interface Case {
  what: string;
  /** Untimed preparation; returns extra arguments for the command. */
  before?: () => Promise<string[]>;
  command: (extra: string[]) => string[];
  ready: (p: Proc) => Promise<unknown>;
}

async function timed(c: Case): Promise<number> {
  const extra = c.before ? await c.before() : [];
  const t0 = performance.now();
  const proc = spawnProgram(c.what, c.command(extra));
  await c.ready(proc);
  const ms = performance.now() - t0;
  await reapAll();
  return ms;
}

/** Measure every runtime (or the first `most`) `runs` times; the servers listen on any free port. */
export async function measureStart(runs: number, most?: number): Promise<StartRow[]> {
  const rows: StartRow[] = [];
  for (const rt of availableRuntimes().slice(0, most)) {
    const listening = (p: Proc) => p.waitFor("stderr", "listening on");
    const cases: Case[] = [
      { what: "floor (empty program)", command: () => rt.floor, ready: (p) => p.waitExit() },
      {
        what: "tcp/server.ts to listening",
        command: () => [...rt.command("tcp/server.ts"), "--port", "0"],
        ready: listening,
      },
      {
        what: "tcp/client.ts to first prompt",
        before: async () => ["--port", String((await startServer("tcp/server.ts")).port)],
        command: (extra) => [...rt.command("tcp/client.ts"), ...extra],
        ready: (p) => p.waitFor("stdout", "宝宝说:"),
      },
      {
        what: "udp/server.ts to listening",
        command: () => [...rt.command("udp/server.ts"), "--port", "0"],
        ready: listening,
      },
      {
        what: "udp/client.ts to first prompt",
        command: () => [...rt.command("udp/client.ts")],
        ready: (p) => p.waitFor("stdout", "客户端说:"),
      },
    ];
    for (const c of cases) {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) times.push(await timed(c));
      rows.push({ runtime: rt.name, what: c.what, ms: summary(times) });
    }
  }
  return rows;
}
