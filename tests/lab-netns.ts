/**
 * The namespaces of the lessons that a reader builds by hand (lessons 19-22): a lesson's
 * commands name them `lab`, `pc-a`, `pc-b`, `cloud`; a test runs the same commands with each
 * name made its own (`tcp-udp-chat-<pid>-<tag>-lab`), so that two runs never meet and the
 * sweep of docs/tools/netns.ts removes what a killed run left. Every namespace a test made is
 * deleted at the next `reapAll()`, and `leftBehind()` checks that none remains.
 *
 * @example
 * ```ts
 * const lab = new LabNames(["lab"]);
 * await lab.run("lab", runBlock("overflow-ns")); // ip netns add lab ... as the lesson types it
 * lab.rename(runBlock("overflow"));              // "ip netns exec tcp-udp-chat-4242-x1-lab python3 ..."
 * ```
 * @module
 */
import { spawnSync } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ourNamespaces } from "../docs/tools/netns.ts";
import { atReap, type Proc, spawnProgram } from "../harness/procs.ts";
import { testUnless } from "../harness/skip.ts";
import { haveTool, installHint } from "../harness/tools.ts";

/**
 * Why the namespace lessons' tests do not run here, or undefined. They need root and their
 * tools; and since they start many processes (seconds each file), they run under CI (CI=true)
 * or when asked (CHAT_NETNS=1), not in every `make test`.
 */
export function labProblem(tools: string[] = ["ip", "nft", "ss"]): string | undefined {
  if (process.getuid?.() !== 0) return "they need root (network namespaces, sysctl, nft)";
  if (process.env.CI !== "true" && process.env.CHAT_NETNS !== "1") {
    return "namespace experiments run under CI, or with CHAT_NETNS=1 (e.g. CHAT_NETNS=1 make test ARGS=two-machines)";
  }
  const missing = tools.filter((tool) => !haveTool(tool));
  return missing.length > 0 ? installHint(missing) : undefined;
}

/**
 * The `test` of a file's namespace tests: where they cannot run here, `test.skip`, after a
 * line saying why (so the run counts them as skipped); under CI=true as root, a missing tool
 * is also a failing test (CI installs them).
 *
 * @example
 * ```ts
 * const nsTest = labTest("the two-machines lesson", ["ip", "nft", "ss", "nc"]);
 * nsTest("two machines: ...", async () => {});
 * ```
 */
export function labTest(what: string, tools?: string[]): typeof test {
  const problem = labProblem(tools);
  if (problem && process.env.CI === "true" && process.getuid?.() === 0) {
    test(`CI has the tools for ${what}`, () => assert.unreachable(problem));
  }
  return testUnless(problem, `${what}:`);
}

export class LabNames {
  readonly #real: Map<string, string>;

  /** The lesson's names of namespaces, each given a name of this run's own. */
  constructor(names: string[]) {
    const tag = `${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
    this.#real = new Map(names.map((name) => [name, `tcp-udp-chat-${tag}-${name}`]));
    atReap(() => {
      for (const real of this.#real.values()) spawnSync("ip", ["netns", "del", real]);
    });
  }

  /** The real name of the lesson's namespace `name`. */
  real(name: string): string {
    return this.#real.get(name) as string;
  }

  /** A lesson's commands (from `runBlock`) with its namespaces' names made this run's own. */
  rename(commands: string): string {
    let body = commands;
    for (const [name, real] of this.#real) {
      body = body.replace(new RegExp(`(?<![\\w/.-])${name}(?![\\w/.-])`, "g"), real);
    }
    return body;
  }

  /** Start a lesson's commands in bash, renamed, as a reader's shell would run them. */
  start(name: string, commands: string): Proc {
    return spawnProgram(name, ["bash", "-c", this.rename(commands)]);
  }

  /** Run a lesson's commands to their end (bash -e: each must succeed). Returns the process. */
  async run(name: string, commands: string): Promise<Proc> {
    const proc = spawnProgram(name, ["bash", "-e", "-c", this.rename(commands)]);
    assert.equal(await proc.waitExit(), { code: 0, signal: null }, proc.transcript());
    return proc;
  }

  /** Our namespaces that still exist (after the reap: none). */
  leftBehind(): string[] {
    const mine = [...this.#real.values()];
    return ourNamespaces().filter((name) => mine.includes(name));
  }
}
