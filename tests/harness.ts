/**
 * The pair harness: runs the chat scripts as real processes on 127.0.0.1, feeds their
 * stdin, and waits for what they print, with a deadline and never a fixed sleep.
 *
 * Every process it starts is remembered until it has exited: `reapAll()` (run after
 * each test) ends the ones still running, with SIGTERM so they write their coverage,
 * then SIGKILL if they do not go. When a wait fails, the error shows the transcripts
 * of every process of the test, so a failure reads like the conversation it broke.
 *
 * The launcher comes from one setting, `CHAT_LAUNCH`: a command line that runs a
 * script given after it; unset, it is Node with the tsx loader.
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
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Recorder } from "./recorder.ts";

export { DEADLINE_MS } from "./recorder.ts";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The command that runs a script: `[program, ...args]`; the script path goes after it. */
export function launcher(): string[] {
  const custom = process.env.CHAT_LAUNCH;
  if (custom) return custom.split(" ").filter(Boolean);
  return [process.execPath, "--import", "tsx"];
}

/** How to start a process differently from a user's shell: as another user, or with env changes. */
export interface SpawnOptions {
  uid?: number;
  gid?: number;
  /** Variables to set, or to remove (`undefined`). */
  env?: NodeJS.ProcessEnv;
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
      cwd: ROOT,
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
    const status = readFileSync(`/proc/${this.child.pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  }

  /** Type one line (a newline is added). */
  write(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  /** Close stdin, as Ctrl-D does. */
  endInput(): void {
    this.child.stdin?.end();
  }

  /** Wait for the process to exit and for all it printed to be read; returns its code and signal. */
  async waitExit(): Promise<Exit> {
    const finished = () => this.#exit !== undefined && !!this.out.closed && !!this.err.closed;
    await this.err.until(finished, `${this.name} to exit`, true);
    return this.#exit as Exit;
  }

  /** Send `signal` and wait for the exit. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<Exit> {
    if (!this.#exit) this.child.kill(signal);
    return this.waitExit();
  }

  /** The transcript of this process, for failure messages. */
  transcript(): string {
    const state = this.#exit ? `exited ${describe(this.#exit)}` : "running";
    return `--- ${this.name} (${state})\n[stdout]\n${this.stdout}\n[stderr]\n${this.stderr}`;
  }
}

/**
 * The environment a user's shell would give: ours, without the variables that make sets
 * for its sub-makes (under `make ci` a nested `make` would print "Entering directory"),
 * and without colour.
 */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" };
  for (const name of ["MAKELEVEL", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES"]) delete env[name];
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
  return new Proc(name, [...launcher(), script, ...args], as);
}

/** Start any program, such as `nc`, under the same bookkeeping. */
export function spawnProgram(name: string, command: string[]): Proc {
  return new Proc(name, command);
}

/** Start a server on `--port 0` and read its real port from the `listening on` line. */
export async function startServer(
  script: string,
  args: string[] = [],
  name = script,
): Promise<{ proc: Proc; port: number }> {
  const proc = spawnScript(script, ["--port", "0", ...args], name);
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

/** End every process still running (SIGTERM, then SIGKILL after 3 s), wait for each, run cleanups. */
export async function reapAll(): Promise<void> {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await Promise.all(
    [...live].map(async (proc) => {
      proc.child.kill("SIGTERM");
      const timer = setTimeout(() => proc.child.kill("SIGKILL"), 3000);
      await proc.exited;
      clearTimeout(timer);
    }),
  );
  recent.length = 0;
}

process.on("exit", () => {
  for (const proc of live) proc.child.kill("SIGKILL");
});
