/**
 * The mirrors measured against the article's own programs, side by side in one run:
 * how long `make tcp-server` takes to listen, and how long one exchange of the chat takes
 * (bench/exchange.ts). Every variant runs once per round, rounds interleaved, so a ratio
 * is taken within a round and drift of a busy machine falls on both sides alike; figures
 * are the median over rounds with min-max.
 *
 * The anchor is the article's Python, given as `--python DIR` (the four programs typed by
 * the user as tcp_server.py, tcp_client.py, udp_server.py, udp_client.py: the project
 * never copies the article's code) and run by the interpreter itself, not a version
 * manager's shim that would make it look slower. Without it those rows are left out.
 *
 * @example
 * ```ts
 * const markdown = await mirrorsReport({ quick: false, python: "/home/me/article" });
 * ```
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { freePort, isBound } from "../harness/ports.ts";
import { ROOT, reapAll, tempDir } from "../harness/procs.ts";
import {
  availableRuntimes,
  FIRST_TWO_TIERS,
  MAKE_CHAT_ENV,
  nodeRuntime,
} from "../harness/runtimes.ts";
import {
  exchange,
  leastPair,
  mirrorPair,
  type Pair,
  pythonPair,
  type ThreadCpu,
} from "./exchange.ts";
import { tcpFloor, udpFloor } from "./floor.ts";
import { type Summary, show, summary } from "./stats.ts";

export interface MirrorBenchOptions {
  quick: boolean;
  /** A folder with the article's four programs, typed in by the user. */
  python?: string;
  log: (text: string) => void;
}

/** The interpreter behind `python3` (through any shim), or undefined without Python. */
export function realPython(): string | undefined {
  const run = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], {
    encoding: "utf8",
  });
  return run.status === 0 ? run.stdout.trim() || undefined : undefined;
}

/** Milliseconds from spawn until the kernel shows `port` bound; the process is then ended. */
async function timeToBound(
  command: string[],
  port: number,
  kind: "tcp" | "udp",
  env: NodeJS.ProcessEnv = {},
): Promise<number> {
  const t0 = performance.now();
  const child = spawn(command[0] as string, command.slice(1), {
    cwd: ROOT,
    stdio: ["pipe", "ignore", "ignore"],
    env: { ...process.env, NODE_V8_COVERAGE: undefined, MAKEFLAGS: "", MAKELEVEL: "", ...env },
    detached: true,
  });
  const deadline = t0 + 30_000;
  while (!isBound(port, kind)) {
    if (performance.now() > deadline || child.exitCode !== null) {
      throw new Error(`${command.join(" ")} did not bind port ${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const ms = performance.now() - t0;
  const exited = once(child, "exit");
  process.kill(-(child.pid as number), "SIGKILL"); // the group: make and its script
  await exited;
  return ms;
}

interface Variant {
  name: string;
  command: (port: number) => string[];
  env?: NodeJS.ProcessEnv;
}

/** The start-up variants: the user's command first, then the other runtimes. */
function startVariants(python: string | undefined, dir: string | undefined, scratch: string) {
  const variants: Variant[] = [];
  if (python && dir) {
    const pair = pythonPair("tcp", dir, scratch, python);
    variants.push({
      name: `Python ${pythonVersion(python)}: python3 tcp_server.py`,
      command: pair.server,
    });
  }
  const makeWith = (node: string, label: string): Variant => ({
    name: `${label}: make tcp-server`,
    command: (port) => ["make", "-s", "tcp-server", `NODE=${node}`, `ARGS=--port ${port}`],
  });
  variants.push(makeWith(process.execPath, `Node ${process.versions.node}`));
  const node24 = nodeRuntime("node24");
  if (node24) variants.push(makeWith(node24, "Node 24"));
  for (const rt of availableRuntimes()) {
    variants.push({
      name: rt.name,
      command: (port) => [...rt.command("tcp/server.ts"), "--port", String(port)],
      env: rt.env,
    });
  }
  return variants;
}

function pythonVersion(python: string): string {
  return spawnSync(python, ["-c", "import platform; print(platform.python_version())"], {
    encoding: "utf8",
  }).stdout.trim();
}

/** Run `measure` for every variant, round after round; each variant's values and its ratios to the first. */
async function interleaved<V extends { name: string }>(
  variants: V[],
  rounds: number,
  measure: (v: V) => Promise<number>,
): Promise<{ name: string; value: Summary; ratio: Summary | undefined }[]> {
  const values = variants.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (const [i, v] of variants.entries()) values[i]?.push(await measure(v));
  }
  return variants.map((v, i) => ({
    name: v.name,
    value: summary(values[i] as number[]),
    ratio:
      i === 0
        ? undefined
        : summary(
            (values[i] as number[]).map((x, r) => x / ((values[0] as number[])[r] as number)),
          ),
  }));
}

/** The Markdown of the start and exchange sections. */
export async function mirrorsReport(o: MirrorBenchOptions): Promise<string> {
  const python = o.python && existsSync(join(o.python, "tcp_server.py")) ? realPython() : undefined;
  if (o.python && !python)
    o.log(`no Python or no tcp_server.py in ${o.python}: the Python rows are left out`);
  if (!o.python)
    o.log(
      'the article\'s Python programs not given (ARGS="--python DIR"): their rows are left out',
    );
  const scratch = tempDir("tcp-udp-chat-bench-");
  const anchored = python !== undefined;
  try {
    const rounds = o.quick ? 1 : 9;
    o.log(`start to listening: ${rounds} rounds`);
    spawnSync("make", ["-s", "chat"], { cwd: ROOT, stdio: "ignore" }); // the build is fresh: no row pays for it
    const starts = await interleaved(
      startVariants(python, o.python, scratch),
      rounds,
      async (v) => {
        const port = await freePort();
        return timeToBound(v.command(port), port, "tcp", v.env);
      },
    );
    const certs = process.env.NODE_EXTRA_CA_CERTS
      ? await certsCost(process.env.NODE_EXTRA_CA_CERTS, rounds)
      : "";
    const exchanges = o.quick ? 20 : 1000;
    const lots = o.quick ? 2 : 5;
    const exRounds = o.quick ? 1 : 7;
    const sections: string[] = [startTable(starts, rounds, anchored) + certs];
    for (const kind of ["tcp", "udp"] as const) {
      o.log(`${kind} exchange: ${lots} lots of ${exchanges} exchanges × ${exRounds} rounds`);
      const pairs: Pair[] = [];
      if (python && o.python) pairs.push(pythonPair(kind, o.python, scratch, python));
      const here = `, on Node ${process.versions.node}`;
      const twoTiers = ", V8's first two tiers only";
      pairs.push(mirrorPair(kind, { label: here }));
      const node24 = nodeRuntime("node24");
      if (node24) pairs.push(mirrorPair(kind, { node: node24, label: ", on Node 24" }));
      pairs.push(mirrorPair(kind, { label: here + twoTiers, firstTwoTiers: true }));
      if (node24)
        pairs.push(
          mirrorPair(kind, { node: node24, label: `, on Node 24${twoTiers}`, firstTwoTiers: true }),
        );
      pairs.push(leastPair(kind));
      const cpu = new Map<string, number[]>();
      const coldCpu = new Map<string, ThreadCpu[]>();
      const byLot = new Map<string, number[][]>(); // per pair, per round, per lot
      const rows = await interleaved(pairs, exRounds, async (pair) => {
        const r = await exchange(pair, exchanges, lots);
        byLot.set(pair.name, [...(byLot.get(pair.name) ?? []), r.lotUs]);
        coldCpu.set(pair.name, [...(coldCpu.get(pair.name) ?? []), r.lotCpu[0] as ThreadCpu]);
        cpu.set(pair.name, [
          ...(cpu.get(pair.name) ?? []),
          r.cpuUsPerExchange,
          r.driverCpuUsPerExchange,
        ]);
        return r.usPerExchange;
      });
      const floors: number[] = [];
      for (let r = 0; r < exRounds; r++)
        floors.push(await (kind === "tcp" ? tcpFloor : udpFloor)(exchanges));
      const floor = summary(floors);
      sections.push(
        exchangeTable(kind, exchanges, lots, rows, cpu, byLot, coldCpu, floor, anchored),
      );
      sections.push(warmUpTable(exchanges, lots, pairs, byLot, anchored));
    }
    return sections.join("\n");
  } finally {
    await reapAll();
  }
}

/** Milliseconds from spawn to exit of `command`, with `env` beside this process's. */
async function timeToExit(command: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const t0 = performance.now();
  const child = spawn(command[0] as string, command.slice(1), {
    stdio: "ignore",
    env: { ...process.env, NODE_V8_COVERAGE: undefined, ...env },
  });
  await once(child, "exit");
  return performance.now() - t0;
}

/**
 * What this machine's NODE_EXTRA_CA_CERTS costs each Node at start (`node -e 0` with it and
 * without), the paragraph that says why make's chat targets start without it.
 */
async function certsCost(file: string, rounds: number): Promise<string> {
  const nodes = availableRuntimes().filter((rt) => rt.env === MAKE_CHAT_ENV);
  const variants = nodes.flatMap((rt) => [
    { name: `${rt.name.replace(/, built.*/, "")}, with it`, command: rt.floor, env: {} },
    { name: `${rt.name.replace(/, built.*/, "")}, without`, command: rt.floor, env: MAKE_CHAT_ENV },
  ]);
  const rows = await interleaved(variants, rounds * 2, (v) => timeToExit(v.command, v.env));
  const lines = rows.map((r) => `| ${r.name} | ${show(r.value)} |`);
  return `
This machine sets NODE_EXTRA_CA_CERTS, to ${file}. Node 20 reads and
parses every certificate in that file as it starts; Node 24 only when a program first uses
TLS. The chat speaks no TLS, so make starts its scripts without the variable (the
Makefile's CHAT); the rows above marked "make's way" run as make does, the others with the
machine's environment. \`node -e 0\` with the variable and without, ${rounds * 2} rounds:

| Node | ms to exit |
|---|---|
${lines.join("\n")}
`;
}

function startTable(
  rows: { name: string; value: Summary; ratio: Summary | undefined }[],
  rounds: number,
  anchored: boolean,
): string {
  const head = anchored
    ? "| command | ms to listening | ÷ Python |\n|---|---|---|"
    : "| command | ms to listening |\n|---|---|";
  const lines = rows.map((r) =>
    anchored
      ? `| ${r.name} | ${show(r.value)} | ${r.ratio ? show(r.ratio, 2) : "1 (the anchor)"} |`
      : `| ${r.name} | ${show(r.value)} |`,
  );
  return `## Start to ready

Milliseconds from starting a TCP server to the kernel showing its port bound (read from
/proc/net/tcp every millisecond, the same way for every row), ${rounds} rounds, interleaved.
\`make tcp-server\` includes make itself and the check that the build is up to date.

${head}
${lines.join("\n")}
`;
}

function exchangeTable(
  kind: "tcp" | "udp",
  exchanges: number,
  lots: number,
  rows: { name: string; value: Summary; ratio: Summary | undefined }[],
  cpu: Map<string, number[]>,
  byLot: Map<string, number[][]>,
  coldCpu: Map<string, ThreadCpu[]>,
  floor: Summary,
  anchored: boolean,
): string {
  const perRow = (name: string, pick: number) =>
    summary((cpu.get(name) ?? []).filter((_, i) => i % 2 === pick));
  const cold = (name: string) => summary(lotOf(byLot, name, 0));
  const coldThreads = (name: string) => {
    const runs = coldCpu.get(name) ?? [];
    const median = (part: keyof ThreadCpu) => summary(runs.map((t) => t[part])).median;
    return `${median("main").toFixed(0)} + ${median("other").toFixed(0)}`;
  };
  const coldRatio = (name: string) => lotRatio(byLot, rows[0]?.name ?? "", name, 0);
  const ratio = (r: { name: string; ratio: Summary | undefined }, of: Summary | undefined) =>
    anchored ? (r.ratio ? show(of as Summary, 2) : "1 (the anchor)") : "n/a";
  const lines = rows.map(
    (r) =>
      `| ${r.name} | ${show(r.value, 0)} | ${ratio(r, r.ratio)} | ${show(perRow(r.name, 0), 0)} | ${show(perRow(r.name, 1), 0)} | ${show(cold(r.name), 0)} | ${ratio(r, coldRatio(r.name))} | ${coldThreads(r.name)} |`,
  );
  return `## Mirror exchange, ${kind.toUpperCase()}

One exchange: a line written to the client's stdin, the server showing its prompt, a line
written to the server's stdin, the client showing its next prompt. The same driver runs
every pair (it counts prompts in the bytes as they come), rounds interleaved. Each round
starts both programs and runs ${lots} lots of ${exchanges} exchanges from their first prompt.
The first lot is cold (V8 compiles the hot paths while it runs; Python has no JIT), the
last is warm: the first columns. The table after this one shows every lot. CPU is both
programs' together, per warm exchange; the driver's own CPU is beside it, to show the
driver is not what limits the pace. The last column splits the cold lot's CPU between the
programs' main threads and their other threads, where V8 compiles and collects garbage.

The mirrors run as any Node program does, with every one of V8's tiers: a conversation
typed a line at a time never runs a function hot enough for its optimizing compilers
(TurboFan, and Maglev on Node 24) to matter. The rows marked "V8's first two tiers only"
run the same .js with \`${FIRST_TWO_TIERS}\` on node's command line, which keeps V8 to its
interpreter and baseline compiler: the cold lot's other-threads CPU they save is the
compiling left out, and their warm lot what it would have bought. The least Node can do
(bench/least.ts) is the same exchange between two Node programs cut down to their socket,
stdin and stdout, with none of a mirror's helpers, as any Node program: the mirrors' distance
from it is what the helpers cost, its own distance from Python is what Node costs. Floor: the same exchange between two bare sockets
in one process, ${show(floor)} µs.

| pair | µs per exchange, warm | ÷ Python | CPU µs per exchange | driver CPU µs | µs per exchange, cold | cold ÷ Python | CPU µs per exchange, cold: main thread + others |
|---|---|---|---|---|---|---|---|
${lines.join("\n")}
`;
}

/** µs per exchange of lot `lot` of pair `name`, one per round. */
function lotOf(byLot: Map<string, number[][]>, name: string, lot: number): number[] {
  return (byLot.get(name) ?? []).map((round) => round[lot] as number);
}

/** Lot `lot` of pair `name` ÷ the same lot of pair `anchor`, round by round. */
function lotRatio(
  byLot: Map<string, number[][]>,
  anchor: string,
  name: string,
  lot: number,
): Summary {
  const under = lotOf(byLot, anchor, lot);
  return summary(lotOf(byLot, name, lot).map((us, round) => us / (under[round] as number)));
}

/**
 * How each pair warms up: µs per exchange of each lot (median over rounds) and its ratio
 * to Python's same lot in the same round.
 */
function warmUpTable(
  exchanges: number,
  lots: number,
  pairs: Pair[],
  byLot: Map<string, number[][]>,
  anchored: boolean,
): string {
  const anchor = pairs[0]?.name ?? "";
  const cell = (name: string, lot: number) => {
    const us = summary(lotOf(byLot, name, lot)).median.toFixed(0);
    if (!anchored || name === anchor) return us;
    return `${us}, ×${lotRatio(byLot, anchor, name, lot).median.toFixed(2)}`;
  };
  const head = Array.from(
    { length: lots },
    (_, l) => `${l * exchanges + 1}-${(l + 1) * exchanges}`,
  );
  const lines = pairs.map(
    (p) => `| ${p.name} | ${head.map((_, l) => cell(p.name, l)).join(" | ")} |`,
  );
  return `Each lot of ${exchanges}, by its exchanges: µs per exchange (median over rounds)${
    anchored ? ", and × Python's same lot in the same round (median)" : ""
  }.

| pair | ${head.join(" | ")} |
|---|${head.map(() => "---").join("|")}|
${lines.join("\n")}
`;
}
