/**
 * Mirror exchange: the whole path of one turn of the article's chat, driven through the
 * real programs' stdin and stdout. One exchange is a line written to the client's stdin,
 * the server showing its prompt (it printed the message and asks for the answer), a line
 * written to the server's stdin, and the client showing its next prompt. The same lean
 * driver runs the mirrors, the article's Python programs (when given), and a floor of two
 * bare sockets in this process, so the figures are ratios taken in one run.
 *
 * The driver counts prompts in the bytes as they arrive (nothing is re-scanned), and its
 * own CPU time is measured beside the programs', to show it is not the bottleneck.
 *
 * @example
 * ```ts
 * const r = await exchange(mirrorPair("tcp"), 1000);
 * console.log(r.usPerExchange, r.cpuUsPerExchange, r.driverCpuUsPerExchange);
 * ```
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, isBound } from "../harness/ports.ts";
import { scriptCommand, threadCpuMs } from "../harness/procs.ts";
import { builtScript } from "../harness/root.ts";
import { FIRST_TWO_TIERS } from "../harness/runtimes.ts";

/** How to start one side of a pair; the port is filled in by the driver. */
export interface Pair {
  name: string;
  kind: "tcp" | "udp";
  server(port: number): string[];
  client(port: number): string[];
  /** Where the programs run; the project's folder unless given. */
  cwd?: string;
}

const PROMPTS = {
  tcp: { server: "高望>>>", client: "宝宝说:" },
  udp: { server: "服务端说;", client: "客户端说:" },
};

/** Which Node runs a mirror pair, and how. */
export interface MirrorRun {
  /** The Node binary; this one when not given. */
  node?: string;
  /** What the pair's name says of it. */
  label?: string;
  /** With {@linkcode FIRST_TWO_TIERS}: V8's optimizing compilers kept out. */
  firstTwoTiers?: boolean;
}

/** The mirrors, run as make runs them (or with V8's first two tiers only): the built .js. */
export function mirrorPair(kind: "tcp" | "udp", run: MirrorRun = {}): Pair {
  const { node, label = "", firstTwoTiers = false } = run;
  const command = (role: string, port: number) => {
    const [script, args] = [`${kind}/${role}.ts`, ["--port", String(port)]];
    if (firstTwoTiers)
      return [node ?? process.execPath, FIRST_TWO_TIERS, builtScript(script), ...args];
    return node ? [node, builtScript(script), ...args] : scriptCommand(script, args);
  };
  return {
    name: `${kind}/server.ts + ${kind}/client.ts${label}`,
    kind,
    server: (port) => command("server", port),
    client: (port) => command("client", port),
  };
}

/**
 * The least Node can do for the same exchange (bench/least.ts), built, on this Node: what
 * is left of a mirror's time when its helpers are taken away.
 */
export function leastPair(kind: "tcp" | "udp"): Pair {
  const command = (role: string) => (port: number) => [
    process.execPath,
    builtScript("bench/least.ts"),
    kind,
    role,
    "--port",
    String(port),
  ];
  return {
    name: `the least Node can do (bench/least.ts), on Node ${process.versions.node}`,
    kind,
    server: command("server"),
    client: command("client"),
  };
}

/**
 * The article's programs, typed by the user into `dir` as tcp_server.py, tcp_client.py,
 * udp_server.py, udp_client.py, copied into `scratch` with their fixed port (8001, 8002)
 * replaced by the one the run uses: nothing else is changed.
 */
export function pythonPair(
  kind: "tcp" | "udp",
  dir: string,
  scratch: string,
  python: string,
): Pair {
  const fixed = kind === "tcp" ? "8001" : "8002";
  const copy = (role: string, port: number) => {
    const file = `${kind}_${role}_${port}.py`;
    const text = readFileSync(join(dir, `${kind}_${role}.py`), "utf8");
    if (!text.includes(fixed)) throw new Error(`${kind}_${role}.py: no port ${fixed} in it`);
    writeFileSync(join(scratch, file), text.replaceAll(fixed, String(port)));
    return [python, join(scratch, file)];
  };
  return {
    name: `the article's ${kind}_server.py + ${kind}_client.py`,
    kind,
    server: (port) => copy("server", port),
    client: (port) => copy("client", port),
  };
}

/** Counts the prompts a process prints, from its stdout bytes as they come. */
class PromptCounter {
  count = 0;
  #tail: Buffer = Buffer.alloc(0);
  readonly #prompt: Buffer;
  readonly #child: ChildProcess;
  #exited = false;
  #wake: (() => void) | undefined;

  constructor(child: ChildProcess, prompt: string) {
    this.#prompt = Buffer.from(prompt);
    this.#child = child;
    child.once("exit", () => {
      this.#exited = true;
      this.#wake?.();
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      const bytes = this.#tail.length > 0 ? Buffer.concat([this.#tail, chunk]) : chunk;
      let end = 0;
      for (let at = bytes.indexOf(this.#prompt); at !== -1; at = bytes.indexOf(this.#prompt, end)) {
        this.count += 1;
        end = at + this.#prompt.length;
      }
      // keep what could be the start of a prompt cut by the pipe
      this.#tail = bytes.subarray(Math.max(end, bytes.length - this.#prompt.length + 1));
      this.#wake?.();
    });
  }

  /** Resolve once `n` prompts have been printed; fail if the process ends first. */
  async reach(n: number): Promise<void> {
    while (this.count < n) {
      if (this.#exited)
        throw new Error(`${this.#child.spawnargs.join(" ")} exited before prompt ${n}`);
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }
}

/** CPU time of both programs, per exchange: their main threads', and their other threads'. */
export interface ThreadCpu {
  main: number;
  /** V8's compilers and garbage collector, libuv's pool: what a runtime does beside the program. */
  other: number;
}

export interface ExchangeResult {
  name: string;
  /** Wall time per exchange of the last lot, once both programs are warm. */
  usPerExchange: number;
  /** The same for every lot, in order, the first from the programs' first prompt (cold). */
  lotUs: number[];
  /** CPU time of both programs, per exchange of each lot, by thread, in µs. */
  lotCpu: ThreadCpu[];
  /** CPU time of both programs, per exchange of the last lot. */
  cpuUsPerExchange: number;
  /** CPU time of this driver, per exchange: it must stay well below the programs'. */
  driverCpuUsPerExchange: number;
}

/**
 * Run `lots` lots of `exchanges` exchanges through `pair`, each timed: the first from the
 * programs' first prompt (cold: a JIT compiles the hot paths while it runs), the last
 * measured warm, CPU included. Each clock runs from its first line written.
 */
export async function exchange(pair: Pair, exchanges: number, lots = 2): Promise<ExchangeResult> {
  const port = await freePort();
  const start = (command: string[]) =>
    spawn(command[0] as string, command.slice(1), {
      cwd: pair.cwd,
      stdio: ["pipe", "pipe", "ignore"],
      env: { ...process.env, NODE_V8_COVERAGE: undefined },
    });
  const prompts = PROMPTS[pair.kind];
  const server = start(pair.server(port));
  const serverPrompts = new PromptCounter(server, prompts.server);
  let client: ChildProcess | undefined;
  try {
    client = await startClient(pair, port, start);
    const clientPrompts = new PromptCounter(client, prompts.client);
    await clientPrompts.reach(1);
    const lot = async (from: number) => {
      const t0 = performance.now();
      for (let i = from; i < from + exchanges; i++) {
        client?.stdin?.write(`m${i}\n`);
        await serverPrompts.reach(i);
        server.stdin?.write(`r${i}\n`);
        await clientPrompts.reach(i + 1);
      }
      return ((performance.now() - t0) * 1000) / exchanges;
    };
    const pids = [server.pid, client.pid];
    const programsCpu = () => pids.map(threadCpuMs);
    const lotUs: number[] = [];
    const lotCpu: ThreadCpu[] = [];
    let driver = process.cpuUsage();
    for (let n = 0; n < lots; n++) {
      const before = programsCpu();
      driver = process.cpuUsage();
      lotUs.push(await lot(n * exchanges + 1));
      const after = programsCpu();
      const perExchange = (part: keyof ThreadCpu) =>
        (after.reduce((sum, ms, i) => sum + ms[part] - (before[i]?.[part] ?? 0), 0) * 1000) /
        exchanges;
      lotCpu.push({ main: perExchange("main"), other: perExchange("other") });
    }
    driver = process.cpuUsage(driver);
    const last = lotCpu[lots - 1] as ThreadCpu;
    return {
      name: pair.name,
      usPerExchange: lotUs[lots - 1] as number,
      lotUs,
      lotCpu,
      cpuUsPerExchange: last.main + last.other,
      driverCpuUsPerExchange: (driver.user + driver.system) / exchanges,
    };
  } finally {
    await Promise.all([client, server].map((child) => child && end(child)));
  }
}

/** End `child`: SIGTERM (so a profiler or coverage can write), SIGKILL if it lingers. */
async function end(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}

/** Start the client once the server is bound (the article's server prints nothing when ready). */
async function startClient(
  pair: Pair,
  port: number,
  start: (command: string[]) => ChildProcess,
): Promise<ChildProcess> {
  const deadline = Date.now() + 10_000;
  while (!isBound(port, pair.kind)) {
    if (Date.now() > deadline) throw new Error(`${pair.name}: the server never bound port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return start(pair.client(port));
}
