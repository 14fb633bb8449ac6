/**
 * Name the role of each captured packet of a conversation with one server: SYN = first
 * handshake / 第一次握手, …, FIN = first wave of the teardown / 第一次挥手, …, a UDP
 * datagram, the kernel's ICMP "port unreachable". `make capture` prints these roles as a
 * table and `make lab` draws them as a ladder: one annotator for both.
 *
 * The roles come from the flags and the sequence and acknowledgement numbers, not from
 * the order alone: when one FIN also acknowledges the other side's FIN, the four waves
 * take three segments, and the annotation says so. Sequence and acknowledgement numbers
 * are shown relative to each side's first (as tcpdump shows them), so that "the ACK is
 * the next byte expected" can be checked: data at seq 1 of 6 bytes is acknowledged by 7.
 * Each end's TCP state (RFC 9293 §3.3.2) follows from the same segments.
 *
 * @example
 * ```ts
 * import { annotate, table } from "./annotate.ts";
 * import { readPcap } from "./pcap.ts";
 * const segments = annotate(readPcap(bytes), 8001);
 * segments[0].roles; // [{ en: "SYN: first handshake", zh: "第一次握手" }]
 * process.stdout.write(table(segments));
 * ```
 * @module
 */
import { ACK, FIN, type Packet, PSH, RST, SYN } from "./pcap.ts";

export type End = "client" | "server";

/** What a segment does in the conversation, in English and in Chinese. */
export interface Role {
  en: string;
  zh: string;
}

export interface Segment {
  /** Milliseconds since the first packet. */
  ms: number;
  /** Who sent it: one end of the conversation, or the kernel (an ICMP error). */
  from: End | "kernel";
  /** The client's port: which conversation it belongs to, when several clients talk to one server. */
  clientPort: number;
  packet: Packet;
  /** tcpdump's flags (`S`, `S.`, `.`, `P.`, `F.`, `R.`), or `UDP`, `ICMP`. */
  flags: string;
  /** The same flags by name: `SYN`, `SYN-ACK`, `ACK`, `PSH-ACK`, `FIN-ACK`, `RST`…, or `UDP`, `ICMP`. */
  name: string;
  /** TCP: the sequence number, relative to the sender's first (its SYN is 0). */
  seq?: number;
  /** TCP, when the ACK flag is set: the next byte expected, relative to the other side's first. */
  ack?: number;
  /** Bytes of data (the program's bytes, not the headers). */
  bytes: number;
  roles: Role[];
  /** TCP: the state of each end once this segment has been sent and received. */
  states?: Record<End, string>;
}

interface Conversation {
  /** Each side's initial sequence number (its SYN's). */
  isn: Partial<Record<End, number>>;
  handshake: number;
  /** The sequence number each side's FIN took. */
  finSeq: Partial<Record<End, number>>;
  finAcked: Record<End, boolean>;
  fins: number;
  finAcks: number;
  /** The highest acknowledgement number each side has sent so far. */
  lastAck: Partial<Record<End, number>>;
  states: Record<End, string>;
}

const OTHER: Record<End, End> = { client: "server", server: "client" };
const WHO: Record<End, string> = { client: "客户端", server: "服务端" };

/** Names each packet as it comes: feed it the packets of one capture, in order. */
export class Annotator {
  readonly serverPort: number;
  #t0: number | undefined;
  #conversations = new Map<number, Conversation>();

  constructor(serverPort: number) {
    this.serverPort = serverPort;
  }

  /** The segment `p` is, or `undefined` when it is not to or from the server's port. */
  add(p: Packet): Segment | undefined {
    const segment =
      p.proto === "tcp" ? this.#tcp(p) : p.proto === "udp" ? this.#udp(p) : this.#icmp(p);
    if (!segment) return undefined;
    this.#t0 ??= p.time;
    segment.ms = (p.time - this.#t0) * 1000;
    return segment;
  }

  #end(p: Packet): End | undefined {
    if (p.sport === this.serverPort) return "server";
    if (p.dport === this.serverPort) return "client";
    return undefined;
  }

  #udp(p: Packet): Segment | undefined {
    const from = this.#end(p);
    if (!from) return undefined;
    const bytes = p.payload.length;
    const role = {
      en: `datagram: ${bytes} bytes from the ${from}, nothing before it, no ACK after it`,
      zh: `数据报：${WHO[from]}发来 ${bytes} 字节，之前不建连接，之后没有确认`,
    };
    const clientPort = from === "client" ? p.sport : p.dport;
    return { ms: 0, from, clientPort, packet: p, flags: "UDP", name: "UDP", bytes, roles: [role] };
  }

  #icmp(p: Packet): Segment | undefined {
    const refused = p.icmp?.type === 3 && p.icmp.code === 3 && p.icmp.dport === this.serverPort;
    if (!refused) return undefined;
    const role = {
      en: `ICMP port unreachable: no program has port ${this.serverPort}; the kernel answers`,
      zh: `ICMP 端口不可达：端口 ${this.serverPort} 没有程序，由内核回答`,
    };
    const clientPort = p.icmp?.sport ?? 0;
    const base = {
      ms: 0,
      from: "kernel",
      clientPort,
      packet: p,
      flags: "ICMP",
      name: "ICMP",
    } as const;
    return { ...base, bytes: 0, roles: [role] };
  }

  #tcp(p: Packet): Segment | undefined {
    const from = this.#end(p);
    if (!from) return undefined;
    const other = OTHER[from];
    const clientPort = from === "client" ? p.sport : p.dport;
    const c = this.#conversation(clientPort);
    const has = (bit: number) => (p.flags & bit) !== 0;
    const bytes = p.payload.length;
    const roles: Role[] = [];
    if (has(SYN)) c.isn[from] = p.seq;
    if (has(SYN) && !has(ACK)) {
      roles.push({ en: "SYN: first handshake", zh: "第一次握手" });
      c.handshake = 1;
    } else if (has(SYN)) {
      roles.push({ en: "SYN-ACK: second handshake", zh: "第二次握手" });
      c.handshake = 2;
    } else if (c.handshake === 2 && from === "client" && has(ACK)) {
      roles.push({ en: "ACK: third handshake", zh: "第三次握手" });
      c.handshake = 3;
    }
    if (bytes > 0) {
      roles.push({
        en: `data: ${bytes} bytes from the ${from}`,
        zh: `数据：${WHO[from]}发来 ${bytes} 字节`,
      });
    }
    // the first segment whose ack covers the other side's FIN (later ones only repeat it)
    const otherFin = c.finSeq[other];
    const acksFin =
      has(ACK) && !c.finAcked[other] && otherFin !== undefined && p.ack === plus(otherFin, 1);
    if (acksFin) {
      c.finAcked[other] = true;
      c.finAcks += 1;
    }
    if (has(FIN)) {
      c.finSeq[from] = plus(p.seq, bytes);
      c.fins += 1;
    }
    const wave = teardownRole(has(FIN), acksFin, c.fins, c.finAcks, from);
    if (wave) roles.push(wave);
    const rel = (n: number, side: End) => (c.isn[side] === undefined ? n : minus(n, c.isn[side]));
    const ack = has(ACK) ? rel(p.ack, other) : undefined;
    const before = c.lastAck[from];
    const dataAcked = before === undefined ? 0 : minus(p.ack, before) - (acksFin ? 1 : 0);
    if (has(ACK) && !has(SYN) && dataAcked > 0 && dataAcked < 2 ** 31) {
      if (roles.length === 0)
        roles.push(receivedRole(from, (ack as number) - 1 - Number(c.finAcked[other])));
      else if (bytes > 0 || has(FIN)) roles.push(piggybackRole(dataAcked));
    }
    if (has(ACK)) c.lastAck[from] = p.ack;
    if (roles.length === 0) roles.push(has(RST) ? RESET : NOTHING_NEW);
    this.#advance(c, p, from, acksFin);
    return {
      ms: 0,
      from,
      clientPort,
      packet: p,
      flags: flagLetters(p.flags),
      name: flagNames(p.flags),
      seq: rel(p.seq, from),
      ack,
      bytes,
      roles,
      states: { ...c.states },
    };
  }

  #conversation(clientPort: number): Conversation {
    let c = this.#conversations.get(clientPort);
    if (!c) {
      c = {
        isn: {},
        handshake: 0,
        finSeq: {},
        finAcked: { client: false, server: false },
        fins: 0,
        finAcks: 0,
        lastAck: {},
        states: { client: "CLOSED", server: "LISTEN" },
      };
      this.#conversations.set(clientPort, c);
    }
    return c;
  }

  /** Each end's state after segment `p`, sent by `from` and received by the other end. */
  #advance(c: Conversation, p: Packet, from: End, acksFin: boolean): void {
    const s = c.states;
    const other = OTHER[from];
    if (p.flags & RST) {
      s.client = "CLOSED";
      s.server = "CLOSED";
      return;
    }
    if (p.flags & SYN) {
      if (p.flags & ACK) s.client = "ESTABLISHED";
      else [s.client, s.server] = ["SYN-SENT", "SYN-RECEIVED"];
      return;
    }
    if (s.server === "SYN-RECEIVED" && from === "client" && p.flags & ACK) s.server = "ESTABLISHED";
    if (acksFin) s[other] = AFTER_OUR_FIN_ACKED[s[other]] ?? s[other];
    if (p.flags & FIN) {
      s[from] = s[from] === "CLOSE-WAIT" ? "LAST-ACK" : "FIN-WAIT-1";
      s[other] = AFTER_THEIR_FIN[s[other]] ?? s[other];
    }
  }
}

const RESET = { en: "RST: the connection is reset", zh: "复位：连接被重置" };
const NOTHING_NEW = {
  en: "ACK: nothing new (a repeat or a window update)",
  zh: "确认：没有新数据（重复或窗口更新）",
};

/** RFC 9293's diagram: where an end goes when its FIN is acknowledged… */
const AFTER_OUR_FIN_ACKED: Record<string, string> = {
  "FIN-WAIT-1": "FIN-WAIT-2",
  CLOSING: "TIME-WAIT",
  "LAST-ACK": "CLOSED",
};
/** …and when the other end's FIN arrives. */
const AFTER_THEIR_FIN: Record<string, string> = {
  ESTABLISHED: "CLOSE-WAIT",
  "FIN-WAIT-1": "CLOSING",
  "FIN-WAIT-2": "TIME-WAIT",
};

/** Sequence numbers wrap at 2^32. */
const plus = (a: number, b: number) => (a + b) >>> 0;
const minus = (a: number, b: number) => (a - b) >>> 0;

function teardownRole(fin: boolean, acksFin: boolean, fins: number, acks: number, from: End) {
  const who = WHO[from];
  if (fin && acksFin) {
    return { en: "ACK + FIN in one segment: second and third waves", zh: "第二、三次挥手" };
  }
  if (fin && fins === 1) {
    return { en: `FIN: the ${from} closes its side, first wave`, zh: `${who}先关闭：第一次挥手` };
  }
  if (fin) return { en: `FIN: the ${from} closes too, third wave`, zh: `${who}也关闭：第三次挥手` };
  if (acksFin && acks === 1)
    return { en: "ACK of that FIN: second wave", zh: "确认这个 FIN：第二次挥手" };
  if (acksFin) return { en: "ACK of the last FIN: fourth wave", zh: "确认最后的 FIN：第四次挥手" };
  return undefined;
}

function receivedRole(from: End, received: number): Role {
  return {
    en: `ACK: the ${from} has received ${received} bytes, expects byte ${received + 1} next`,
    zh: `确认：${WHO[from]}已收到 ${received} 字节，下一个要第 ${received + 1} 字节`,
  };
}

function piggybackRole(bytes: number): Role {
  return {
    en: `also acknowledges ${bytes} bytes received earlier (a delayed ACK rides along)`,
    zh: `顺带确认之前收到的 ${bytes} 字节（延迟确认）`,
  };
}

/** tcpdump's letters for the flags, in its order: F S R P, then `.` for ACK. */
export function flagLetters(flags: number): string {
  const letters: [number, string][] = [
    [FIN, "F"],
    [SYN, "S"],
    [RST, "R"],
    [PSH, "P"],
    [ACK, "."],
  ];
  return letters.map(([bit, l]) => (flags & bit ? l : "")).join("");
}

/** The flags by name, as lessons write them: SYN-ACK, PSH-ACK, FIN-ACK. */
function flagNames(flags: number): string {
  const names: [number, string][] = [
    [SYN, "SYN"],
    [FIN, "FIN"],
    [RST, "RST"],
    [PSH, "PSH"],
    [ACK, "ACK"],
  ];
  return (
    names
      .filter(([bit]) => flags & bit)
      .map(([, n]) => n)
      .join("-") || "none"
  );
}

/** The roles of every packet of a capture, for the server listening on `serverPort`. */
export function annotate(packets: Packet[], serverPort: number): Segment[] {
  const annotator = new Annotator(serverPort);
  return packets.flatMap((p) => annotator.add(p) ?? []);
}

/** A segment's roles as one line: `SYN: first handshake / 第一次握手`. */
export function roleText(s: Segment): string {
  return s.roles.map((r) => `${r.en} / ${r.zh}`).join("; ");
}

/** Whether the teardown is complete: the last FIN has been acknowledged. */
export function tornDown(segments: Segment[]): boolean {
  return segments.some((s) => s.roles.some((r) => r.zh.includes("第四次挥手")));
}

/** One line per segment, aligned, for the terminal and the lesson; `server` names the other end. */
export function table(segments: Segment[], server = "server"): string {
  const arrows = segments.map((s) =>
    s.from === "client" ? `client → ${server}` : `${s.from} → client`,
  );
  const width = Math.max(15, ...arrows.map((a) => a.length));
  const rows = segments.map((s, n) => {
    const numbers = [s.seq, s.ack].map((v) => String(v ?? "-").padStart(5)).join(" ");
    const flags = `[${s.flags}]`.padEnd(6);
    const len = String(s.bytes).padStart(4);
    return `${s.ms.toFixed(3).padStart(8)} ms  ${arrows[n]?.padEnd(width)}  ${flags} ${numbers} ${len}  ${roleText(s)}`;
  });
  const head = `${"time".padStart(11)}  ${"direction".padEnd(width)}  flags    seq   ack  len  role`;
  return `${head}\n${rows.join("\n")}\n`;
}
