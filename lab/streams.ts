/**
 * The pages watching the lab: one Server-Sent Events stream each (`GET /events`), at most
 * {@linkcode MAX_STREAMS} at once. Each event is written to every stream; what a page has
 * not read yet waits, up to {@linkcode MAX_QUEUED} bytes a stream: a stream whose page does
 * not read (a frozen tab, or a program that opens streams and never reads them) is dropped
 * when it passes that. What waits is counted in two places: in the lab (what Node holds),
 * and in the kernel, which takes up to 4 MB a connection on loopback before Node holds
 * anything (its Send-Q, read from its table every {@linkcode CHECK_MS} while pages are
 * open). A page that was dropped reconnects by itself, as EventSource does, and is sent
 * the replay again.
 *
 * @example
 * ```ts
 * import { EventStreams } from "./streams.ts";
 * const streams = new EventStreams((count) => console.log(`${count} pages`));
 * if (!streams.open(res, replayJson)) res.writeHead(503).end();
 * streams.send(JSON.stringify({ kind: "clear" }));
 * ```
 * @module
 */
import type { ServerResponse } from "node:http";
import { socketTable } from "../shared/socket-table.ts";

/** The most pages that may watch at once: a class's projector and a few tabs, with room. */
export const MAX_STREAMS = 64;
/** The most bytes that may wait, unread, for one page. */
export const MAX_QUEUED = 1024 * 1024;
/** How often what waits in the kernel is read. */
const CHECK_MS = 250;

export class EventStreams {
  readonly #open = new Set<ServerResponse>();
  readonly #changed: (count: number, dropped: number) => void;
  /** Streams dropped so far for not reading. */
  dropped = 0;
  #check: NodeJS.Timeout | undefined;

  /** `changed` hears the number of streams open whenever it changes, and how many were dropped. */
  constructor(changed: (count: number, dropped: number) => void) {
    this.#changed = changed;
  }

  get size(): number {
    return this.#open.size;
  }

  /** Open `res` as a stream whose first event is `first` (JSON); `false` when too many are open. */
  open(res: ServerResponse, first: string): boolean {
    if (this.#open.size >= MAX_STREAMS) return false;
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    });
    res.write("retry: 1000\n\n");
    this.#open.add(res);
    res.on("close", () => {
      if (this.#open.delete(res)) this.#changed(this.#open.size, this.dropped);
      if (this.#open.size > 0) return;
      clearInterval(this.#check);
      this.#check = undefined;
    });
    this.#check ??= setInterval(() => this.#checkKernel(), CHECK_MS).unref();
    this.#write(res, `data: ${first}\n\n`);
    if (this.#open.has(res)) this.#changed(this.#open.size, this.dropped);
    return true;
  }

  /** Send one event (its JSON) to every stream. */
  send(json: string): void {
    const data = `data: ${json}\n\n`;
    for (const res of this.#open) this.#write(res, data);
  }

  /** End every stream. */
  closeAll(): void {
    clearInterval(this.#check);
    for (const res of this.#open) res.end();
  }

  #write(res: ServerResponse, data: string): void {
    res.write(data);
    if (res.writableLength > MAX_QUEUED) this.#drop(res);
  }

  /** Drop the streams whose bytes waiting in the lab and in the kernel pass the bound. */
  #checkKernel(): void {
    const table = socketTable("tcp");
    if (!table) return;
    const sendQ = new Map(table.map((s) => [`${s.localPort} ${s.remotePort}`, s.sendQ]));
    for (const res of this.#open) {
      const key = `${res.socket?.localPort} ${res.socket?.remotePort}`;
      if (res.writableLength + (sendQ.get(key) ?? 0) > MAX_QUEUED) this.#drop(res);
    }
  }

  #drop(res: ServerResponse): void {
    this.dropped += 1;
    this.#open.delete(res);
    res.destroy();
    this.#changed(this.#open.size, this.dropped);
  }
}
