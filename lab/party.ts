/**
 * One chat script run by the lab, built and traced as `make` runs it
 * (`node .cache/build/tcp/server.js --trace --port 0`), as the user and from the folder
 * its {@linkcode Runner} says, dying with the lab: what it prints comes back as it comes,
 * stdout and stderr apart, and each whole line of stderr too (for its trace). It stays in
 * the lab's process group, so a Ctrl-C in the lab's terminal reaches it too. What is typed
 * waits in the lab for the script to read it, up to {@linkcode MAX_UNREAD} bytes.
 *
 * @example
 * ```ts
 * import { Party } from "./party.ts";
 * const server = new Party("server", "tcp/server.ts", ["--trace", "--port", "0"], runner, {
 *   output: (stream, text) => process.stdout.write(text),
 *   line: (line) => console.log("stderr line:", line),
 *   exit: (how) => console.log("server ended:", how), // "exit 0", "signal SIGTERM"
 * });
 * server.write("hi baby");
 * ```
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import type { PartyName } from "./events.ts";
import { builtScript } from "./root.ts";
import type { Runner } from "./run-as.ts";

export interface PartyEvents {
  output(stream: "stdout" | "stderr", text: string): void;
  /** A whole line of stderr, without its newline. */
  line(line: string): void;
  /** It has ended and all it printed has been read: `exit 0`, `signal SIGKILL`. */
  exit(how: string): void;
}

/** How long a party has to end after SIGTERM before SIGKILL. */
const GRACE_MS = 2000;

/** What may wait, typed but not read by the script, before more typing is refused. */
export const MAX_UNREAD = 64 * 1024;

export class Party {
  readonly name: PartyName;
  readonly script: string;
  readonly child: ChildProcess;
  /** How it ended, once it has. */
  ended: string | undefined;
  readonly #done: Promise<void>;

  constructor(name: PartyName, script: string, args: string[], run: Runner, on: PartyEvents) {
    this.name = name;
    this.script = script;
    const command = [...run.prefix, process.execPath, join(run.dir, builtScript(script)), ...args];
    this.child = spawn(command[0] as string, command.slice(1), {
      cwd: run.dir,
      stdio: ["pipe", "pipe", "pipe"],
      env: run.env,
    });
    this.child.stdin?.on("error", () => {}); // typing to a party that has just exited
    let partial = "";
    const decoders = { stdout: new StringDecoder("utf8"), stderr: new StringDecoder("utf8") };
    for (const stream of ["stdout", "stderr"] as const) {
      this.child[stream]?.on("data", (chunk: Buffer) => {
        const text = decoders[stream].write(chunk);
        if (text) on.output(stream, text);
        if (stream !== "stderr") return;
        const lines = (partial + text).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) on.line(line);
      });
    }
    // "close" comes once it has exited and its pipes are read to the end
    this.#done = once(this.child, "close").then(([code, signal]) => {
      this.ended = signal ? `signal ${signal}` : `exit ${code}`;
      on.exit(this.ended);
    });
    this.child.on("error", () => {}); // a failed spawn ends as an exit too
  }

  get running(): boolean {
    return this.ended === undefined;
  }

  /** Type one line, as at its terminal; `false` if it has not read what was typed before. */
  write(line: string): boolean {
    if ((this.child.stdin?.writableLength ?? 0) > MAX_UNREAD) return false;
    this.child.stdin?.write(`${line}\n`);
    return true;
  }

  /** Close its stdin, as Ctrl-D does at a terminal. */
  endInput(): void {
    this.child.stdin?.end();
  }

  /** Send it `signal` (SIGINT is what Ctrl-C sends). */
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** End it (SIGTERM, then SIGKILL if it lingers) and wait until it has. */
  async stop(): Promise<void> {
    this.signal("SIGTERM");
    const timer = setTimeout(() => this.signal("SIGKILL"), GRACE_MS);
    await this.#done;
    clearTimeout(timer);
  }
}
