// tcp-udp-chat: the benchmarks, measured side by side in one run, written to docs/benchmarks.md.
// Run:  make bench                    (about 2 minutes; bounded in count and time, loopback only)
//       make bench ARGS="--quick --out /tmp/b.md"   (a smoke run with tiny counts, for tests)
//       make bench ARGS="--python DIR"   (DIR: the article's four programs, as you typed them in)
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "../harness/procs.ts";
import { availableRuntimes } from "../harness/runtimes.ts";
import { haveTool } from "../harness/tools.ts";
import { type ChatServer, type FanoutResult, fanout, NCAT, ROOM } from "./fanout.ts";
import { mirrorsReport } from "./mirrors.ts";
import { type Summary, show, summary } from "./stats.ts";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    out: { type: "string" },
    python: { type: "string" },
  },
});
const quick = values.quick === true;
const out = values.out ?? join(ROOT, "docs/benchmarks.md");
const FANOUT_RUNS = quick ? 1 : 3;
const SIZES = quick ? [3, 5] : [10, 100, 500];
const LOAD = { pace: 1, seconds: quick ? 0.25 : 4 }; // each client: one line a second

const log = (text: string) => process.stderr.write(`bench: ${text}\n`);
const began = Date.now();

/** The first line a program prints about itself (ncat prints it on stderr). */
function version(command: string[]): string {
  const run = spawnSync(command[0] as string, command.slice(1), { encoding: "utf8" });
  return `${run.stdout ?? ""}${run.stderr ?? ""}`.trim().split("\n")[0] || "not installed";
}

// 1 and 2. The mirrors beside the article's Python programs: start, and one exchange.
const mirrors = await mirrorsReport({ quick, python: values.python, log });

// 3. Room fan-out, beside ncat --chat when installed.
const servers: ChatServer[] = haveTool("ncat") ? [ROOM, NCAT] : [ROOM];
if (!haveTool("ncat"))
  log("ncat not installed: the room is measured alone (sudo apt-get install -y ncat)");
interface Row {
  server: string;
  clients: number;
  rate: Summary;
  p50: Summary;
  p99: Summary;
  lost: number;
  kib: Summary;
}
const rows: Row[] = [];
for (const clients of SIZES) {
  for (const server of servers) {
    log(`fan-out: ${server.name}, ${clients} clients × ${FANOUT_RUNS} runs`);
    const runs: FanoutResult[] = [];
    for (let i = 0; i < FANOUT_RUNS; i++) runs.push(await fanout(server, clients, LOAD));
    rows.push({
      server: server.name,
      clients,
      rate: summary(runs.map((r) => r.linesPerSecond)),
      p50: summary(runs.map((r) => r.p50)),
      p99: summary(runs.map((r) => r.p99)),
      lost: runs.reduce((n, r) => n + r.lost, 0),
      kib: summary(runs.map((r) => r.kibPerClient)),
    });
  }
}
const seconds = (Date.now() - began) / 1000;

// The report.
const row = (server: string, clients: number) =>
  rows.find((r) => r.server === server && r.clients === clients);
const ratio = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b !== undefined && b > 0 ? (a / b).toFixed(2) : "n/a";
const series = (server: string, pick: (r: Row) => number) =>
  SIZES.map((n) => {
    const r = row(server, n);
    return r ? Number(pick(r).toFixed(2)) : 0;
  }).join(", ");
const chart = (title: string, yLabel: string, pick: (r: Row) => number) => {
  const lines = [
    "```mermaid",
    "xychart-beta",
    `  title "${title}"`,
    `  x-axis "clients" [${SIZES.join(", ")}]`,
    `  y-axis "${yLabel}"`,
    `  bar [${series(ROOM.name, pick)}]`,
  ];
  if (servers.includes(NCAT)) lines.push(`  line [${series(NCAT.name, pick)}]`);
  return `${lines.join("\n")}\n\`\`\``;
};
const cpu = cpus()[0]?.model ?? "?";
const runtimes = availableRuntimes()
  .map((r) => r.name)
  .join(", ");
const tsx = JSON.parse(readFileSync(join(ROOT, "node_modules/tsx/package.json"), "utf8")).version;
const biggest = SIZES.at(-1) as number;
const room = row(ROOM.name, biggest);
const ncat = row(NCAT.name, biggest);

const report = `# Benchmarks

[中文](zh/benchmarks.md)

Written by \`make bench\` on ${new Date().toISOString().slice(0, 10)}, in ${seconds.toFixed(0)} s${quick ? " (a --quick smoke run: tiny counts, not for reading)" : ""}. Every figure is
the median over its runs, with the minimum and maximum in brackets. Loopback only.

| | |
|---|---|
| machine | ${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${version(["uname", "-r"])} |
| runtimes | ${runtimes} (tsx ${tsx}) |
| ncat | ${haveTool("ncat") ? version(["ncat", "--version"]) : "not installed"} |

${mirrors}
## Room fan-out

Each client sends one line a second for ${LOAD.seconds} s (spread evenly over the second),
after all have joined; every line goes to every other client. ${FANOUT_RUNS} runs per row.
Latency is from send to receipt, measured in the one process that runs all the clients.

| clients | server | lines delivered / s | p50 ms | p99 ms | lost | KiB per client |
|---|---|---|---|---|---|---|
${rows.map((r) => `| ${r.clients} | ${r.server} | ${show(r.rate, 0)} | ${show(r.p50, 2)} | ${show(r.p99, 2)} | ${r.lost} | ${show(r.kib, 1)} |`).join("\n")}

${
  ncat
    ? `Room ÷ ncat, by medians:

| clients | throughput | p99 latency | memory per client |
|---|---|---|---|
${SIZES.map((n) => `| ${n} | ${ratio(row(ROOM.name, n)?.rate.median, row(NCAT.name, n)?.rate.median)} | ${ratio(row(ROOM.name, n)?.p99.median, row(NCAT.name, n)?.p99.median)} | ${ratio(row(ROOM.name, n)?.kib.median, row(NCAT.name, n)?.kib.median)} |`).join("\n")}

At ${biggest} clients the room delivered ${room?.rate.median.toFixed(0)} lines a second to ncat's
${ncat.rate.median.toFixed(0)} (ratio ${ratio(room?.rate.median, ncat.rate.median)}), with a p99 of ${room?.p99.median.toFixed(1)} ms to
ncat's ${ncat.p99.median.toFixed(1)} ms (ratio ${ratio(room?.p99.median, ncat.p99.median)}) and ${room?.lost} lines lost to ncat's ${ncat.lost}.
${
  (room?.p50.median ?? 0) > 5 && ncat.p50.median > 5
    ? `Both medians are high, and alike: at this size the single process that plays every client
(${biggest} sockets, ${((biggest * (biggest - 1) * LOAD.pace) / 1000).toFixed(0)} thousand lines a second to read) is the bottleneck on a
${cpus().length}-core machine, so the latencies say more about the load generator than about either server.`
    : "The load generator kept up: these latencies are the servers'."
}
Memory differs most: ncat, in C, keeps about ${ncat.kib.median.toFixed(1)} KiB per client; the room, in
Node, about ${room?.kib.median.toFixed(1)} KiB.`
    : "ncat was not installed: no comparison in this run."
}

Bars: tcp/room-server.ts.${ncat ? " Line: ncat --chat." : ""}

${chart("lines delivered per second", "lines / s", (r) => r.rate.median)}

${chart("p99 latency, send to receipt", "ms", (r) => r.p99.median)}

${chart("server memory per client", "KiB", (r) => r.kib.median)}
`;

writeFileSync(out, report);
log(`wrote ${out} in ${seconds.toFixed(0)} s`);
