/**
 * The lab: one conversation at a time (a {@linkcode Session}) and the pages that watch it.
 * The conversation starts when the lab starts, and again only when a page asks for a
 * restart (`POST /command`): opening a page starts nothing. A restart stops the session it
 * replaces before it starts the next, and a restart asked for while one is under way waits
 * for that one instead of starting another: there is never more than one session, and so
 * never more than its processes (a server, two clients, tcpdump).
 *
 * A page that opens, or reloads, is sent the conversation so far (bounded: {@linkcode
 * ReplayLog}), then each new event as it comes (Server-Sent Events, bounded per page:
 * {@linkcode EventStreams}). Any page, in any number of tabs, sees the same conversation
 * and may type in it; the conversation goes on when pages close.
 *
 * @example
 * ```ts
 * import { Lab } from "./lab.ts";
 * const lab = new Lab({ kind: "tcp", capture: true, runner });
 * void lab.restart(); // the first session
 * createServer((req, res) => (req.url === "/events" ? lab.watch(res) : …));
 * await lab.command({ do: "type", party: "client", text: "你好" });
 * await lab.stop(); // ends the scripts and tcpdump
 * ```
 * @module
 */
import type { ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import type { Command, LabEvent } from "./events.ts";
import { mermaid } from "./mermaid.ts";
import { ReplayLog } from "./replay.ts";
import { type Message, Session, type SessionOptions } from "./session.ts";
import { EventStreams } from "./streams.ts";

/** The events that belong to the ladder, forgotten by "clear". */
const LADDER = new Set<LabEvent["kind"]>(["arrow", "line", "state"]);

export class Lab {
  readonly #options: SessionOptions;
  #session: Session | undefined;
  readonly #log = new ReplayLog();
  readonly #streams = new EventStreams((count, dropped) => this.#viewers(count, dropped));
  #streamsSeen = 0;
  #droppedSeen = 0;
  /** Commands run one at a time, in the order they came. */
  #queue: Promise<unknown> = Promise.resolve();
  /** The restart under way (queued or running), which a new restart request joins. */
  #restarting: Promise<undefined> | undefined;
  #closing = false;

  constructor(options: SessionOptions) {
    this.#options = options;
  }

  /**
   * A page connects to `/events`: everything so far, then each event as it comes; `false`
   * when too many pages are open already. Starts nothing.
   */
  watch(res: ServerResponse): boolean {
    return this.#streams.open(res, this.#log.json());
  }

  /** Do what a page asked; a message saying why not, if it cannot be done. */
  command(c: Command): Promise<Message | undefined> {
    if (c.do === "restart") return this.restart();
    return this.#serially(async () => {
      const session = this.#session;
      if (!session) return { en: "no conversation now: restart", zh: "现在没有对话：请重新开始" };
      const party = c.party ?? "client";
      if (c.do === "type") return session.type(party, c.text ?? "");
      if (c.do === "ctrl-c" || c.do === "ctrl-d") return session.key(party, c.do);
      if (c.do === "client") return session.addClient();
      session.clear();
      this.#log.forget(LADDER);
      this.#streams.send(JSON.stringify({ kind: "clear" }));
    });
  }

  /**
   * Stop the session (if any), then start a new one. While a restart is under way, another
   * joins it: it resolves when that one has started.
   */
  restart(): Promise<undefined> {
    this.#restarting ??= this.#serially(() => this.#replace()).finally(() => {
      this.#restarting = undefined;
    });
    return this.#restarting;
  }

  /** The conversation's capture as a .pcap file, read from disk, when tcpdump captures it. */
  pcap(): Readable | undefined {
    return this.#session?.capture?.stream();
  }

  /** The ladder as the replay has it, as Mermaid text. */
  mermaid(): string {
    return mermaid(this.#log.events());
  }

  /** The process ids of the session's scripts and tcpdump running now. */
  pids(): number[] {
    const capture = this.#session?.capture?.pid;
    return [...(this.#session?.pids() ?? []), ...(capture ? [capture] : [])];
  }

  /** End the conversation (its scripts and tcpdump, a start under way included) and every page's stream. */
  async stop(): Promise<void> {
    this.#closing = true;
    await this.#session?.stop();
    await this.#queue;
    await this.#session?.stop();
    this.#session = undefined;
    this.#streams.closeAll();
  }

  async #replace(): Promise<undefined> {
    const old = this.#session;
    this.#session = undefined;
    await old?.stop();
    this.#log.reset();
    this.#streams.send(this.#log.json());
    if (this.#closing) return undefined;
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
      if (!this.#closing) {
        this.#emit({ kind: "note", en: `could not start: ${why}`, zh: `无法启动：${why}` });
        say(`could not start the conversation: ${why}`);
      }
    }
    return undefined;
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    const done = this.#queue.then(work);
    this.#queue = done.catch(() => {});
    return done;
  }

  #emit(event: LabEvent): void {
    const json = JSON.stringify(event);
    this.#log.add(event, json);
    this.#streams.send(json);
  }

  #viewers(count: number, dropped: number): void {
    if (dropped > this.#droppedSeen) {
      say(`a page that did not read its events was dropped (${dropped} so far)`);
    } else if (count > this.#streamsSeen) {
      say(`a page opened (${count} open)`);
    } else {
      say(`a page closed (${count} open); the scripts go on: Ctrl-C here ends the lab`);
    }
    this.#streamsSeen = count;
    this.#droppedSeen = dropped;
    this.#streams.send(JSON.stringify({ kind: "viewers", count }));
  }
}

/** One line for the teacher, in the lab's terminal. */
function say(line: string): void {
  process.stderr.write(`${line}\n`);
}
