/**
 * The process kit: runs the chat scripts and other programs as real processes, feeds
 * their stdin, and waits for what they print, with a deadline and never a fixed sleep.
 * The tests, the benchmarks and the lesson tools (make demo, make capture) all use it.
 *
 * Every process it starts leads a process group of its own and is remembered until it
 * has exited: `reapAll()` (run after each test) ends each group still running (SIGTERM,
 * so that scripts write their coverage, then SIGKILL), grandchildren included (make's
 * script, the bench's ncat). So does the end of the process that uses the kit, however it
 * ends: normally, by an exception, or on SIGINT/SIGTERM. When a wait fails, the error
 * shows the transcripts of every process started since the last reap, so a failure reads
 * like the conversation it broke.
 *
 * A script runs built (`node .cache/build/tcp/server.js`, see root.ts) unless
 * `CHAT_LAUNCH` names a command line to run the .ts file with instead (Node with tsx,
 * Node 24 on its own, Deno).
 *
 * @example
 * ```ts
 * const { proc: server, port } = await startServer("tcp/server.ts");
 * const client = spawnScript("tcp/client.ts", ["--port", String(port)]);
 * await client.waitFor("stdout", "宝宝说:");
 * client.write("你好 hello");
 * await server.waitFor("stdout", "来自宝宝的消息: 你好 hello\n");
 * ```
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEADLINE_MS, Recorder } from "./recorder.ts";
import { builtScript, ROOT } from "./root.ts";

export { DEADLINE_MS } from "./recorder.ts";
export { ROOT } from "./root.ts";

/** The command line that runs a project script (`tcp/server.ts`, …) with `args`. */
export function scriptCommand(script: string, args: string[] = []): string[] {
  const custom = process.env.CHAT_LAUNCH?.split(" ").filter(Boolean);
  if (custom?.length) return [...custom, script, ...args];
  return [process.execPath, builtScript(script), ...args];
}

/**
 * Whether the scripts, as this run launches them, can read the kernel's tables in /proc:
 * not on Deno, which is run with /proc denied (it would read it only with --allow-all).
 */
export function scriptsSeeProc(): boolean {
  return !/\bdeno\b/.test(process.env.CHAT_LAUNCH ?? "");
}

/** How to start a process differently from a user's shell: as another user, or with env changes. */
export interface SpawnOptions {
  uid?: number;
  gid?: number;
  /** Variables to set, or to remove (`undefined`). */
  env?: NodeJS.ProcessEnv;
  /** Where to run; the project's folder unless given. */
  cwd?: string;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const live = new Set<Proc>();
/** Everything started since the last reapAll(), processes and raw peers, for transcripts. */
const recent: { transcript(): string }[] = [];

/** Remember `party` so that its transcript shows when a wait of this test fails. */
export function remember(party: { transcript(): string }): void {
  recent.push(party);
}

/** One running program with what it has printed so far. */
export class Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  readonly out: Recorder;
  readonly err: Recorder;
  #exit: Exit | undefined;

  constructor(name: string, command: string[], as: SpawnOptions = {}) {
    this.name = name;
    this.out = new Recorder(`${name} stdout`, transcripts);
    this.err = new Recorder(`${name} stderr`, transcripts);
    const [program, ...args] = command;
    this.child = spawn(program as string, args, {
      cwd: as.cwd ?? ROOT,
      detached: true, // its own process group: reaping it reaches its children too
      // a child run as another user cannot write our coverage files: it records none
      env: {
        ...userEnv(),
        ...(as.uid === undefined ? {} : { NODE_V8_COVERAGE: undefined }),
        ...as.env,
      },
      stdio: ["pipe", "pipe", "pipe"],
      uid: as.uid,
      gid: as.gid,
    });
    this.exited = once(this.child, "exit").then(([code, signal]) => {
      this.#exit = { code, signal };
      live.delete(this);
      this.err.wake();
      return this.#exit;
    });
    this.child.on("error", () => {}); // a spawn failure shows as the exit above
    this.child.stdin?.on("error", () => {}); // writing to a process that just exited
    // A stream is finished when its pipe closes, which can come after the exit: only then
    // has everything the process printed been read.
    for (const [stream, recorder] of [
      [this.child.stdout, this.out],
      [this.child.stderr, this.err],
    ] as const) {
      stream?.on("data", (b: Buffer) => recorder.push(b));
      stream?.on("close", () => {
        recorder.close(`${name}'s ${recorder === this.out ? "stdout" : "stderr"} closed`);
        this.err.wake();
      });
    }
    live.add(this);
    remember(this);
  }

  get stdout(): string {
    return this.out.text;
  }

  get stderr(): string {
    return this.err.text;
  }

  /** Wait until stdout or stderr holds `want`, `count` times; returns that stream's text. */
  waitFor(stream: "stdout" | "stderr", want: string | RegExp, count = 1): Promise<string> {
    return (stream === "stdout" ? this.out : this.err).waitFor(want, count);
  }

  /** The process's resident memory now, in KiB (Linux: /proc/PID/status). */
  rssKiB(): number {
    return this.#statusKiB("VmRSS");
  }

  /** The most resident memory the process has held so far, in KiB (Linux: VmHWM). */
  peakRssKiB(): number {
    return this.#statusKiB("VmHWM");
  }

  /** A size in /proc/PID/status, in KiB. */
  #statusKiB(field: string): number {
    const status = readFileSync(`/proc/${this.child.pid}/status`, "utf8");
    return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1]);
  }

  /** The process's private anonymous memory now, in KiB (Linux: /proc/PID/smaps_rollup). */
  anonKiB(): number {
    const rollup = readFileSync(`/proc/${this.child.pid}/smaps_rollup`, "utf8");
    return Number(/Anonymous:\s+(\d+) kB/.exec(rollup)?.[1]);
  }

  /** Type one line (a newline is added). */
  write(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  /** Close stdin, as Ctrl-D does. */
  endInput(): void {
    this.child.stdin?.end();
  }

  /**
   * Wait for the process to exit and for all it printed to be read; returns its code and
   * signal. A long job (a benchmark) passes a deadline of its own, 3× its normal time or more.
   */
  async waitExit(deadlineMs = DEADLINE_MS): Promise<Exit> {
    const finished = () => this.#exit !== undefined && !!this.out.closed && !!this.err.closed;
    await this.err.until(finished, `${this.name} to exit`, true, deadlineMs);
    return this.#exit as Exit;
  }

  /** Send `signal` to the process (not its group, as a terminal's kill would) and wait for the exit. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<Exit> {
    if (!this.#exit) this.child.kill(signal);
    return this.waitExit();
  }

  /**
   * The process groups of its children that lead sessions of their own: what script(1)
   * runs on its pseudo-terminal. A signal to our group misses them, and script(1), told
   * to end, gives its child 2 s before it kills it; ended first, they let it end at once.
   */
  ptyGroups(): number[] {
    const pid = this.child.pid;
    if (!pid || this.#exit) return [];
    try {
      const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8");
      const session = (p: string) =>
        readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1]?.split(" ")[3];
      const ours = session(String(pid));
      return children
        .split(" ")
        .filter((p) => p && session(p) === p && session(p) !== ours)
        .map(Number);
    } catch {
      return []; // gone meanwhile, or no /proc (not Linux)
    }
  }

  /** Send `signal` to the process and everything it started. */
  killGroup(signal: NodeJS.Signals): void {
    if (this.child.pid) killQuietly(-this.child.pid, signal);
  }

  /** The transcript of this process, for failure messages. */
  transcript(): string {
    const state = this.#exit ? `exited ${describe(this.#exit)}` : "running";
    return `--- ${this.name} (${state})\n[stdout]\n${this.stdout}\n[stderr]\n${this.stderr}`;
  }
}

/**
 * The environment a user's shell would give: ours, without the variables that make passes
 * down to its sub-makes (under `make ci` a nested `make` would print "Entering directory",
 * and `make test ARGS=room` would hand ARGS to every make a test starts),
 * without colour, without tsx's disk cache, and with make's NODE set to this Node.
 */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FORCE_COLOR: "0",
    NO_COLOR: "1",
    TSX_DISABLE_CACHE: "1", // tsx would leave a cache folder in /tmp
    NODE: process.execPath, // a make started here runs its scripts on this same Node
    // as make starts the chat: Node 20 parses every certificate this names at every start
    // (50 ms of CPU here), for programs that speak no TLS; a test may set it back
    NODE_EXTRA_CA_CERTS: undefined,
  };
  for (const name of ["MAKELEVEL", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES", "ARGS"])
    delete env[name];
  // started by `npm test`, npm's own variables would tell the project's tools to use that npm
  for (const name of Object.keys(env).filter((n) => n.startsWith("npm_"))) delete env[name];
  return env;
}

function describe(exit: Exit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

/** The transcripts of everything started since the last `reapAll()`. */
export function transcripts(): string {
  return `\n${recent.map((p) => p.transcript()).join("\n")}\n`;
}

/** Start a project script (`tcp/server.ts`, …) with `args`, as another user if `as` says so. */
export function spawnScript(
  script: string,
  args: string[] = [],
  name = script,
  as: SpawnOptions = {},
): Proc {
  return new Proc(name, scriptCommand(script, args), as);
}

/** Start any program, such as `nc`, under the same bookkeeping. */
export function spawnProgram(name: string, command: string[], as: SpawnOptions = {}): Proc {
  return new Proc(name, command, as);
}

/** Start a server on `--port 0` and read its real port from the `listening on` line. */
export async function startServer(
  script: string,
  args: string[] = [],
  name = script,
  as: SpawnOptions = {},
): Promise<{ proc: Proc; port: number }> {
  const proc = spawnScript(script, ["--port", "0", ...args], name, as);
  return { proc, port: await readPort(proc) };
}

/** Wait for a server's `listening on HOST:PORT (tcp|udp)` line, however it was started; its port. */
export async function readPort(proc: Proc): Promise<number> {
  const ready = /listening on \S+:(\d+) \((?:tcp|udp)\)\n/;
  return Number(ready.exec(await proc.waitFor("stderr", ready))?.[1]);
}

const cleanups: (() => void)[] = [];

/** Run `cleanup` at the next `reapAll()` (closing a raw socket, say). */
export function atReap(cleanup: () => void): void {
  cleanups.push(cleanup);
}

/** A new empty folder in the system's temporary folder, removed at the next `reapAll()`. */
export function tempDir(prefix = "tcp-udp-chat-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.add(dir);
  atReap(() => removeTemp(dir));
  return dir;
}

const temps = new Set<string>();
function removeTemp(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  temps.delete(dir);
}

/**
 * End every process group still running (SIGTERM, then SIGKILL after 3 s), wait for
 * each leader, run the cleanups (raw sockets, temporary folders).
 */
export async function reapAll(): Promise<void> {
  await Promise.all(
    [...live].map(async (proc) => {
      const inner = proc.ptyGroups();
      for (const group of inner) killQuietly(-group, "SIGTERM");
      if (inner.length > 0) await Promise.race([proc.exited, atMost(1000)]);
      proc.killGroup("SIGTERM");
      const timer = setTimeout(() => proc.killGroup("SIGKILL"), 3000);
      await proc.exited;
      clearTimeout(timer);
      proc.killGroup("SIGKILL"); // a grandchild that outlived its parent
    }),
  );
  // Every cleanup runs, even after one fails (a socket closed twice): then the first error.
  const failures: unknown[] = [];
  for (const cleanup of cleanups.splice(0)) {
    try {
      cleanup();
    } catch (err) {
      failures.push(err);
    }
  }
  recent.length = 0;
  if (failures.length > 0) throw failures[0];
}

/**
 * CPU time process `pid` has used so far, in ms, all its threads counted (Linux: the ns in
 * each /proc/PID/task/TID/schedstat). The process's own schedstat counts only its main
 * thread, and V8 collects garbage and compiles on threads of its own.
 */
export function cpuMs(pid: number | undefined): number {
  const { main, other } = threadCpuMs(pid);
  return main + other;
}

/** {@linkcode cpuMs} in two: the main thread's, and all the other threads' together. */
export function threadCpuMs(pid: number | undefined): { main: number; other: number } {
  const ms = { main: 0, other: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ms[tid === String(pid) ? "main" : "other"] += schedstat(`/proc/${pid}/task/${tid}`).ranMs;
    } catch {
      // the thread ended meanwhile
    }
  }
  return ms;
}

/**
 * How long process `pid`'s main thread has waited, runnable, for a CPU taken by others, in
 * ms so far (Linux: the second number of /proc/PID/schedstat). On a quiet machine it hardly
 * grows; on a busy one it is the time the machine kept the program from running.
 */
export function waitedForCpuMs(pid: number | undefined): number {
  return schedstat(`/proc/${pid}`).waitedMs;
}

/**
 * A thread's schedstat (`dir` is /proc/PID or /proc/PID/task/TID; the file holds "ran waited
 * slices", the first two in ns): its time on a CPU, and its time runnable but waiting for one.
 */
function schedstat(dir: string): { ranMs: number; waitedMs: number } {
  const [ran = "0", waited = "0"] = readFileSync(`${dir}/schedstat`, "utf8").split(" ");
  return { ranMs: Number(ran) / 1e6, waitedMs: Number(waited) / 1e6 };
}

/** `process.kill`, for a process or group that may be gone already. */
function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}

/** Resolves after `ms`: a bound on a wait for an event, never a wait in its place. */
const atMost = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/** The last resort, when the process using the kit ends before its reapAll(). */
function killEverything(): void {
  for (const proc of live) proc.killGroup("SIGKILL");
  for (const dir of temps) removeTemp(dir);
}
process.on("exit", killEverything);
for (const [signal, code] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
  ["SIGHUP", 129],
] as const) {
  process.once(signal, () => {
    killEverything();
    process.exit(code);
  });
}
