// bench/ runs end to end: a --quick smoke run with tiny counts writes every section of
// the report. (The real figures come from `make bench`; speed is never asserted here.)
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { reapAll, spawnScript, tempDir } from "../harness/procs.ts";
import { haveTool } from "../harness/tools.ts";

test.after.each(reapAll);

test("bench/run.ts --quick writes a report with every section and chart", async () => {
  const out = join(tempDir("tcp-udp-chat-bench-"), "benchmarks.md");
  // No coverage from this run: it starts Node 24 and Deno on the .ts files too, and c8
  // cannot merge their raw-TypeScript coverage with tsx's source-mapped coverage.
  // A NODE_EXTRA_CA_CERTS (any file) brings the table of what it costs a start.
  const certs = join(tempDir("tcp-udp-chat-certs-"), "certs.pem");
  writeFileSync(certs, "");
  const env = { env: { NODE_V8_COVERAGE: undefined, NODE_EXTRA_CA_CERTS: certs } };
  const bench = spawnScript("bench/run.ts", ["--quick", "--out", out], "bench", env);
  // about 7 s of work unloaded, the join race's 2 s deadline (which the room's run meets)
  // included; two minutes is far beyond what a loaded machine adds
  assert.equal(await bench.waitExit(120_000), { code: 0, signal: null }, bench.transcript());
  const report = readFileSync(out, "utf8");
  const headings = [
    "## Start to ready",
    "## Mirror exchange, TCP",
    "## Mirror exchange, UDP",
    "## Room capacity",
    "## The 500-client stall: a burst begun before everyone was taken in",
    "## Room latency at a fixed load",
    "## One member stops reading",
    "## Chat during a flood",
    "## Room memory per idle member",
    "## One room, many servers",
  ];
  for (const heading of headings) {
    assert.ok(report.includes(heading), heading);
  }
  assert.match(report, /\| Node [\d.]+: make tcp-server \| [\d.]+ \(/);
  assert.match(report, /\| tcp\/server\.ts \+ tcp\/client\.ts, on Node [\d.]+ \| \d+ \(/);
  // beside each mirror pair, the least Node can do for the same exchange, TCP and UDP
  assert.is(
    (report.match(/\| the least Node can do \(bench\/least\.ts\), on Node [\d.]+ \| \d+ \(/g) ?? [])
      .length,
    2,
  );
  // the mirrors as make runs them, and beside them with V8's first two tiers only, TCP and
  // UDP; the cold lot's CPU split between main threads and the others (where V8 compiles)
  const here = `on Node ${process.versions.node.replaceAll(".", "\\.")}`;
  const twoTiers = new RegExp(
    `\\| (tcp|udp)/server\\.ts \\+ \\1/client\\.ts, ${here}, V8's first two tiers only \\| \\d+ \\(`,
    "g",
  );
  assert.is((report.match(twoTiers) ?? []).length, 2);
  assert.match(report, /cold ÷ Python \| CPU µs per exchange, cold: main thread \+ others \|/);
  assert.match(
    report,
    /\| udp\/server\.ts \+ udp\/client\.ts, on Node [\d.]+ \|[^\n]* \| \d+ \+ \d+ \|\n/,
  );
  assert.match(report, /\| Node [\d.]+, with it \| [\d.]+ \(/);
  assert.match(report, /\| Node [\d.]+, without \| [\d.]+ \(/);
  assert.match(bench.stderr, /the article's Python programs not given/);
  assert.is((report.match(/```mermaid\nxychart-beta\n/g) ?? []).length, 1);
  assert.match(report, /\| 20 × 5 \| tcp\/room-server\.ts \| [\d.]+ \(/);
  assert.is(report.includes("| 20 × 5 | ncat --chat |"), haveTool("ncat"));
  assert.match(
    report,
    /runs ended by the deadline \|\n\|[-|]+\n\| tcp\/room-server\.ts \| [\d.]+ /,
  );
  // the ratio table's last column: the first, unmeasured burst
  if (haveTool("ncat"))
    assert.match(report, /\| 20 × 5 \| [\d.]+ .*\| [\d.]+ \([\d.]+–[\d.]+\) \|\n/);
});

test.run();
