/**
 * Pair each arrow seen on the wire with the script line that caused it, as told by the
 * same party's `--trace`: its first SYN with its `connected` event, its data with its
 * `send`, its FIN with its `FIN to`, its datagram with its `sendto`. Either may come
 * first (tcpdump and the script write on different pipes); each is kept until its pair
 * comes, first in, first out.
 *
 * @example
 * ```ts
 * import { LineMatcher } from "./lines.ts";
 * const lines = new LineMatcher();
 * lines.arrow("client send", 7); // undefined: the trace has not come yet
 * lines.line("client send", "tcp/client.ts:40"); // 7: arrow 7 was sent by that line
 * ```
 * @module
 */
export class LineMatcher {
  #arrows = new Map<string, number[]>();
  #lines = new Map<string, string[]>();

  /** Arrow `id` was seen; its line, if the trace has told it already. */
  arrow(key: string, id: number): string | undefined {
    const line = take(this.#lines, key);
    if (line === undefined) push(this.#arrows, key, id);
    return line;
  }

  /** The trace told `line`; the arrow it belongs to, if that has been seen already. */
  line(key: string, line: string): number | undefined {
    const id = take(this.#arrows, key);
    if (id === undefined) push(this.#lines, key, line);
    return id;
  }
}

function take<T>(queues: Map<string, T[]>, key: string): T | undefined {
  return queues.get(key)?.shift();
}

/** At most this many wait for their pair, per key: an arrow or line never paired is forgotten. */
const WAITING = 100;

function push<T>(queues: Map<string, T[]>, key: string, value: T): void {
  queues.set(key, [...(queues.get(key) ?? []), value].slice(-WAITING));
}
