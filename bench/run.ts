// tcp-udp-chat: the benchmarks, measured side by side in one run, written to docs/benchmarks.md.
// Run:  make bench                    (about 8 minutes; bounded in count and time, loopback only)
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
import { mirrorsReport } from "./mirrors.ts";
import { roomSection } from "./room-report.ts";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    out: { type: "string" },
    python: { type: "string" },
  },
});
const quick = values.quick === true;
const out = values.out ?? join(ROOT, "docs/benchmarks.md");

const log = (text: string) => process.stderr.write(`bench: ${text}\n`);
const began = Date.now();

/** The first line a program prints about itself (ncat prints it on stderr). */
function version(command: string[]): string {
  const run = spawnSync(command[0] as string, command.slice(1), { encoding: "utf8" });
  return `${run.stdout ?? ""}${run.stderr ?? ""}`.trim().split("\n")[0] || "not installed";
}

// 1 and 2. The mirrors beside the article's Python programs: start, and one exchange.
const mirrors = await mirrorsReport({ quick, python: values.python, log });

// 3. The chat room beside ncat --chat (bench/room-report.ts).
const room = await roomSection({ quick, log });
const seconds = (Date.now() - began) / 1000;

// The report.
const cpu = cpus()[0]?.model ?? "?";
const runtimes = availableRuntimes()
  .map((r) => r.name)
  .join(", ");
const tsx = JSON.parse(readFileSync(join(ROOT, "node_modules/tsx/package.json"), "utf8")).version;

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
${room}`;

writeFileSync(out, report);
log(`wrote ${out} in ${seconds.toFixed(0)} s`);
