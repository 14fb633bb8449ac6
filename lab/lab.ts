/**
 * The lab: one conversation at a time (a {@linkcode Session}) and the pages that watch it.
 * Every event of the conversation is kept, so a page that opens late, or reloads, is sent
 * all of it first, then each new event as it comes (Server-Sent Events). The conversation
 * starts when the first page opens, and goes on when pages close: any page, in any number
 * of tabs, sees the same conversation and may type in it.
 *
 * @example
 * ```ts
 * import { Lab } from "./lab.ts";
 * const lab = new Lab({ kind: "tcp", capture: true });
 * createServer((req, res) => (req.url === "/events" ? lab.watch(res) : …));
 * await lab.command({ do: "type", party: "client", text: "你好" });
 * await lab.stop(); // ends the scripts and tcpdump
 * ```
 * @module
 */
import type { ServerResponse } from "node:http";
import type { Command, LabEvent } from "./events.ts";
import { mermaid } from "./mermaid.ts";
import { type Message, Session, type SessionOptions } from "./session.ts";

/** The events that belong to the ladder, forgotten by "clear". */
const LADDER = new Set<LabEvent["kind"]>(["arrow", "line", "state"]);

export class Lab {
  readonly #options: SessionOptions;
  #session: Session | undefined;
  #log: LabEvent[] = [];
  readonly #pages = new Set<ServerResponse>();
  /** Commands run one at a time, in the order they came. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: SessionOptions) {
    this.#options = options;
  }

  /** A page connects to `/events`: everything so far, then each event as it comes. */
  watch(res: ServerResponse): void {
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
    });
    res.write("retry: 1000\n\n");
    send(res, { kind: "replay", events: this.#log });
    this.#pages.add(res);
    say(`a page opened (${this.#pages.size} open)`);
    this.#viewers();
    res.on("close", () => {
      this.#pages.delete(res);
      say(`a page closed (${this.#pages.size} open); the scripts go on: Ctrl-C here ends the lab`);
      this.#viewers();
    });
    if (!this.#session) void this.#serially(() => this.#start());
  }

  /** Do what a page asked; a message saying why not, if it cannot be done. */
  command(c: Command): Promise<Message | undefined> {
    return this.#serially(async () => {
      if (c.do === "restart") return this.#restart();
      const session = this.#session;
      if (!session)
        return { en: "no conversation yet: open the page", zh: "还没有对话：请打开页面" };
      const party = c.party ?? "client";
      if (c.do === "type") return session.type(party, c.text ?? "");
      if (c.do === "ctrl-c" || c.do === "ctrl-d") return session.key(party, c.do);
      if (c.do === "client") return session.addClient();
      session.clear();
      this.#log = this.#log.filter((e) => !LADDER.has(e.kind));
      this.#broadcast({ kind: "clear" });
    });
  }

  /** The conversation's capture as a .pcap file, when tcpdump captures it. */
  pcap(): Buffer | undefined {
    return this.#session?.pcap();
  }

  /** The ladder so far as Mermaid text. */
  mermaid(): string {
    return mermaid(this.#log);
  }

  /** The process ids of the scripts running now. */
  pids(): number[] {
    return this.#session?.pids() ?? [];
  }

  /** End the conversation (its scripts and tcpdump) and close every page's stream. */
  async stop(): Promise<void> {
    await this.#serially(async () => {
      await this.#session?.stop();
      this.#session = undefined;
    });
    for (const page of this.#pages) page.end();
  }

  async #start(): Promise<undefined> {
    const session = new Session(this.#options, (e) => {
      if (this.#session === session) this.#emit(e);
    });
    this.#session = session;
    try {
      await session.start();
      say(
        session.source === "wire"
          ? "arrows from the wire: tcpdump on lo"
          : `arrows from the scripts' --trace (no capture: ${session.why})`,
      );
    } catch (err) {
      const why = (err as Error).message;
      this.#emit({ kind: "note", en: `could not start: ${why}`, zh: `无法启动：${why}` });
    }
    return undefined;
  }

  async #restart(): Promise<undefined> {
    const old = this.#session;
    this.#session = undefined;
    await old?.stop();
    this.#log = [];
    this.#broadcast({ kind: "replay", events: [] });
    return this.#start();
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    const done = this.#queue.then(work);
    this.#queue = done.catch(() => {});
    return done;
  }

  #emit(event: LabEvent): void {
    this.#log.push(event);
    this.#broadcast(event);
  }

  #viewers(): void {
    this.#broadcast({ kind: "viewers", count: this.#pages.size });
  }

  #broadcast(event: LabEvent): void {
    for (const page of this.#pages) send(page, event);
  }
}

function send(page: ServerResponse, event: LabEvent): void {
  page.write(`data: ${JSON.stringify(event)}\n\n`);
}

/** One line for the teacher, in the lab's terminal. */
function say(line: string): void {
  process.stderr.write(`${line}\n`);
}
