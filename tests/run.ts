// tcp-udp-chat: run the test files, several at once, each in a process of its own.
// Run:  make test                      (or: make test ARGS="room faults" for the files whose name has those words)
//       make test ARGS="--jobs 1"      (one file at a time)
//       make test ARGS=--all           (the files make test leaves to make ci too)
//       make test-runtimes             (--runtimes: the transcript tests on tsx, Node 24, Deno)
//
// Each tests/*.test.ts runs as its built .js file under uvu; its output is printed whole
// when it ends, so files never interleave. The longest files start first. A file that
// runs past FILE_LIMIT_MS is stopped and counted as failed, so a run always ends. The
// last lines are uvu's totals for the whole run and one plain line that CI reads:
// "tests: N passed, N failed".
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { parseArgs } from "node:util";
import { builtScript, ROOT } from "../harness/root.ts";
import { DENO_READ, denoBinary, nodeRuntime } from "../harness/runtimes.ts";

// (LAB_SOAK=1, the lab's attacks at full size, docs/10: a file may take 20 minutes)
const FILE_LIMIT_MS = process.env.LAB_SOAK === "1" ? 1_200_000 : 240_000;

/** The slowest files, first: a run is as long as its longest chain. */
const SLOW_FIRST = [
  "lab",
  "bench",
  "room-load",
  "room-redis-soak",
  "doc-examples",
  "lab-server",
  "lessons",
  "room-attack",
  "faults",
  "room",
  "lab-attack",
  "install",
  "check",
  "room-redis-faults",
  "docs",
  "chapters",
  "check-cutoff",
  "flags",
  "loss",
];

/**
 * The long tier: the files make test leaves to make ci, which runs them all (--all; and a
 * file named in ARGS runs whatever this list says). Each tests a whole program from outside,
 * with a browser, a cluster of servers, a checker's matrix of other programs, an install, or
 * a soak: together two thirds of the suite's CPU (on this project's 2-core machine, 118 of
 * 176 s), so that make test stays near 30 s. The last lines of make test name them.
 */
const CI_ONLY = [
  "bench",
  "room-load",
  "room-redis-soak",
  "doc-examples",
  "lab",
  "lab-server",
  "lab-attack",
  "room-attack",
  "room-redis-faults",
  "room-redis-cluster",
  "room-redis-install",
  "room-redis-flood",
  "room-redis-wire",
  "room-redis",
  "python-rooms",
  "udp-retry",
  "captures",
  "mermaid",
  "check",
  "check-broken",
  "check-cutoff",
  "check-docs",
  "check-matrix",
  "install",
  "deno-tasks",
  "loss",
  "v8-maglev",
  "ctrl-c-status",
];

/** The transcript tests make test-runtimes runs on each other runtime. */
const TRANSCRIPTS = ["tcp-pair", "udp-pair", "input", "terminal"];

const { values, positionals } = parseArgs({
  options: {
    jobs: { type: "string" },
    all: { type: "boolean" },
    runtimes: { type: "boolean" },
  },
  allowPositionals: true,
});
// Most of a file's time is spent waiting for the processes it starts: two more files than
// cores keeps the cores busy (on 2 cores: 3 at a time 28 s, 4 at a time 23-25 s).
const jobs = Number(values.jobs ?? Math.max(3, cpus().length + 2));

const files = readdirSync(`${ROOT}tests`)
  .filter((f) => f.endsWith(".test.ts"))
  .map((f) => f.replace(/\.test\.ts$/, ""))
  .filter((name) =>
    positionals.length === 0
      ? values.all || !CI_ONLY.includes(name)
      : positionals.some((p) => name.includes(p)),
  )
  .sort((a, b) => rank(a) - rank(b));

function rank(name: string): number {
  const at = SLOW_FIRST.indexOf(name);
  return at === -1 ? SLOW_FIRST.length : at;
}

/**
 * `python3` for the test files, with no version manager's shim in between. A shim (pyenv's is
 * a bash script that asks pyenv which Python to run) costs 0.35 s of CPU at every start, and
 * the tests start Python a few hundred times: the files get a folder first on their PATH
 * whose `python3` is the interpreter the shim would have run. Nothing else changes.
 */
function directPython(): NodeJS.ProcessEnv {
  const onPath = (process.env.PATH ?? "")
    .split(delimiter)
    .map((dir) => join(dir, "python3"))
    .find((file) => {
      try {
        return readFileSync(file).subarray(0, 2).toString() === "#!"; // a script, not Python itself
      } catch {
        return false;
      }
    });
  if (!onPath) return {};
  const asked = spawnSync(onPath, ["-c", "import sys; print(sys.executable)"], {
    encoding: "utf8",
  });
  const real = asked.stdout.trim();
  if (asked.status !== 0 || real === "") return {};
  const dir = mkdtempSync(join(tmpdir(), "tcp-udp-chat-python-"));
  symlinkSync(real, join(dir, "python3"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  return { PATH: `${dir}${delimiter}${process.env.PATH}` };
}
const PYTHON_ENV = directPython();

interface Result {
  name: string;
  output: string;
  total: number;
  passed: number;
  skipped: number;
  ok: boolean;
  ms: number;
}

function runFile(name: string, env: NodeJS.ProcessEnv): Promise<Result> {
  const started = performance.now();
  const child = spawn(process.execPath, [builtScript(`tests/${name}.test.ts`)], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    // no NODE_EXTRA_CA_CERTS, as make starts the chat: Node 20 parses every certificate it
    // names at every start, and no test speaks TLS
    env: {
      ...process.env,
      ...PYTHON_ENV,
      FORCE_COLOR: "0",
      NO_COLOR: "1",
      NODE_EXTRA_CA_CERTS: undefined,
      ...env,
    },
  });
  let output = "";
  child.stdout.on("data", (b: Buffer) => {
    output += b;
  });
  child.stderr.on("data", (b: Buffer) => {
    output += b;
  });
  const limit = setTimeout(() => {
    output += `\n${name}.test.ts ran past ${FILE_LIMIT_MS / 1000} s: stopped\n`;
    child.kill("SIGTERM"); // the kit in the file ends every process it started
  }, FILE_LIMIT_MS);
  return new Promise((resolve) => {
    child.on("close", (code) => {
      clearTimeout(limit);
      const count = (label: string) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(output)?.[1]);
      const total = count("Total");
      const passed = count("Passed");
      const skipped = count("Skipped") || 0;
      // uvu's Total counts the tests that ran; the skipped ones come on top of it
      const ok = code === 0 && Number.isFinite(total) && passed === total;
      const ms = performance.now() - started;
      resolve({ name, output, total: total || 0, passed: passed || 0, skipped, ok, ms });
    });
  });
}

/** Run `names`, `jobs` at a time, printing each file's output whole as it ends. */
async function runFiles(names: string[], env: NodeJS.ProcessEnv = {}): Promise<Result[]> {
  const results: Result[] = [];
  const queue = [...names];
  await Promise.all(
    Array.from({ length: Math.min(jobs, queue.length) }, async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        const r = await runFile(name, env);
        results.push(r);
        const summary = `${r.ok ? "ok" : "FAILED"} (${(r.ms / 1000).toFixed(1)} s)`;
        process.stdout.write(`\n${name}.test.ts ${summary}\n${r.output.trim()}\n`);
      }
    }),
  );
  return results;
}

/**
 * make test-runtimes: the transcript tests with the .ts files launched by tsx, by Node 24
 * itself and by Deno (with the Makefile's DENO_RUN: the network, and /proc denied up front),
 * then the deno tasks; each runtime named before its files.
 */
async function runtimes(): Promise<Result[]> {
  const node24 = nodeRuntime("node24");
  const deno = denoBinary();
  const missing = [node24 ? "" : "Node 24", deno ? "" : "Deno"].filter(Boolean);
  if (missing.length > 0) {
    process.stdout.write(
      `make test-runtimes needs ${missing.join(" and ")}: make runtimes installs them\n`,
    );
    process.exit(1);
  }
  const launchers = [
    `${process.execPath} --import tsx`,
    node24 as string,
    `${deno} run --allow-net ${DENO_READ}`,
  ];
  const results: Result[] = [];
  for (const launch of launchers) {
    process.stdout.write(`== runtime: ${launch}\n`);
    results.push(
      ...(await runFiles(TRANSCRIPTS, { CHAT_LAUNCH: launch, DENO_NO_UPDATE_CHECK: "1" })),
    );
  }
  process.stdout.write("== deno task\n");
  results.push(...(await runFiles(["deno-tasks"], { DENO_NO_UPDATE_CHECK: "1" })));
  return results;
}

const began = performance.now();
const results = values.runtimes ? await runtimes() : await runFiles(files);

const sum = (pick: (r: Result) => number) => results.reduce((n, r) => n + pick(r), 0);
const total = sum((r) => r.total);
const passed = sum((r) => r.passed);
const skipped = sum((r) => r.skipped);
// a file that died before its totals counts as one failure at least
const failed = sum((r) => (r.ok ? 0 : Math.max(1, r.total - r.passed)));
const broken = results.filter((r) => !r.ok).map((r) => `${r.name}.test.ts`);
process.stdout.write(
  `\n  Total:     ${total + skipped}\n  Passed:    ${passed}\n  Skipped:   ${skipped}\n` +
    `  Duration:  ${(performance.now() - began).toFixed(2)}ms (${results.length} files, ${jobs} at a time)\n`,
);
if (broken.length > 0) process.stdout.write(`  Failed in: ${broken.join(", ")}\n`);
if (positionals.length === 0 && !values.all && !values.runtimes) {
  process.stdout.write(
    `  Left to make ci (make test ARGS=--all runs them too): ${CI_ONLY.length} files, ${CI_ONLY.join(", ")}\n`,
  );
}
if (results.length === 0) {
  process.stdout.write(`no test file's name has ${positionals.join(" or ")}\n`);
  process.exitCode = 1;
}
const skips = skipped > 0 ? `, ${skipped} skipped (each file above says why)` : "";
process.stdout.write(`tests: ${passed} passed, ${failed} failed${skips}\n`);
process.exit(broken.length > 0 || results.length === 0 ? 1 : 0);
