/**
 * What a page that opens is sent first: the conversation so far, bounded, so that a page
 * opened after a long lesson costs the lab little and shows how things are now:
 *
 * - the ladder's last {@linkcode LADDER_EVENTS} arrows, lines and states, at most
 *   {@linkcode LADDER_BYTES} of JSON;
 * - the last {@linkcode SCREEN_BYTES} each party's pane showed (what it printed and what was
 *   typed), as a terminal keeps its last lines;
 * - the session, each party's last start or end, each lifeline's last state, the last
 *   three notes: what still says how things are, however old.
 *
 * Everything is sent in the order it happened. A note says how many events are left out;
 * the capture (`/capture.pcap`, on disk) has every packet.
 *
 * @example
 * ```ts
 * import { ReplayLog } from "./replay.ts";
 * const log = new ReplayLog();
 * log.add({ kind: "note", en: "hi", zh: "你好" });
 * log.json(); // '{"kind":"replay","events":[{"kind":"note","en":"hi","zh":"你好"}]}'
 * ```
 * @module
 */
import type { LabEvent } from "./events.ts";

/** The ladder's events a page is sent when it opens, at most. */
export const LADDER_EVENTS = 1000;
/** …and their JSON, at most. */
export const LADDER_BYTES = 384 * 1024;
/** The JSON of one party's pane a page is sent, at most. */
export const SCREEN_BYTES = 32 * 1024;
/** The whole replay, at most (three panes, the ladder, and a few small events). */
export const REPLAY_BYTES = LADDER_BYTES + 3 * SCREEN_BYTES + 32 * 1024;

interface Entry {
  seq: number;
  event: LabEvent;
  json: string;
  bytes: number;
}

/** Some events, the newest, within a number and a size. */
class Window {
  entries: Entry[] = [];
  bytes = 0;
  readonly #events: number;
  readonly #maxBytes: number;

  constructor(events: number, maxBytes = Number.POSITIVE_INFINITY) {
    this.#events = events;
    this.#maxBytes = maxBytes;
  }

  /** Add `entry`; the entries it pushed out, oldest first (never `entry` itself). */
  add(entry: Entry): Entry[] {
    this.entries.push(entry);
    this.bytes += entry.bytes;
    const out: Entry[] = [];
    while (
      this.entries.length > 1 &&
      (this.entries.length > this.#events || this.bytes > this.#maxBytes)
    ) {
      const old = this.entries.shift() as Entry;
      this.bytes -= old.bytes;
      out.push(old);
    }
    return out;
  }
}

export class ReplayLog {
  #windows = new Map<string, Window>();
  #seq = 0;
  /** Events left out. */
  #dropped = 0;

  /** Keep `event`; its JSON, if it has been made already. */
  add(event: LabEvent, json = JSON.stringify(event)): void {
    const entry = { seq: this.#seq++, event, json, bytes: Buffer.byteLength(json) };
    for (const out of this.#window(windowOf(event)).add(entry)) {
      // a state that leaves the ladder's window is still the lifeline's state now
      if (out.event.kind === "state") this.#window(`state ${out.event.party}`).add(out);
      else if (out.event.kind === "arrow" || out.event.kind === "output") this.#dropped += 1;
    }
  }

  /** Forget the events of these kinds (the ladder's, when a page clears it). */
  forget(kinds: Set<LabEvent["kind"]>): void {
    for (const window of this.#windows.values()) {
      window.entries = window.entries.filter((e) => !kinds.has(e.event.kind));
      window.bytes = window.entries.reduce((n, e) => n + e.bytes, 0);
    }
  }

  /** Forget everything (a new session). */
  reset(): void {
    this.#windows.clear();
    this.#dropped = 0;
  }

  /** The events a page is sent, in their order. */
  events(): LabEvent[] {
    return this.#all().map((e) => e.event);
  }

  /** The replay event's JSON: a note on what is left out, then the events kept, in order. */
  json(): string {
    return `{"kind":"replay","events":[${this.#all()
      .map((e) => e.json)
      .join(",")}]}`;
  }

  /** The size of the events of {@linkcode json}, in bytes. */
  get bytes(): number {
    return this.#all().reduce((n, e) => n + e.bytes, 0);
  }

  #window(key: string): Window {
    let window = this.#windows.get(key);
    if (!window) {
      const [kind] = key.split(" ");
      window =
        kind === "ladder"
          ? new Window(LADDER_EVENTS, LADDER_BYTES)
          : kind === "screen"
            ? new Window(Number.POSITIVE_INFINITY, SCREEN_BYTES)
            : new Window(kind === "note" ? 3 : 1);
      this.#windows.set(key, window);
    }
    return window;
  }

  #all(): Entry[] {
    const kept = [...this.#windows.values()]
      .flatMap((w) => w.entries)
      .sort((a, b) => a.seq - b.seq);
    if (this.#dropped === 0) return kept;
    const note: LabEvent = {
      kind: "note",
      en: `this page shows the end of the conversation: ${this.#dropped} earlier events are left out (the capture, .pcap, has every packet)`,
      zh: `本页只显示对话的最后一段：之前的 ${this.#dropped} 个事件没有显示（抓包文件 .pcap 里有全部报文）`,
    };
    const json = JSON.stringify(note);
    return [{ seq: -1, event: note, json, bytes: Buffer.byteLength(json) }, ...kept];
  }
}

/** The window an event is kept in: the ladder's, its party's pane, or one of its own kind. */
function windowOf(e: LabEvent): string {
  switch (e.kind) {
    case "arrow":
    case "line":
    case "state":
      return "ladder";
    case "output":
      return `screen ${e.party}`;
    case "party":
      return `party ${e.party}`;
    default:
      return e.kind;
  }
}
