/**
 * The program under check, running: started from any command line in its own folder, on
 * pipes (stdout and stderr apart, byte for byte) or on a pseudo-terminal (both merged, as
 * a screen shows them), typed at as a person types, interrupted as Ctrl-C does, and cut
 * off when it floods its output. Built on the kit's {@linkcode Proc}: the program leads a
 * process group of its own, and whatever it starts is ended with it.
 *
 * @example
 * ```ts
 * import { Program } from "./program.ts";
 * const program = Program.start({ name: "server", command: ["python3", "tcp_server.py"], cwd: dir, terminal: "pipe" }, wake);
 * program.type("hi baby"); // a line, and Enter
 * program.interrupt(); // Ctrl-C
 * await program.kill();
 * ```
 * @module
 */
import { readFileSync } from "node:fs";
import { type Exit, Proc } from "../harness/procs.ts";
import { type Crash, fatalSignal, findCrash } from "./crash.ts";
import { KEYS, onTerminal } from "./pty.ts";

export type Terminal = "pipe" | "pty";

export interface Launch {
  name: string;
  command: string[];
  cwd: string;
  terminal: Terminal;
}

/** How much a program may print (stdout and stderr together) before it is cut off. */
export const OUTPUT_CAP = 256 * 1024;

export class Program {
  readonly name: string;
  readonly terminal: Terminal;
  readonly proc: Proc;
  /** Set when the program printed more than {@linkcode OUTPUT_CAP} and was cut off. */
  flooded = false;
  /** The signal we sent it, if any: its death by that signal is no crash. */
  sent: NodeJS.Signals | undefined;
  exit: Exit | undefined;
  readonly started = Date.now();
  #printed = 0;

  private constructor(launch: Launch, wake: () => void) {
    this.name = launch.name;
    this.terminal = launch.terminal;
    const command = launch.terminal === "pty" ? onTerminal(launch.command) : launch.command;
    // Python as a learner's terminal runs it: stdout buffered off a terminal (a shell or an
    // image that sets PYTHONUNBUFFERED would hide a prompt that is never flushed)
    this.proc = new Proc(launch.name, command, {
      cwd: launch.cwd,
      env: { PYTHONUNBUFFERED: undefined },
    });
    const count = (chunk: Buffer) => {
      this.#printed += chunk.length;
      if (this.#printed > OUTPUT_CAP && !this.flooded) {
        this.flooded = true;
        void this.kill();
      }
      wake();
    };
    this.proc.child.stdout?.on("data", count);
    this.proc.child.stderr?.on("data", count);
    void this.proc.exited.then((exit) => {
      this.exit = exit;
      wake();
    });
  }

  static start(launch: Launch, wake: () => void): Program {
    return new Program(launch, wake);
  }

  /** What the program has written to stdout; on a terminal, everything it has shown. */
  get stdout(): string {
    return this.proc.stdout;
  }

  /** Its stdout's bytes, as they came. */
  get stdoutBytes(): Buffer {
    return this.proc.out.bytes;
  }

  /** What it has written to stderr; on a terminal, nothing apart (it is in `stdout`). */
  get stderr(): string {
    return this.proc.stderr;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Type `line` and Enter. */
  type(line: string): void {
    this.proc.child.stdin?.write(this.terminal === "pty" ? `${line}${KEYS.enter}` : `${line}\n`);
  }

  /** Ctrl-D at the start of a line: the end of its stdin. */
  endInput(): void {
    // script(1) turns the end of its own stdin into the terminal's end-of-file for the program
    this.proc.child.stdin?.end();
  }

  /** Ctrl-C: SIGINT to the program's process group, as a terminal sends it to the foreground. */
  interrupt(): void {
    this.sent = "SIGINT";
    if (this.terminal === "pty") this.proc.child.stdin?.write(KEYS.ctrlC);
    else this.proc.killGroup("SIGINT");
  }

  /**
   * Whether the program sleeps in the kernel (waiting for input, or for the network), as
   * its main thread's state in /proc says; true where that cannot be read (a terminal's
   * program is script's child, and other systems have no /proc).
   */
  sleeping(): boolean {
    if (this.terminal === "pty" || !this.proc.child.pid) return true;
    try {
      const state = readFileSync(`/proc/${this.proc.child.pid}/stat`, "latin1").split(") ")[1]?.[0];
      return state === "S" || state === "D";
    } catch {
      return true;
    }
  }

  /** A crash: a traceback (or a panic, an exception) in what it printed, or a fatal signal. */
  crash(): Crash | undefined {
    const text = this.terminal === "pty" ? this.stdout : this.stderr;
    const printed = findCrash(text);
    if (printed) return printed;
    if (!this.exit || this.exit.signal === this.sent) return undefined;
    return fatalSignal(this.exit.signal, this.terminal === "pty" ? this.exit.code : null);
  }

  /** Wait (up to `ms`) for it to exit and for everything it printed to be read. */
  async settle(ms: number): Promise<void> {
    if (this.exit === undefined) return; // still running: what it printed so far is all there is
    try {
      await this.proc.waitExit(ms);
    } catch {
      // still running: what it printed so far is all there is
    }
  }

  /** End it now, and everything it started (SIGKILL: a program under check may ignore SIGTERM). */
  async kill(): Promise<void> {
    for (const group of this.proc.ptyGroups()) {
      try {
        process.kill(-group, "SIGKILL");
      } catch {
        // gone already
      }
    }
    this.proc.killGroup("SIGKILL");
    await Promise.race([this.proc.exited, new Promise((r) => setTimeout(r, 2000).unref())]);
  }

  /** How it ended, in words: "running", "exit code 1", "signal SIGINT". */
  ended(): string {
    if (!this.exit) return "running";
    return this.exit.signal ? `signal ${this.exit.signal}` : `exit code ${this.exit.code}`;
  }
}
