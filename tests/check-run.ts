/**
 * Running `make check` (check/main.ts, built) from the tests, as a learner or a teacher
 * runs it, and reading its JSON: each scenario's status by id. Also the outcomes the
 * article's programs have (and our faithful fixtures, written to behave as they do):
 * every conversation scenario passes, and the robustness ones fall as docs/06 says.
 *
 * @example
 * ```ts
 * const run = await runCheck(["tcp-server", "--", PYTHON, fixture("faithful_tcp_server.py"), "{port}"]);
 * run.statuses; // { listen: "pass", prompt: "pass", …, "peer-exits": "as-article", … }
 * ```
 * @module
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { type Exit, ROOT, spawnScript } from "../harness/procs.ts";

/** The interpreter behind python3 (a pyenv shim costs 0.3 s of CPU per start), or undefined. */
function realPython(): string | undefined {
  const asked = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], {
    encoding: "utf8",
  });
  return asked.status === 0 ? asked.stdout.trim() : undefined;
}

export const PYTHON = realPython();

/** Why the checker's tests cannot run here, or undefined. */
export const NO_PYTHON = PYTHON
  ? undefined
  : "python3 not installed; install with: sudo apt-get install -y python3-minimal";

/** A program of check/fixtures/. */
export const fixture = (name: string) => join(ROOT, "check/fixtures", name);

/**
 * One fixture as a command with its port from the checker: python3 -S FILE {port}. (-S: no
 * site-packages to scan at start, half of Python's start-up here; the fixtures need none.)
 */
export const py = (name: string) => ["--", PYTHON as string, "-S", fixture(name), "{port}"];

export interface ScenarioJson {
  id: string;
  kind: "conversation" | "robustness";
  status: "pass" | "fail" | "as-article" | "skipped";
  title: string;
  message?: string;
  hint?: string;
  lesson: string;
  seconds: number;
  transcripts: { name: string; expected: string; actual: string; stderr: string }[];
}

export interface ProgramJson {
  subject: string;
  network: string;
  terminal: string;
  notes: string[];
  passed: boolean;
  seconds: number;
  scenarios: ScenarioJson[];
}

export interface CheckRun {
  exit: Exit;
  programs: ProgramJson[];
  /** The first program's scenarios' statuses, by id. */
  statuses: Record<string, string>;
  /** The first program's scenario `id`. */
  scenario(id: string): ScenarioJson;
  stderr: string;
}

/** Run the checker with `args` and `--json`; waits for it (its own budget bounds it). */
export async function runCheck(args: string[], name = "check"): Promise<CheckRun> {
  const proc = spawnScript("check/main.ts", ["--json", ...args], name);
  proc.endInput();
  const exit = await proc.waitExit(60_000);
  let programs: ProgramJson[];
  try {
    programs = (JSON.parse(proc.stdout) as { programs: ProgramJson[] }).programs;
  } catch {
    throw new Error(`the checker printed no JSON (${JSON.stringify(exit)}):\n${proc.transcript()}`);
  }
  const first = programs[0] as ProgramJson;
  const statuses = Object.fromEntries(first.scenarios.map((s) => [s.id, s.status]));
  return {
    exit,
    programs,
    statuses,
    stderr: proc.stderr,
    scenario(id) {
      const found = first.scenarios.find((s) => s.id === id);
      assert.ok(found, `no scenario ${id} in ${Object.keys(statuses).join(", ")}`);
      return found as ScenarioJson;
    },
  };
}

/** How the article's programs fare, by role: conversation all pass; the pitfalls of docs/06. */
export const ARTICLE_OUTCOMES: Record<string, Record<string, string>> = {
  "tcp-server": {
    listen: "pass",
    prompt: "pass",
    english: "pass",
    chinese: "pass",
    byebye: "pass",
    "next-client": "pass",
    "peer-exits": "as-article",
    "half-close": "as-article",
    reset: "as-article",
    "empty-line": "as-article",
    "second-client": "pass",
    "stdin-ends": "as-article",
    "ctrl-c": "as-article",
    "not-utf8": "as-article",
    "control-chars": "as-article",
    "split-char": "as-article",
    "long-message": "as-article",
  },
  "tcp-client": {
    prompt: "pass",
    english: "pass",
    chinese: "pass",
    byebye: "pass",
    "no-server": "as-article",
    "server-exits": "as-article",
    "half-close": "as-article",
    reset: "as-article",
    "empty-line": "as-article",
    "stdin-ends": "as-article",
    "ctrl-c": "as-article",
    "not-utf8": "as-article",
    "control-chars": "as-article",
    "split-char": "as-article",
    "long-message": "as-article",
  },
  "udp-server": {
    bind: "pass",
    prompt: "pass",
    english: "pass",
    chinese: "pass",
    "last-sender": "pass",
    boundaries: "pass",
    "empty-datagram": "pass",
    "stdin-ends": "as-article",
    "ctrl-c": "as-article",
    "not-utf8": "as-article",
    "control-chars": "as-article",
    "long-datagram": "as-article",
  },
  "udp-client": {
    prompt: "pass",
    english: "pass",
    chinese: "pass",
    boundaries: "pass",
    "no-server": "as-article",
    stranger: "pass",
    "empty-line": "pass",
    "stdin-ends": "as-article",
    "ctrl-c": "as-article",
    "not-utf8": "as-article",
    "control-chars": "as-article",
    "long-datagram": "as-article",
  },
};

/** Every scenario's status, with the messages of those that differ from `want`, for a failure. */
export function explain(program: ProgramJson, want: Record<string, string>): string {
  return program.scenarios
    .filter((s) => want[s.id] !== s.status)
    .map(
      (s) =>
        `${s.id}: ${s.status} (want ${want[s.id]}): ${s.message ?? ""} ${s.hint ?? ""}\n${JSON.stringify(s.transcripts)}`,
    )
    .join("\n");
}
