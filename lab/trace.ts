/**
 * Read one `--trace` line of a chat script: `[trace 08:43:21.153] send 6 bytes to
 * 127.0.0.1:8124 (tcp/client.ts:40)`. The event is recognised by its verb, its numbers
 * and its addresses, not by its exact wording, so that a trace that says a little more
 * (a note on half-closes, say) still reads the same.
 *
 * @example
 * ```ts
 * import { parseTrace } from "./trace.ts";
 * parseTrace("[trace 08:43:21.153] send 6 bytes to 127.0.0.1:8124 (tcp/client.ts:40)");
 * // { verb: "send", bytes: 6, addresses: ["127.0.0.1:8124"], ports: [8124], line: "tcp/client.ts:40", … }
 * ```
 * @module
 */

export type Verb =
  | "listen"
  | "accept"
  | "queue"
  | "connected"
  | "send"
  | "recv"
  | "fin-to"
  | "fin-from"
  | "close"
  | "error"
  | "bind"
  | "datagram-in"
  | "recvfrom"
  | "sendto"
  | "other";

export interface TraceEvent {
  /** The wall-clock stamp as written, `08:43:21.153`. */
  clock: string;
  /** The same, in milliseconds since midnight. */
  ms: number;
  verb: Verb;
  /** The event as written, without the stamp and the script line. */
  text: string;
  /** The byte count, when the event has one. */
  bytes?: number;
  /** Every `host:port` in the event, in order (`connected LOCAL -> REMOTE`: local first). */
  addresses: string[];
  /** Their ports, in the same order. */
  ports: number[];
  /** The kernel's TCP state named by `(now STATE)`, if any. */
  state?: string;
  /** The script line that caused it, `tcp/client.ts:40`, if any. */
  line?: string;
  /** The error code of an `error` event, `ECONNRESET`. */
  code?: string;
  /** Not a trace line: the kernel's table, read by the lab, gave this `state`. */
  fromTable?: true;
}

const LINE =
  /^\[trace (\d{2}):(\d{2}):(\d{2})\.(\d{3})\] (.*?)(?: \(((?:tcp|udp)\/[\w.-]+\.ts:\d+)\))?$/;
const ADDRESS = /(\[[0-9a-fA-F:.]+\]|\d{1,3}(?:\.\d{1,3}){3}):(\d+)/g;

/** The verbs, each by how its event begins. */
const VERBS: [RegExp, Verb][] = [
  [/^listen\b/, "listen"],
  [/^accept\b/, "accept"],
  [/^queue\b/, "queue"],
  [/^connected\b/, "connected"],
  [/^send \d/, "send"],
  [/^recv \d/, "recv"],
  [/^FIN to\b/, "fin-to"],
  [/^FIN from\b/, "fin-from"],
  [/^close \S*\d/, "close"],
  [/^error\b/, "error"],
  [/^bind\b/, "bind"],
  [/^datagram in\b/, "datagram-in"],
  [/^recvfrom\b/, "recvfrom"],
  [/^sendto\b/, "sendto"],
];

/** The event of one stderr line, or `undefined` if the line is not a trace. */
export function parseTrace(line: string): TraceEvent | undefined {
  const m = LINE.exec(line.trimEnd());
  if (!m) return undefined;
  const [, h, min, s, ms, text = "", at] = m;
  const addresses = [...text.matchAll(ADDRESS)];
  const bytes = /(\d+) bytes\b/.exec(text)?.[1];
  return {
    clock: `${h}:${min}:${s}.${ms}`,
    ms: ((Number(h) * 60 + Number(min)) * 60 + Number(s)) * 1000 + Number(ms),
    verb: VERBS.find(([re]) => re.test(text))?.[1] ?? "other",
    text,
    bytes: bytes === undefined ? undefined : Number(bytes),
    addresses: addresses.map((a) => a[0]),
    ports: addresses.map((a) => Number(a[2])),
    state: /\(now ([A-Z][A-Z0-9-]*)\)/.exec(text)?.[1],
    line: at,
    code: /^error (E[A-Z]+)/.exec(text)?.[1],
  };
}
