/**
 * Name the role of each segment that `tcpdump -n -tt` printed for one TCP connection
 * (or each datagram of a UDP exchange): SYN = first handshake / 第一次握手, …, FIN =
 * first wave of the teardown / 第一次挥手, …. The roles come from the flags and the
 * sequence and acknowledgement numbers, not from the order alone: when one FIN also
 * acknowledges the other side's FIN, the four waves take three segments, and the
 * annotation says so.
 *
 * @example
 * ```ts
 * annotate(tcpdumpLines, 8001); // [{ ms: 0, from: "client", flags: "S", bytes: 0, role: "SYN: first handshake / 第一次握手" }, …]
 * ```
 * @module
 */

export interface Segment {
  /** Milliseconds since the first segment. */
  ms: number;
  from: "client" | "server";
  /** tcpdump's flags (`S`, `S.`, `P.`, `F.`, `.`), or `UDP`. */
  flags: string;
  bytes: number;
  role: string;
}

const TCP_LINE =
  /^(\d+\.\d+) IP6? \S+\.(\d+) > \S+\.(\d+): Flags \[([^\]]+)\](?:, seq (\d+)(?::(\d+))?)?(?:, ack (\d+))?.*, length (\d+)/;
const UDP_LINE = /^(\d+\.\d+) IP6? \S+\.(\d+) > \S+\.(\d+): UDP, length (\d+)/;

/** The roles of the TCP segments in `lines`, for the server listening on `serverPort`. */
export function annotate(lines: string[], serverPort: number): Segment[] {
  const out: Segment[] = [];
  let t0: number | undefined;
  let handshake = 0;
  const finSeq: Partial<Record<"client" | "server", number>> = {};
  const finAcked = { client: false, server: false };
  let fins = 0;
  let finAcks = 0;
  for (const line of lines) {
    const m = TCP_LINE.exec(line);
    if (!m) continue;
    const [, time, srcPort, , flags = "", seq, seqEnd, ack, length] = m;
    t0 ??= Number(time);
    const from = Number(srcPort) === serverPort ? "server" : "client";
    const other = from === "client" ? "server" : "client";
    const bytes = Number(length);
    const roles: string[] = [];
    if (flags === "S") {
      roles.push("SYN: first handshake / 第一次握手");
      handshake = 1;
    } else if (flags === "S.") {
      roles.push("SYN-ACK: second handshake / 第二次握手");
      handshake = 2;
    } else if (handshake === 2 && from === "client") {
      roles.push("ACK: third handshake / 第三次握手");
      handshake = 3;
    }
    if (bytes > 0) roles.push(`data: ${bytes} bytes from the ${from}`);
    // the first segment whose ack covers the other side's FIN (later ones only repeat it)
    const acksFin =
      !finAcked[other] &&
      finSeq[other] !== undefined &&
      Number(ack) === (finSeq[other] as number) + 1;
    if (acksFin) finAcked[other] = true;
    if (flags.includes("F")) {
      finSeq[from] = Number(seqEnd ?? seq);
      fins += 1;
    }
    if (acksFin) finAcks += 1;
    const wave = teardownRole(flags.includes("F"), acksFin, fins, finAcks, from);
    if (wave) roles.push(wave);
    if (roles.length === 0 && flags === ".") {
      roles.push(`ACK: the ${from} has received ${Number(ack) - 1} bytes so far`);
    }
    out.push({ ms: (Number(time) - t0) * 1000, from, flags, bytes, role: roles.join("; ") });
  }
  return out;
}

function teardownRole(fin: boolean, acksFin: boolean, fins: number, acks: number, from: string) {
  if (fin && acksFin) return "ACK + FIN in one segment: second and third waves / 第二、三次挥手";
  if (fin && fins === 1) return `FIN: the ${from} closes its side, first wave / 第一次挥手`;
  if (fin) return `FIN: the ${from} closes too, third wave / 第三次挥手`;
  if (acksFin && acks === 1) return "ACK of that FIN: second wave / 第二次挥手";
  if (acksFin) return "ACK of the last FIN: fourth wave / 第四次挥手";
  return undefined;
}

/** The datagrams of a UDP exchange in `lines`, for the server on `serverPort`. */
export function annotateUdp(lines: string[], serverPort: number): Segment[] {
  const out: Segment[] = [];
  let t0: number | undefined;
  for (const line of lines) {
    const m = UDP_LINE.exec(line);
    if (!m) continue;
    const [, time, srcPort, , length] = m;
    t0 ??= Number(time);
    const from = Number(srcPort) === serverPort ? "server" : "client";
    const bytes = Number(length);
    const role = `datagram: ${bytes} bytes from the ${from}, nothing before it, no ACK after it`;
    out.push({ ms: (Number(time) - t0) * 1000, from, flags: "UDP", bytes, role });
  }
  return out;
}

/** Whether the teardown is complete: the last FIN has been acknowledged. */
export function tornDown(segments: Segment[]): boolean {
  return segments.some((s) => s.role.includes("第四次挥手"));
}

/** One line per segment, aligned, for the terminal and the lesson. */
export function table(segments: Segment[]): string {
  const rows = segments.map((s) => {
    const arrow = s.from === "client" ? "client → server" : "server → client";
    return `${s.ms.toFixed(3).padStart(8)} ms  ${arrow}  ${`[${s.flags}]`.padEnd(6)} ${String(s.bytes).padStart(3)}  ${s.role}`;
  });
  return `${"time".padStart(11)}  ${"direction".padEnd(15)}  flags  len  role\n${rows.join("\n")}\n`;
}
