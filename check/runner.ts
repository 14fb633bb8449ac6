/**
 * Check one program (or a pair): choose where its scenarios run (its own port on its command
 * line, a network namespace per scenario, or the real port, one at a time), find out how to
 * drive it (its prompt shows on a pipe, or only on a terminal), then run every scenario, side
 * by side where that is safe, within the program's time budget. A program that hangs or
 * floods is cut off; whatever was not finished when the budget ran out says so.
 *
 * @example
 * ```ts
 * import { checkProgram } from "./runner.ts";
 * const report = await checkProgram(
 *   { subject: "tcp-server", commands: { server: ["python3", "tcp_server.py"] }, cwd: dir, label: "python3 tcp_server.py" },
 *   { timing: { deadline: 5000, quiet: 2000 }, budgetMs: 15_000, jobs: 6 },
 * );
 * report.results.map((r) => `${r.id}: ${r.status}`);
 * ```
 * @module
 */
import { fileURLToPath } from "node:url";
import { freePort, freeUdpPort } from "../harness/ports.ts";
import { type Proc, spawnProgram } from "../harness/procs.ts";
import { haveTool } from "../harness/tools.ts";
import type { Setup, Timing } from "./context.ts";
import { portInUse } from "./kernel.ts";
import type { Lesson } from "./lessons.ts";
import { type NetworkMode, namespaceFlags, namespacePrefix } from "./network.ts";
import type { Terminal } from "./program.ts";
import { ROLES } from "./roles.ts";
import { type Running, startScenario } from "./run-scenario.ts";
import type { Outcome, Scenario, ScenarioKind, Subject } from "./scenario.ts";
import { scenariosFor } from "./scenarios/catalogue.ts";
import { secs } from "./scenarios/steps.ts";
import { type Text, t } from "./text.ts";
import type { WorkerSpec } from "./worker.ts";

/** What to check: one program in a role, or a server and a client together. */
export interface Plan {
  subject: Subject;
  /** Command lines; a word may hold {port}, filled with the port the checker chooses. */
  commands: Partial<Record<"server" | "client", string[]>>;
  /** Where the program runs. */
  cwd: string;
  /** The command, as the report shows it. */
  label: string;
}

export interface CheckOptions {
  timing: Timing;
  /** Only these scenario ids. */
  only?: string[];
  /** Use the real port even where a namespace could be made. */
  realPort?: boolean;
  /** The port written into the program, when it is not the article's. */
  port?: number;
  /** The whole check of one program ends within this (ms). */
  budgetMs: number;
  /** How many scenarios run at once. */
  jobs: number;
}

/** A scenario's outcome with what the report says of the scenario itself. */
export interface Result extends Outcome {
  kind: ScenarioKind;
  title: Text;
  lesson: Lesson;
}

export interface ProgramReport {
  subject: Subject;
  label: string;
  cwd: string;
  network: NetworkMode;
  port: number;
  terminal: Terminal;
  /** What the report should say about how the program was run. */
  notes: Text[];
  results: Result[];
  ms: number;
}

const kindOf = (subject: Subject) =>
  subject === "tcp-pair" ? "tcp" : subject === "udp-pair" ? "udp" : ROLES[subject].kind;

const WORKER = fileURLToPath(
  new URL(`./worker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url),
);

/** Run `scenario` in a network namespace of its own, through a worker process. */
function inNamespace(scenario: Scenario, setup: Setup, capMs: number): Running {
  const spec: WorkerSpec = { subject: scenario.role, id: scenario.id, capMs, setup };
  const prefix = namespacePrefix() as string[];
  const worker: Proc = spawnProgram(`${scenario.id} (namespace)`, [
    ...prefix,
    process.execPath,
    ...process.execArgv,
    WORKER,
    JSON.stringify(spec),
  ]);
  const started = Date.now();
  // the worker cuts its scenario off at capMs; this is for a worker that cannot
  const hard = setTimeout(() => worker.killGroup("SIGKILL"), capMs + 4000);
  const outcome = worker.exited.then(async (): Promise<Outcome> => {
    clearTimeout(hard);
    await worker.waitExit(2000).catch(() => {});
    const line = worker.stdout.trim().split("\n").at(-1) ?? "";
    try {
      return JSON.parse(line) as Outcome;
    } catch {
      const said = worker.stderr.trim().split("\n").slice(-3).join(" | ");
      return {
        id: scenario.id,
        status: "fail",
        message: t(
          `the checker's process for this scenario ended without a result (${said || "no message"}).`,
          `这个场景的检查进程没有给出结果就结束了（${said || "没有信息"}）。`,
        ),
        transcripts: [],
        wire: [],
        ms: Date.now() - started,
      };
    }
  });
  return {
    outcome,
    cancel: () => {
      worker.killGroup("SIGTERM"); // a worker without a PID namespace ends its programs itself
      setTimeout(() => worker.killGroup("SIGKILL"), 1000).unref();
    },
  };
}

/** Check one program (or pair) with every scenario that fits it. */
export async function checkProgram(plan: Plan, options: CheckOptions): Promise<ProgramReport> {
  const started = Date.now();
  const endBy = started + options.budgetMs;
  const kind = kindOf(plan.subject);
  const articlePort = kind === "tcp" ? 8001 : 8002;
  const fixedPort = options.port ?? articlePort;
  const words = Object.values(plan.commands).flat();
  const portArg = words.some((w) => w.includes("{port}"));
  const notes: Text[] = [];
  let scenarios = scenariosFor(plan.subject);
  if (options.only?.length) scenarios = scenarios.filter((s) => options.only?.includes(s.id));

  let network: NetworkMode;
  if (portArg) network = "port-arg";
  else if (!options.realPort && namespacePrefix()) network = "namespace";
  else if (!portInUse(kind, fixedPort)) network = "real-port";
  else network = "none";
  notes.push(networkNote(network, kind, fixedPort, options.realPort === true));

  const report = (terminal: Terminal, results: Result[]): ProgramReport => ({
    subject: plan.subject,
    label: plan.label,
    cwd: plan.cwd,
    network,
    port: fixedPort,
    terminal,
    notes,
    results,
    ms: Date.now() - started,
  });
  const skipped = (s: Scenario, why: Text): Result => ({
    id: s.id,
    status: "skipped",
    message: why,
    transcripts: [],
    wire: [],
    ms: 0,
    kind: s.kind,
    title: s.title,
    lesson: s.lesson,
  });
  if (network === "none") {
    return report(
      "pipe",
      scenarios.map((s) =>
        skipped(
          s,
          t(
            `not run: port ${fixedPort} is in use here, and no network namespace could be made.`,
            `未运行：本机端口 ${fixedPort} 已被占用，也无法创建网络命名空间。`,
          ),
        ),
      ),
    );
  }

  const setup = async (terminal: Terminal): Promise<Setup> => {
    const port =
      network === "port-arg" ? await (kind === "tcp" ? freePort() : freeUdpPort()) : fixedPort;
    const fill = (command: string[] | undefined) =>
      command?.map((w) => w.replaceAll("{port}", String(port)));
    return {
      subject: plan.subject,
      commands: { server: fill(plan.commands.server), client: fill(plan.commands.client) },
      port,
      cwd: plan.cwd,
      terminal,
      timing: options.timing,
    };
  };
  const capFor = () =>
    Math.max(
      500,
      Math.min(endBy - Date.now(), 2 * options.timing.deadline + options.timing.quiet + 3000),
    );
  const launch = async (s: Scenario, terminal: Terminal): Promise<Running> => {
    const ready = await setup(terminal);
    if (network === "namespace") return inNamespace(s, ready, capFor());
    if (network === "real-port") await portFree(kind, fixedPort);
    return startScenario(s, ready, capFor());
  };
  const sequential = network === "real-port";
  const outcomes = new Map<Scenario, Outcome>();

  // First, the prompt: on a pipe, and if it never shows there, on a terminal.
  const probe = scenarios.find((s) => s.id === "prompt" || s.role.endsWith("-pair"));
  const free = scenarios.filter((s) => s.needsPrompt === false);
  let terminal: Terminal = "pipe";
  let promptLost = false;
  if (probe) {
    // A terminal is tried only when the prompt is slow to show on the pipe (most programs
    // need none): then both runs go on side by side, and the pipe's verdict decides.
    const onPipe = await launch(probe, "pipe");
    const canPty = haveTool("script") && !sequential;
    let onPty: Promise<Running> | undefined;
    const suspicious = setTimeout(() => {
      if (canPty) onPty = launch(probe, "pty");
    }, options.timing.quiet);
    const freeRuns = sequential ? [] : await Promise.all(free.map((s) => launch(s, "pipe")));
    const pipe = await onPipe.outcome;
    clearTimeout(suspicious);
    let chosen = pipe;
    if (pipe.status === "pass") {
      notes.push(
        t(
          "stdin, stdout and stderr were pipes: its prompt showed without a terminal.",
          "stdin、stdout 和 stderr 都是管道：没有终端它的提示符也能显示。",
        ),
      );
    }
    if (pipe.status !== "pass" && pipe.tag === "no-prompt") {
      if (!onPty && haveTool("script")) onPty = launch(probe, "pty");
      const pty = await (await onPty)?.outcome;
      if (pty?.status === "pass") {
        terminal = "pty";
        chosen = pty;
        notes.push(
          t(
            "it works only on a terminal: on a pipe its prompt never showed (its output stays in a buffer there). Its scenarios ran on a pseudo-terminal (script), where stdout and stderr are one screen.",
            "它只能在终端上工作：在管道上它的提示符始终没有出现（输出留在了缓冲区里）。它的场景都在伪终端（script）上运行，stdout 和 stderr 合在一个屏幕上。",
          ),
        );
      } else {
        promptLost = true;
        if (pty)
          notes.push(
            t(
              "on a terminal (script) its prompt did not show either.",
              "在终端（script）上它的提示符也没有出现。",
            ),
          );
      }
    }
    (await onPty)?.cancel();
    await (await onPty)?.outcome;
    outcomes.set(probe, chosen);
    for (const [n, run] of freeRuns.entries()) outcomes.set(free[n] as Scenario, await run.outcome);
  }
  if (sequential || !probe) {
    for (const s of free) outcomes.set(s, await (await launch(s, "pipe")).outcome);
  }

  // Then the rest, side by side, in the terminal found.
  const rest = scenarios.filter((s) => !outcomes.has(s));
  const results = new Map<Scenario, Result>();
  const queue = [...rest];
  const worker = async () => {
    for (let s = queue.shift(); s; s = queue.shift()) {
      if (promptLost && s.needsPrompt !== false) continue;
      if (Date.now() > endBy - 500) {
        results.set(
          s,
          skipped(
            s,
            t(
              `not run: the program's ${secs(options.budgetMs)} were used up.`,
              `未运行：这个程序的 ${secs(options.budgetMs)} 已经用完。`,
            ),
          ),
        );
        continue;
      }
      outcomes.set(s, await (await launch(s, terminal)).outcome);
    }
  };
  await Promise.all(Array.from({ length: sequential ? 1 : options.jobs }, worker));

  for (const s of scenarios) {
    const outcome = outcomes.get(s);
    if (outcome)
      results.set(s, {
        ...outcome,
        kind: s.kind,
        title: s.title,
        lesson: outcome.lesson ?? s.lesson,
      });
    else if (!results.has(s)) {
      results.set(
        s,
        skipped(
          s,
          t(
            "not run: the prompt never showed (see prompt).",
            "未运行：提示符始终没有出现（见 prompt）。",
          ),
        ),
      );
    }
  }
  return report(
    terminal,
    scenarios.map((s) => results.get(s) as Result),
  );
}

/** Wait (a little) until nothing uses the real port: a scenario before may have left a socket. */
async function portFree(kind: "tcp" | "udp", port: number): Promise<void> {
  const until = Date.now() + 3000;
  while (portInUse(kind, port) && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
}

function networkNote(
  network: NetworkMode,
  kind: "tcp" | "udp",
  port: number,
  asked: boolean,
): Text {
  const proto = kind.toUpperCase();
  switch (network) {
    case "port-arg":
      return t(
        "its port came from its command line ({port}): each scenario ran on a free port of this machine.",
        "它的端口来自命令行（{port}）：每个场景都使用本机的一个空闲端口。",
      );
    case "namespace":
      return t(
        `its port (${proto} ${port}) is written into it: each scenario ran in a network namespace of its own (unshare ${namespaceFlags()}), with a loopback of its own where 127.0.0.1:${port} is free.`,
        `它的端口（${proto} ${port}）写死在程序里：每个场景都在自己的网络命名空间里运行（unshare ${namespaceFlags()}），有自己的回环接口，127.0.0.1:${port} 空闲。`,
      );
    case "real-port":
      if (asked) {
        return t(
          `its port (${proto} ${port}) is written into it, and --real-port asked for this machine's own: the scenarios ran on port ${port}, which was free, one at a time.`,
          `它的端口（${proto} ${port}）写死在程序里，--real-port 要求使用本机的端口：场景在 ${port} 端口（当时空闲）上逐个运行。`,
        );
      }
      return t(
        `its port (${proto} ${port}) is written into it and no network namespace could be made here: the scenarios ran on this machine's real port ${port}, which was free, one at a time.`,
        `它的端口（${proto} ${port}）写死在程序里，这里又无法创建网络命名空间：场景在本机真实的 ${port} 端口（当时空闲）上逐个运行。`,
      );
    default:
      return t(
        `its port (${proto} ${port}) is written into it, that port is in use on this machine, and no network namespace could be made: nothing could run. Stop what uses the port, or put {port} in the command line where the port goes.`,
        `它的端口（${proto} ${port}）写死在程序里，本机这个端口已被占用，又无法创建网络命名空间：无法运行。请停止占用端口的程序，或者在命令行里端口的位置写 {port}。`,
      );
  }
}
