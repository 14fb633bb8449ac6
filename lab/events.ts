/**
 * What the lab tells its pages, one Server-Sent Event each (`data:` is this JSON), and what
 * a page may ask of the lab (a POST to `/command`). The page imports these types only.
 *
 * @example
 * ```ts
 * import type { LabEvent } from "./events.ts";
 * const e: LabEvent = { kind: "output", party: "client", stream: "stdout", text: "宝宝说:" };
 * ```
 * @module
 */
import type { Role } from "./annotate.ts";

export type { Role } from "./annotate.ts";

/** The processes of a lab: 高望's server and 宝宝's client, and maybe a second client. */
export type PartyName = "server" | "client" | "client2";

/** Where the arrows come from: tcpdump on lo, or the scripts' own `--trace` events. */
export type Source = "wire" | "trace";

/** One arrow of the ladder: one segment (or datagram) on the wire, or one traced event. */
export interface Arrow {
  id: number;
  /** Milliseconds since the conversation's session began. */
  ms: number;
  from: PartyName;
  to: PartyName;
  /** Sent by the kernel itself, not by a program (an ICMP error). */
  kernel: boolean;
  /** `SYN`, `SYN-ACK`, `PSH-ACK`, `FIN-ACK`, `RST`…, `UDP`, `ICMP`. */
  name: string;
  /** tcpdump's letters: `S`, `S.`, `P.`, `F.`; `.` is ACK. */
  flags: string;
  seq?: number;
  ack?: number;
  bytes: number;
  roles: Role[];
  /** The data bytes in hex, `e4 bd a0 e5 a5 bd` (long data is cut with `…`). */
  hex: string;
  /** The data as text, control characters escaped. */
  text: string;
  /** The statement that sent it: `tcp/client.ts:40 send(client, toServerMsg)`. */
  line?: string;
  /** UDP: the sender, as `recvfrom` prints it: `('127.0.0.1', 40000)`. */
  address?: string;
  /** Drawn from a `--trace` event, not seen on the wire. */
  inferred: boolean;
  /** Everything above as one line of text: the arrow's `aria-label` and `<title>`. */
  label: string;
}

export type LabEvent =
  | {
      kind: "session";
      mode: "tcp" | "udp";
      source: Source;
      /** Why the arrows come from the trace, when they do. */
      why: string;
    }
  | {
      kind: "party";
      party: PartyName;
      script: string;
      running: boolean;
      pid?: number;
      /** How it ended: `exit 0`, `signal SIGKILL`. */
      exit?: string;
    }
  | { kind: "output"; party: PartyName; stream: "stdout" | "stderr" | "stdin"; text: string }
  | { kind: "arrow"; arrow: Arrow }
  /** An arrow's script line, known only once the trace line has come. */
  | { kind: "line"; id: number; line: string; label: string }
  | { kind: "state"; party: PartyName; state: string }
  | { kind: "note"; en: string; zh: string }
  | { kind: "viewers"; count: number }
  | { kind: "clear" }
  /** Everything so far, sent once to a page that has just connected. */
  | { kind: "replay"; events: LabEvent[] };

/** What a page may ask: type a line as a party, Ctrl-C, Ctrl-D, restart, one more client, clear. */
export interface Command {
  do: "type" | "ctrl-c" | "ctrl-d" | "restart" | "client" | "clear";
  party?: PartyName;
  text?: string;
}
