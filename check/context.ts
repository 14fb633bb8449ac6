/**
 * One run of one scenario: the program (or the pair) it starts, the checker's sockets, the
 * log of the wire, the transcript a faithful program would have printed so far, and waits
 * that end at their deadline, at once when the program floods, and (unless told otherwise)
 * at once when the program has exited. `close()` ends it all: sockets reset (so that no
 * TIME-WAIT is left on the program's port), programs killed with everything they started.
 *
 * @example
 * ```ts
 * import { Context } from "./context.ts";
 * const ctx = new Context(setup);
 * const server = ctx.start();
 * const client = await ctx.connect("client");
 * await client.send("你好");
 * await ctx.until(() => server.stdout.includes("高望>>>"));
 * await ctx.close();
 * ```
 * @module
 */
import { boundOn } from "./kernel.ts";
import {
  type TcpListener,
  type TcpPeer,
  tcpConnect,
  tcpListen,
  type UdpPeer,
  udpBind,
  Wire,
} from "./peers.ts";
import { type Program, Program as Programs, type Terminal } from "./program.ts";
import { ROLES, type Role, type RoleInfo } from "./roles.ts";
import type { Subject } from "./scenario.ts";
import type { Text } from "./text.ts";
import { Watch } from "./watch.ts";

/** How long the checker waits for what should come, and for what should not. */
export interface Timing {
  /** For something that should happen: a prompt, an answer, an exit (ms). */
  deadline: number;
  /** For something that should not, or a pitfall's silence: how long silence must last (ms). */
  quiet: number;
}

/** Everything a scenario needs to know to run: which program, where, how. */
export interface Setup {
  subject: Subject;
  /** The command lines, with the port filled in where the user asked for it ({port}). */
  commands: Partial<Record<"server" | "client", string[]>>;
  /** The port the program uses: the article's, in a namespace of its own, or the one filled in. */
  port: number;
  cwd: string;
  terminal: Terminal;
  timing: Timing;
}

/** How much a program may send the checker before it is cut off. */
export const WIRE_CAP = 256 * 1024;

export class Context {
  readonly setup: Setup;
  readonly watch = new Watch();
  readonly wire: Wire;
  readonly programs: Program[] = [];
  /** What the program under check should have printed so far (its stdout, or its terminal). */
  expect = "";
  /** For a pair: what the client program should have printed so far. */
  expectClient = "";
  /** Said of a pass: how it passed, when that is worth a line. */
  note: Text | undefined;
  readonly #sockets: { close(): void }[] = [];

  constructor(setup: Setup) {
    this.setup = setup;
    this.wire = new Wire(
      WIRE_CAP,
      () => this.watch.wake(),
      () => {
        for (const program of this.programs) void program.kill();
      },
    );
  }

  /** The role of the single program under check (for a pair: the server's). */
  get info(): RoleInfo {
    const subject = this.setup.subject;
    const role: Role =
      subject === "tcp-pair" ? "tcp-server" : subject === "udp-pair" ? "udp-server" : subject;
    return ROLES[role];
  }

  get port(): number {
    return this.setup.port;
  }

  get deadline(): number {
    return this.setup.timing.deadline;
  }

  get quiet(): number {
    return this.setup.timing.quiet;
  }

  /** The program under check: the first one started. */
  get program(): Program {
    const first = this.programs[0];
    if (!first) throw new Error("no program started yet");
    return first;
  }

  /** Start the program of `side` (the role's own by default). */
  start(side: "server" | "client" = this.info.side, name: string = side): Program {
    const command = this.setup.commands[side];
    if (!command) throw new Error(`no ${side} command`);
    const program = Programs.start(
      { name, command, cwd: this.setup.cwd, terminal: this.setup.terminal },
      () => this.watch.wake(),
    );
    this.programs.push(program);
    return program;
  }

  /** Whether anything has flooded: the program's output or the wire. */
  flooded(): boolean {
    return this.wire.flooded || this.programs.some((p) => p.flooded);
  }

  /**
   * Whether `done()` holds within `ms` (the deadline by default). Ends early when something
   * floods, and when `program` (the one under check by default) has exited, unless `done`
   * is about its exit (`whileRunning: false`).
   */
  until(
    done: () => boolean,
    ms = this.deadline,
    {
      program = this.programs[0],
      whileRunning = true,
    }: { program?: Program; whileRunning?: boolean } = {},
  ): Promise<boolean> {
    const gone = () => whileRunning && program !== undefined && !program.running;
    return this.watch
      .until(done, ms, () => this.flooded() || gone())
      .then(async (held) => {
        if (held || !gone() || this.watch.stopped) return held;
        // it has exited: what it printed or sent last may still be on its way to us
        await program?.settle(1000);
        return done();
      });
  }

  /** Wait until a socket of `kind` is bound at the port; the addresses it is bound to. */
  async bound(program: Program): Promise<string[]> {
    const kind = this.info.kind;
    let found: string[] = [];
    await this.until(
      () => {
        found = boundOn(kind, this.port).map((b) => b.address);
        return found.length > 0;
      },
      this.deadline,
      { program },
    );
    return found;
  }

  async connect(name: string): Promise<TcpPeer> {
    const peer = await tcpConnect(this.port, name, this.wire);
    this.#sockets.push({ close: () => peer.resetNow(false) });
    return peer;
  }

  async listen(): Promise<TcpListener> {
    const listener = await tcpListen(this.port, this.wire);
    this.#sockets.push(listener);
    return listener;
  }

  /** A UDP socket of the checker's, on `port` (any free port by default). */
  async udp(name: string, port = 0): Promise<UdpPeer> {
    const peer = await udpBind(port, name, this.wire);
    this.#sockets.push(peer);
    return peer;
  }

  /** Everything ends: the checker's sockets reset (TCP) or closed (UDP), the programs killed. */
  async close(): Promise<void> {
    this.watch.stop();
    for (const socket of this.#sockets.splice(0)) socket.close();
    await Promise.all(this.programs.map((p) => p.kill()));
  }
}
