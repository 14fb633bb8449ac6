/**
 * One run of the lab's conversation: 高望's server, 宝宝's client (and maybe a second
 * client), tcpdump when it can capture, and the ladder drawn from them. Restarting the
 * lab ends a session and starts a new one.
 *
 * @example
 * ```ts
 * import { Session } from "./session.ts";
 * const session = new Session({ kind: "tcp", capture: true }, (event) => console.log(event));
 * await session.start(); // the server listens, tcpdump captures, the client connects
 * session.type("client", "你好");
 * await session.stop();
 * ```
 * @module
 */
import { Capture, filterFor } from "./capture.ts";
import type { LabEvent, PartyName, Source } from "./events.ts";
import { Ladder } from "./ladder.ts";
import { MAX_UNREAD, Party } from "./party.ts";
import type { Runner } from "./run-as.ts";
import { parseTrace } from "./trace.ts";

export interface SessionOptions {
  kind: "tcp" | "udp";
  /** Try tcpdump; `false` draws from the trace even where it could capture. */
  capture: boolean;
  /** Who runs the scripts, from where. */
  runner: Runner;
}

/** A message for the page, in both languages. */
export interface Message {
  en: string;
  zh: string;
}

/** How long the server may take to print its ready line (about 0.2 s, more on a busy machine). */
const READY_MS = 15_000;
const READY = /^listening on \S+:(\d+) \((?:tcp|udp)\)$/;
const WHO: Record<PartyName, Message> = {
  server: { en: "高望's server", zh: "高望的服务端" },
  client: { en: "宝宝's client", zh: "宝宝的客户端" },
  client2: { en: "the second client", zh: "第二个客户端" },
};

export class Session {
  readonly kind: "tcp" | "udp";
  source: Source = "trace";
  /** Why the arrows come from the trace, when they do. */
  why = "";
  readonly #options: SessionOptions;
  readonly #emit: (event: LabEvent) => void;
  readonly #parties = new Map<PartyName, Party>();
  #ladder: Ladder | undefined;
  /** Trace events that came before the ladder was made (it needs to know its source first). */
  readonly #early: [PartyName, string][] = [];
  #capture: Capture | undefined;
  #serverPort = 0;
  /** Waiting for the server's ready line. */
  #ready: { resolve(port: number): void; reject(err: Error): void } | undefined;
  #stopping = false;
  #starting: Promise<void> | undefined;

  constructor(options: SessionOptions, emit: (event: LabEvent) => void) {
    this.kind = options.kind;
    this.#options = options;
    this.#emit = emit;
  }

  /**
   * Start the server, the capture (if it can), then the client. A {@linkcode stop} meanwhile
   * ends it: what it had started is stopped, and it throws.
   */
  start(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    const ready = new Promise<number>((resolve, reject) => {
      this.#ready = { resolve, reject };
    });
    const timer = setTimeout(
      () => this.#ready?.reject(new Error("the server printed no ready line")),
      READY_MS,
    );
    this.#spawn("server", ["--port", "0"]);
    try {
      this.#serverPort = await ready;
    } finally {
      clearTimeout(timer);
      this.#ready = undefined;
    }
    if (this.#options.capture && !this.#stopping) {
      const filter = filterFor(this.kind, this.#serverPort);
      const capture = await Capture.start(filter, (p) => this.#ladder?.packet(p));
      if (typeof capture === "string") this.why = capture;
      else this.#capture = capture;
    } else {
      this.why = "--no-capture";
    }
    if (this.#stopping) throw new Error("stopped while starting");
    this.source = this.#capture ? "wire" : "trace";
    this.#ladder = new Ladder(this.kind, this.source, this.#emit);
    this.#ladder.listening(this.#serverPort);
    this.#emit({ kind: "session", mode: this.kind, source: this.source, why: this.why });
    for (const [party, line] of this.#early.splice(0)) this.#line(party, line);
    this.#startClient("client");
  }

  /** Type `text` as `party`; an error message if it cannot be typed. */
  type(party: PartyName, text: string): Message | undefined {
    const p = this.#running(party);
    if (!p.ok) return p.why;
    if (!p.party.write(text)) {
      const who = WHO[party];
      const kib = MAX_UNREAD / 1024;
      return {
        en: `${who.en} has not read what was typed before (${kib} KiB wait): not typed`,
        zh: `${who.zh}还没有读之前输入的内容（${kib} KiB 在等）：没有输入`,
      };
    }
    this.#ladder?.typed(party, text);
    this.#emit({ kind: "output", party, stream: "stdin", text: `${text}\n` });
  }

  /** Ctrl-C (SIGINT) or Ctrl-D (the end of stdin) at `party`'s terminal. */
  key(party: PartyName, key: "ctrl-c" | "ctrl-d"): Message | undefined {
    const p = this.#running(party);
    if (!p.ok) return p.why;
    this.#emit({
      kind: "output",
      party,
      stream: "stdin",
      text: key === "ctrl-c" ? "^C\n" : "^D\n",
    });
    if (key === "ctrl-c") p.party.signal("SIGINT");
    else p.party.endInput();
  }

  /** One more client: 宝宝 again if the first has ended, else a second one. */
  addClient(): Message | undefined {
    const free = (["client", "client2"] as const).find((n) => !this.#parties.get(n)?.running);
    if (!free) return { en: "two clients are running already", zh: "已经有两个客户端在运行" };
    if (!this.#parties.get("server")?.running) {
      return { en: "the server has ended: restart the lab", zh: "服务端已经结束：请重新开始" };
    }
    this.#startClient(free);
  }

  clear(): void {
    this.#ladder?.clear();
  }

  /** The capture, when tcpdump is capturing. */
  get capture(): Capture | undefined {
    return this.#capture;
  }

  /** The process ids of the parties still running. */
  pids(): number[] {
    return [...this.#parties.values()].flatMap((p) =>
      p.running && p.child.pid ? [p.child.pid] : [],
    );
  }

  /**
   * End every party and the capture, and wait until they have ended, a start under way
   * included (what it starts meanwhile is stopped too). The capture's file goes with it.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    const parties = () => Promise.all([...this.#parties.values()].map((p) => p.stop()));
    await parties(); // the server: a start waiting for its ready line fails at once
    await this.#starting?.catch(() => {});
    this.#ladder?.stop();
    await parties();
    await this.#capture?.stop();
    this.#capture?.discard();
  }

  #startClient(name: "client" | "client2"): void {
    if (this.#stopping) return;
    this.#ladder?.clientStarted(name);
    this.#spawn(name, ["--port", String(this.#serverPort)]);
  }

  #spawn(name: PartyName, args: string[]): Party {
    const script = `${this.kind}/${name === "server" ? "server" : "client"}.ts`;
    const party = new Party(name, script, ["--trace", ...args], this.#options.runner, {
      output: (stream, text) => this.#emit({ kind: "output", party: name, stream, text }),
      line: (line) => this.#line(name, line),
      exit: (exit) => {
        this.#ready?.reject(new Error(`${script} ended (${exit}) before it listened`));
        this.#emit({ kind: "party", party: name, script, running: false, exit });
        if (!this.#stopping) {
          const who = WHO[name];
          this.#emit({
            kind: "note",
            en: `${who.en} has ended (${exit})`,
            zh: `${who.zh}已结束（${exit}）`,
          });
        }
      },
    });
    this.#parties.set(name, party);
    this.#emit({ kind: "party", party: name, script, running: true, pid: party.child.pid });
    return party;
  }

  #line(party: PartyName, line: string): void {
    const ready = party === "server" ? READY.exec(line) : null;
    if (ready) this.#ready?.resolve(Number(ready[1]));
    const event = parseTrace(line);
    if (!event) return;
    if (this.#ladder) this.#ladder.trace(party, event);
    else this.#early.push([party, line]);
  }

  #running(name: PartyName): { ok: true; party: Party } | { ok: false; why: Message } {
    const party = this.#parties.get(name);
    if (party?.running) return { ok: true, party };
    const who = WHO[name];
    return {
      ok: false,
      why: party
        ? { en: `${who.en} has ended (${party.ended})`, zh: `${who.zh}已结束（${party.ended}）` }
        : { en: `${who.en} is not running`, zh: `${who.zh}没有在运行` },
    };
  }
}
