/**
 * The ladder of one session: turns what the lab sees into arrows between the parties'
 * lifelines, and each party's TCP state as it changes.
 *
 * On the wire (tcpdump), each captured segment is one arrow, named by the annotator; the
 * scripts' `--trace` then only tells which statement sent it (`connected`, `send`,
 * `FIN to`, `sendto`) and that the server listens. Without a capture, the `--trace`
 * events are the arrows: the segments they imply (a `connected` is a finished handshake,
 * a `send` is data, a `FIN to` is a FIN) go through the same annotator, marked as not
 * seen on the wire; the kernel's own ACKs cannot be seen that way. A FIN is drawn from
 * whichever side tells of it first: the sender's `FIN to`, or the receiver's `FIN from` (a
 * script killed outright traces nothing); a reset from the `error` its peer traces. The
 * states are the kernel's own: as the trace reports them (`now TIME-WAIT`), and as the lab
 * reads them from the kernel's table every 100 ms, which goes on after a script has ended
 * (a first closer's TIME-WAIT outlives it), so a pane's title follows what really became of
 * its socket.
 *
 * @example
 * ```ts
 * import { Ladder } from "./ladder.ts";
 * const ladder = new Ladder("tcp", "wire", (event) => console.log(event));
 * ladder.listening(8001);
 * ladder.clientStarted("client");
 * ladder.packet(synPacket); // { kind: "arrow", arrow: { name: "SYN", roles: [{ en: "SYN: first handshake", … }], … } }
 * ```
 * @module
 */
import { Address } from "../shared/address.ts";
import { safeText } from "../shared/safe-text.ts";
import { type KernelSocket, socketTable } from "../shared/socket-table.ts";
import { Annotator, type End, type Segment } from "./annotate.ts";
import type { Arrow, LabEvent, PartyName, Source } from "./events.ts";
import { arrowLabel, hex } from "./label.ts";
import { LineMatcher } from "./lines.ts";
import { ACK, FIN, type Packet, PSH, RST, SYN } from "./pcap.ts";
import { sourceLine } from "./source-line.ts";
import type { TraceEvent } from "./trace.ts";

/** How long trace events wait to be put in time order: two scripts write on two pipes. */
const REORDER_MS = 80;

/**
 * The longest trace events are held while more keep coming less than REORDER_MS apart (a
 * busy conversation): then they are drawn, not held for ever.
 */
const HOLD_MAX_MS = 400;

/** The kernel's states after a FIN sent second: the peer's had come already. */
const CLOSED_SECOND = new Set(["CLOSED", "LAST-ACK"]);

/**
 * How long a FIN sent second waits for the trace of the peer's FIN, which went first but
 * may be written late: a script can be paused between its close and its trace line.
 */
const PEER_FIN_MS = 2000;

/**
 * The arrows kept, to add a script line to one when its trace comes (seconds later at most):
 * the newest, as many as a page that opens is sent (replay.ts); older ones are forgotten.
 */
const ARROWS_KEPT = 1000;
/** Lines typed and not yet seen sent, kept per party (a party that never sends them). */
const TYPED_KEPT = 100;

/** How often the kernel's table is read for the states, without a capture. */
const POLL_MS = 100;

/** Which statement of a party's trace sent which kind of arrow. */
const SENT_BY: Partial<Record<TraceEvent["verb"], string>> = {
  connected: "connect",
  send: "send",
  "fin-to": "close",
  sendto: "sendto",
};

export class Ladder {
  readonly kind: "tcp" | "udp";
  readonly source: Source;
  readonly #emit: (event: LabEvent) => void;
  readonly #t0 = Date.now();
  #annotator: Annotator | undefined;
  readonly #ports = new Map<number, PartyName>();
  readonly #portOf = new Map<PartyName, number>();
  #waitingClients: PartyName[] = [];
  readonly #typed = new Map<PartyName, Buffer[]>();
  readonly #states = new Map<PartyName, string>();
  readonly #lines = new LineMatcher();
  readonly #arrows = new Map<number, Arrow>();
  #nextId = 1;
  /** The first arrow drawn since the last clear. */
  #clearedBelow = 1;
  /** Trace mode: events held a moment, to be put in time order. */
  #held: [PartyName, TraceEvent][] = [];
  #flush: NodeJS.Timeout | undefined;
  /** Since when the oldest event held has waited. */
  #heldSince: number | undefined;
  /** Trace mode: the FINs drawn, `party>port` (the port it was sent to), and their arrows. */
  readonly #finsDrawn = new Map<string, number>();
  /** Trace mode: the client port of the server's current connection (its last accept). */
  #serverPeer: number | undefined;
  /** Trace mode: the timer that reads the kernel's table, and how it reads it. */
  #poll: NodeJS.Timeout | undefined;
  readonly #table: () => KernelSocket[] | undefined;
  /** Trace mode: since when each FIN sent second has waited for its peer's. */
  readonly #waitingSince = new WeakMap<TraceEvent, number>();
  /** Trace mode: the bytes each end of each connection (by client port) has sent. */
  readonly #sent = new Map<number, Record<End, number>>();

  /** `table`: the kernel's table of TCP sockets, read for the states without a capture. */
  constructor(
    kind: "tcp" | "udp",
    source: Source,
    emit: (event: LabEvent) => void,
    table: () => KernelSocket[] | undefined = () => socketTable("tcp"),
  ) {
    this.kind = kind;
    this.source = source;
    this.#emit = emit;
    this.#table = table;
    if (source === "trace" && kind === "tcp" && table()) {
      this.#poll = setInterval(() => this.#readTable(), POLL_MS);
      this.#poll.unref();
    }
  }

  /** The server listens on `port`. */
  listening(port: number): void {
    this.#annotator = new Annotator(port);
    this.#learn("server", port);
  }

  /** A client has been started; the next new port seen is its own. */
  clientStarted(party: PartyName): void {
    this.#waitingClients.push(party);
  }

  /** A line was typed as `party`: the bytes its next send will carry. */
  typed(party: PartyName, line: string): void {
    this.#typed.set(
      party,
      [...(this.#typed.get(party) ?? []), Buffer.from(line)].slice(-TYPED_KEPT),
    );
  }

  /** Forget the arrows drawn so far (the conversation itself goes on). */
  clear(): void {
    this.#arrows.clear();
    this.#clearedBelow = this.#nextId;
  }

  /** Stop the timers: held trace events, the kernel's table. */
  stop(): void {
    clearTimeout(this.#flush);
    clearInterval(this.#poll);
  }

  /**
   * Trace mode: each party's state as the kernel's table has it now, put in time order with
   * the trace: a client's connection; for the server, its current connection, else LISTEN
   * while it listens; a socket gone from the table is CLOSED.
   */
  #readTable(): void {
    const table = this.#table();
    const serverPort = this.#annotator?.serverPort;
    if (!table || serverPort === undefined) return;
    const row = (local: number, remote: number | undefined) =>
      table.find((s) => s.localPort === local && s.remotePort === remote)?.state;
    const ms = msOfDay(Date.now());
    // the server's connection: to the client it accepted last, or else the newest client's
    const clients = [...this.#portOf].filter(([p]) => p !== "server").map(([, port]) => port);
    const peer = this.#serverPeer ?? clients.reverse().find((port) => row(serverPort, port));
    for (const [party, port] of this.#portOf) {
      const state =
        party === "server"
          ? (row(serverPort, peer) ?? row(serverPort, 0) ?? "CLOSED")
          : (row(port, serverPort) ?? "CLOSED");
      const ev = { clock: "", ms, verb: "other", text: "", addresses: [], ports: [], state };
      this.#held.push([party, { ...ev, fromTable: true } as TraceEvent]);
    }
    this.#hold();
  }

  /** One packet from the capture. */
  packet(p: Packet): void {
    const segment = this.#annotator?.add(p);
    const client = segment && this.#party(segment.clientPort);
    if (!segment || !client) return;
    const [from, to]: PartyName[] =
      segment.from === "client" ? [client, "server"] : ["server", client];
    const arrow = this.#arrow(segment, from, to, p.time * 1000, false);
    const key = wireKey(segment, from);
    const at = key && this.#lines.arrow(key, arrow.id);
    if (at) this.#setLine(arrow, at);
    this.#emit({ kind: "arrow", arrow });
    if (segment.states) {
      this.#state(client, segment.states.client);
      this.#state("server", segment.states.server);
    }
  }

  /** One `--trace` event of `party`. */
  trace(party: PartyName, ev: TraceEvent): void {
    if (ev.verb === "connected") this.#learn(party, ev.ports[0]);
    if (ev.verb === "sendto" && party !== "server") this.#learn(party, ev.ports[1]);
    if (this.source === "trace") {
      this.#held.push([party, ev]);
      this.#hold();
      return;
    }
    if (ev.verb === "listen") this.#state("server", "LISTEN");
    const sent = SENT_BY[ev.verb];
    const id = sent && ev.line ? this.#lines.line(`${party} ${sent}`, ev.line) : undefined;
    const arrow = id === undefined ? undefined : this.#arrows.get(id);
    if (arrow && ev.line) {
      this.#setLine(arrow, ev.line);
      this.#emit({ kind: "line", id: arrow.id, line: arrow.line as string, label: arrow.label });
    }
  }

  /** Draw what is held REORDER_MS after the last event, or once the oldest has waited HOLD_MAX_MS. */
  #hold(): void {
    this.#heldSince ??= Date.now();
    const left = this.#heldSince + HOLD_MAX_MS - Date.now();
    clearTimeout(this.#flush);
    this.#flush = setTimeout(() => this.#flushHeld(), Math.max(0, Math.min(REORDER_MS, left)));
  }

  #flushHeld(): void {
    this.#heldSince = undefined;
    // in the same millisecond, what a script traced goes before what the table said then
    const tableLast = (e: TraceEvent) => (e.fromTable ? 1 : 0);
    const held = this.#held
      .splice(0)
      .sort((a, b) => a[1].ms - b[1].ms || tableLast(a[1]) - tableLast(b[1]));
    // A script stamps its FIN when Node reports it sent, a moment after the kernel sent it:
    // the stamps may put the two FINs the wrong way round. The kernel's state says which
    // went second (it had the peer's FIN already): that one goes after the peer's, and
    // waits for it if its trace has not come yet (up to PEER_FIN_MS).
    for (let i = 0; i < held.length; i++) {
      const [party, ev] = held[i] as [PartyName, TraceEvent];
      if (ev.verb !== "fin-to" || !CLOSED_SECOND.has(ev.state ?? "")) continue;
      const peer = held.findIndex(
        ([p, e], j) => j > i && e.verb === "fin-to" && this.#peers(p, ev),
      );
      if (peer !== -1) {
        held.splice(peer, 0, ...held.splice(i, 1));
        i -= 1;
      } else if (!this.#peerFinDrawn(party, ev) && this.#waited(ev) < PEER_FIN_MS) {
        this.#held = held.splice(i); // this FIN and what came after it wait for the peer's
        this.#heldSince = Date.now();
        this.#flush = setTimeout(() => this.#flushHeld(), REORDER_MS);
        break;
      }
    }
    for (const [party, ev] of held) this.#fromTrace(party, ev);
  }

  /** Whether `b` is the peer that event `ev` names, by its address. */
  #peers(b: PartyName, ev: TraceEvent): boolean {
    return this.#ports.get(ev.ports[0] ?? 0) === b;
  }

  /** How long the FIN `ev` has waited for its peer's, in milliseconds. */
  #waited(ev: TraceEvent): number {
    const since = this.#waitingSince.get(ev) ?? Date.now();
    this.#waitingSince.set(ev, since);
    return Date.now() - since;
  }

  /** Whether the FIN of the peer that `party`'s FIN `ev` went to is on the ladder already. */
  #peerFinDrawn(party: PartyName, ev: TraceEvent): boolean {
    const own = party === "server" ? this.#annotator?.serverPort : this.#portOf.get(party);
    return this.#finsDrawn.has(`${this.#ports.get(ev.ports[0] ?? 0)}>${own}`);
  }

  /** Trace mode: the arrows and states one event stands for. */
  #fromTrace(party: PartyName, ev: TraceEvent): void {
    if (ev.fromTable) {
      this.#state(party, ev.state as string);
      return;
    }
    const epochMs = clockToEpoch(ev.ms);
    const serverPort = this.#annotator?.serverPort;
    const peerPort = ev.ports[0];
    const clientPort = party === "server" ? peerPort : this.#portOf.get(party);
    if (ev.verb === "listen") this.#state("server", "LISTEN");
    if (ev.verb === "accept") {
      this.#serverPeer = peerPort;
      this.#state("server", "ESTABLISHED");
    }
    if (serverPort === undefined || clientPort === undefined) return;
    const end: End = party === "server" ? "server" : "client";
    const client = party === "server" ? this.#ports.get(clientPort) : party;
    const sent = this.#sentBy(clientPort);
    const seq = (e: End) => 1 + sent[e];
    // What each side has acknowledged is not in the trace: the packets drawn from it all
    // say ack 1 (the handshake's), so the annotator names no ACK it cannot know about.
    const packet = (
      from: End,
      flags: number,
      s: number,
      a: number,
      payload: Buffer = Buffer.alloc(0),
    ) => {
      const [sport, dport] =
        from === "client" ? [clientPort, serverPort] : [serverPort, clientPort];
      const base = { time: epochMs / 1000, src: "127.0.0.1", dst: "127.0.0.1", sport, dport };
      return { ...base, proto: this.kind, seq: s, ack: a, flags, payload } as const;
    };
    const draw = (p: Packet, keepAck: boolean, line = ev.line) => {
      const segment = this.#annotator?.add(p);
      if (!segment || !client) return undefined;
      const [from, to]: PartyName[] =
        segment.from === "client" ? [client, "server"] : ["server", client];
      const arrow = this.#arrow(segment, from, to, epochMs, true, keepAck);
      if (line) this.#setLine(arrow, line);
      this.#emit({ kind: "arrow", arrow });
      return arrow;
    };
    /** The FIN `from` sent to the port `to`: drawn once, its sender's line added when it tells. */
    const fin = (from: End, to: number | undefined, line?: string) => {
      const key = `${from === "server" ? "server" : client}>${to}`;
      const id = this.#finsDrawn.get(key) ?? 0;
      const drawn = this.#arrows.get(id);
      if (id >= this.#clearedBelow) {
        // drawn already (and maybe forgotten since, long ago: then its line is not added)
        if (drawn && line && !drawn.line) {
          this.#setLine(drawn, line);
          this.#emit({
            kind: "line",
            id: drawn.id,
            line: drawn.line as string,
            label: drawn.label,
          });
        }
        return;
      }
      const arrow = draw(packet(from, FIN | ACK, seq(from), 1), false, line ?? "");
      if (arrow) this.#finsDrawn.set(key, arrow.id);
    };
    switch (ev.verb) {
      case "connected":
        draw(packet("client", SYN, 0, 0), true);
        draw(packet("server", SYN | ACK, 0, 1), true, "");
        draw(packet("client", ACK, 1, 1), true, "");
        this.#state(party, "ESTABLISHED");
        break;
      case "send":
      case "sendto": {
        const data = this.#takeTyped(party, ev.bytes ?? 0);
        draw(packet(end, PSH | ACK, seq(end), 1, data), false);
        sent[end] += data.length;
        break;
      }
      case "fin-to":
        fin(end, peerPort, ev.line);
        break;
      case "fin-from": // the peer's FIN, as this side saw it come
        fin(other(end), end === "server" ? serverPort : clientPort);
        break;
      case "error":
        draw(packet(other(end), RST, seq(other(end)), 0), false, "");
        break;
    }
    if (ev.state && (ev.verb === "fin-to" || ev.verb === "fin-from")) this.#state(party, ev.state);
  }

  #sentBy(clientPort: number): Record<End, number> {
    const sent = this.#sent.get(clientPort) ?? { client: 0, server: 0 };
    this.#sent.set(clientPort, sent);
    return sent;
  }

  /** The bytes `party` typed that a send of `bytes` bytes carried. */
  #takeTyped(party: PartyName, bytes: number): Buffer {
    const typed = this.#typed.get(party) ?? [];
    const at = typed.findIndex((b) => b.length === bytes);
    if (at === -1) return Buffer.alloc(bytes, "?");
    const [data] = typed.splice(0, at + 1).slice(-1);
    return data as Buffer;
  }

  #learn(party: PartyName, port: number | undefined): void {
    if (!port || this.#ports.has(port)) return;
    this.#ports.set(port, party);
    this.#portOf.set(party, port);
    this.#waitingClients = this.#waitingClients.filter((p) => p !== party);
  }

  /** The party at `port`: a port not seen before belongs to the client started first of those waiting. */
  #party(port: number): PartyName | undefined {
    if (!this.#ports.has(port) && this.#waitingClients[0])
      this.#learn(this.#waitingClients[0], port);
    return this.#ports.get(port);
  }

  #arrow(
    s: Segment,
    from: PartyName,
    to: PartyName,
    epochMs: number,
    inferred: boolean,
    keepAck = true,
  ): Arrow {
    const data = s.packet.proto === "icmp" ? Buffer.alloc(0) : s.packet.payload;
    const arrow: Arrow = {
      id: this.#nextId++,
      ms: Math.round((epochMs - this.#t0) * 1000) / 1000,
      from,
      to,
      kernel: s.from === "kernel",
      name: s.name,
      flags: s.flags,
      seq: s.seq,
      ack: keepAck ? s.ack : undefined,
      bytes: s.bytes,
      roles: s.roles,
      hex: hex(data),
      text: safeText(data.toString("utf8")).replaceAll("\n", "\\n"),
      address:
        s.packet.proto === "udp" ? String(new Address(s.packet.src, s.packet.sport)) : undefined,
      inferred,
      label: "",
    };
    arrow.label = arrowLabel(arrow);
    this.#arrows.set(arrow.id, arrow);
    if (this.#arrows.size > ARROWS_KEPT)
      this.#arrows.delete(this.#arrows.keys().next().value as number);
    return arrow;
  }

  #setLine(arrow: Arrow, at: string): void {
    arrow.line = sourceLine(at);
    arrow.label = arrowLabel(arrow);
  }

  #state(party: PartyName, state: string): void {
    if (this.kind === "udp" || this.#states.get(party) === state) return;
    this.#states.set(party, state);
    this.#emit({ kind: "state", party, state });
  }
}

const other = (end: End): End => (end === "client" ? "server" : "client");

/** The key that pairs an arrow seen on the wire with the trace of the statement that sent it. */
function wireKey(s: Segment, from: PartyName): string | undefined {
  const f = s.packet.flags;
  if (s.packet.proto === "udp") return `${from} sendto`;
  if (s.packet.proto !== "tcp") return undefined;
  if (f & SYN && !(f & ACK)) return `${from} connect`;
  if (s.bytes > 0) return `${from} send`;
  if (f & FIN) return `${from} close`;
  return undefined;
}

/** A time since 1970 as a trace stamps it: milliseconds since local midnight. */
function msOfDay(epochMs: number): number {
  const midnight = new Date(epochMs);
  midnight.setHours(0, 0, 0, 0);
  return epochMs - midnight.getTime();
}

/** A trace stamp (milliseconds since local midnight) as a time since 1970, in milliseconds. */
function clockToEpoch(msOfDay: number): number {
  const midnight = new Date();
  midnight.setHours(0, 0, 0, 0);
  const at = midnight.getTime() + msOfDay;
  return at - Date.now() > 12 * 3600_000 ? at - 86_400_000 : at; // stamped just before midnight
}
