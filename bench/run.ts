// tcp-udp-chat: the benchmarks, measured side by side in one run, written to docs/benchmarks.md.
// Run:  make bench                    (about 8 minutes; bounded in count and time, loopback only)
//       make bench ARGS="--quick --out /tmp/b.md"   (a smoke run with tiny counts, for tests)
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "../harness/procs.ts";
import { availableRuntimes } from "../harness/runtimes.ts";
import { haveTool } from "../harness/tools.ts";
import { roomSection } from "./room-report.ts";
import { mirrorRoundTrip, tcpFloor, udpFloor } from "./roundtrip.ts";
import { measureStart } from "./start.ts";
import { type Summary, show, summary } from "./stats.ts";

const { values } = parseArgs({
  options: { quick: { type: "boolean", default: false }, out: { type: "string" } },
});
const quick = values.quick === true;
const out = values.out ?? join(ROOT, "docs/benchmarks.md");
const RUNS = quick ? 1 : 5; // start and round trip
const EXCHANGES = quick ? 20 : 1000;

const log = (text: string) => process.stderr.write(`bench: ${text}\n`);
const began = Date.now();

async function repeat(times: number, measure: () => Promise<number>): Promise<Summary> {
  const values: number[] = [];
  for (let i = 0; i < times; i++) values.push(await measure());
  return summary(values);
}

/** The first line a program prints about itself (ncat prints it on stderr). */
function version(command: string[]): string {
  const run = spawnSync(command[0] as string, command.slice(1), { encoding: "utf8" });
  return `${run.stdout ?? ""}${run.stderr ?? ""}`.trim().split("\n")[0] || "not installed";
}

// 1. Start to ready, per runtime.
log("start to ready");
const starts = await measureStart(quick ? 1 : 7, quick ? 1 : undefined);

// 2. Mirror round trip, beside the floor.
log(`round trips: ${EXCHANGES} exchanges × ${RUNS} runs`);
const trips = {
  tcp: await repeat(RUNS, () => mirrorRoundTrip("tcp", EXCHANGES)),
  udp: await repeat(RUNS, () => mirrorRoundTrip("udp", EXCHANGES)),
  tcpFloor: await repeat(RUNS, () => tcpFloor(EXCHANGES)),
  udpFloor: await repeat(RUNS, () => udpFloor(EXCHANGES)),
};

// 3. The chat room beside ncat --chat (bench/room-report.ts).
const room = await roomSection({ quick, log });
const seconds = (Date.now() - began) / 1000;

// The report.
const ratio = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b !== undefined && b > 0 ? (a / b).toFixed(2) : "n/a";
const cpu = cpus()[0]?.model ?? "?";
const runtimes = availableRuntimes()
  .map((r) => r.name)
  .join(", ");
const tsx = JSON.parse(readFileSync(join(ROOT, "node_modules/tsx/package.json"), "utf8")).version;

const report = `# Benchmarks

Written by \`make bench\` on ${new Date().toISOString().slice(0, 10)}, in ${seconds.toFixed(0)} s${quick ? " (a --quick smoke run: tiny counts, not for reading)" : ""}. Every figure is
the median over its runs, with the minimum and maximum in brackets. Loopback only.

| | |
|---|---|
| machine | ${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${version(["uname", "-r"])} |
| runtimes | ${runtimes} (tsx ${tsx}) |
| ncat | ${haveTool("ncat") ? version(["ncat", "--version"]) : "not installed"} |

## Start to ready

Milliseconds from spawn to the \`listening on\` line (servers) or the first prompt
(client), ${quick ? 1 : 7} runs each. The floor is the runtime starting an empty program.

| runtime | what | ms |
|---|---|---|
${starts.map((s) => `| ${s.runtime} | ${s.what} | ${show(s.ms)} |`).join("\n")}

## Mirror round trip

One exchange: a line typed into the client's stdin appears on the server's stdout, the
answer typed into the server's stdin appears on the client's stdout. ${EXCHANGES} exchanges
per run, ${RUNS} runs, Node + tsx. The floor is the same exchange between two bare sockets
in one process: no stdin, no stdout, no second process.

| pair | µs per exchange | floor, µs | ratio to the floor |
|---|---|---|---|
| TCP (tcp/server.ts + tcp/client.ts) | ${show(trips.tcp, 0)} | ${show(trips.tcpFloor)} | ${ratio(trips.tcp.median, trips.tcpFloor.median)} |
| UDP (udp/server.ts + udp/client.ts) | ${show(trips.udp, 0)} | ${show(trips.udpFloor)} | ${ratio(trips.udp.median, trips.udpFloor.median)} |

${room}`;

writeFileSync(out, report);
log(`wrote ${out} in ${seconds.toFixed(0)} s`);
