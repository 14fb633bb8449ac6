/**
 * Read what `tcpdump -w -` writes (the classic pcap format) as it comes, and take each
 * frame apart: the link header, IPv4, then TCP, UDP or ICMP. Enough for one conversation
 * on the loopback interface; anything else (IPv6, ARP, fragments) is skipped.
 *
 * @example
 * ```ts
 * import { PcapReader } from "./pcap.ts";
 * const reader = new PcapReader();
 * tcpdump.stdout.on("data", (chunk) => {
 *   for (const p of reader.push(chunk)) console.log(p.proto, p.sport, "->", p.dport, p.payload.length);
 * });
 * ```
 * @module
 */

/** One IPv4 packet, TCP, UDP or ICMP, as the wire carried it. */
export interface Packet {
  /** When it was captured: seconds since 1970, to the microsecond. */
  time: number;
  proto: "tcp" | "udp" | "icmp";
  src: string;
  dst: string;
  /** The ports (0 for ICMP). */
  sport: number;
  dport: number;
  /** TCP only: the sequence and acknowledgement numbers as sent, and the flag bits. */
  seq: number;
  ack: number;
  flags: number;
  /** The bytes the program sent (TCP, UDP), or the ICMP message after its header. */
  payload: Buffer;
  /** ICMP only: type and code (3/3 is "port unreachable") and the ports of the datagram it answers. */
  icmp?: { type: number; code: number; sport: number; dport: number };
}

/** The TCP flag bits, as RFC 9293 numbers them. */
export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;

/** Link types (www.tcpdump.org/linktypes.html) and where the IP header starts in each. */
const LINK_HEADER: Record<number, (frame: Buffer) => number | undefined> = {
  0: (f) => (f.readUInt32LE(0) === 2 || f.readUInt32BE(0) === 2 ? 4 : undefined), // BSD loopback
  1: (f) => (f.readUInt16BE(12) === 0x0800 ? 14 : undefined), // Ethernet: Linux's lo
  101: () => 0, // raw IP
  113: (f) => (f.readUInt16BE(14) === 0x0800 ? 16 : undefined), // Linux "any" (SLL)
  276: (f) => (f.readUInt16BE(0) === 0x0800 ? 20 : undefined), // Linux "any" (SLL2)
};

/** Takes pcap bytes in chunks of any size; hands back each whole packet once it has come. */
export class PcapReader {
  #buffer = Buffer.alloc(0);
  #little = true;
  #nano = false;
  #link: number | undefined;

  /** The link type from the file header, once it has been read. */
  get linkType(): number | undefined {
    return this.#link;
  }

  /** Add `chunk`; returns the packets it completed (frames that are not IPv4 TCP/UDP/ICMP are left out). */
  push(chunk: Buffer): Packet[] {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    const packets: Packet[] = [];
    if (this.#link === undefined) {
      if (this.#buffer.length < 24) return packets;
      this.#readHeader();
    }
    while (this.#buffer.length >= 16) {
      const u32 = (at: number) =>
        this.#little ? this.#buffer.readUInt32LE(at) : this.#buffer.readUInt32BE(at);
      const saved = u32(8);
      if (this.#buffer.length < 16 + saved) break;
      const time = u32(0) + u32(4) / (this.#nano ? 1e9 : 1e6);
      const frame = this.#buffer.subarray(16, 16 + saved);
      this.#buffer = this.#buffer.subarray(16 + saved);
      const packet = parseFrame(this.#link as number, frame, time);
      if (packet) packets.push(packet);
    }
    return packets;
  }

  #readHeader(): void {
    const magic = this.#buffer.readUInt32LE(0);
    const known: Record<number, [little: boolean, nano: boolean]> = {
      2712847316: [true, false],
      2712812621: [true, true],
      3569595041: [false, false],
      1295823521: [false, true],
    };
    const kind = known[magic];
    if (!kind) throw new Error(`not a pcap stream (magic ${magic.toString(16)})`);
    [this.#little, this.#nano] = kind;
    this.#link = this.#little ? this.#buffer.readUInt32LE(20) : this.#buffer.readUInt32BE(20);
    this.#buffer = this.#buffer.subarray(24);
  }
}

/** All the packets of a whole pcap file. */
export function readPcap(bytes: Buffer): Packet[] {
  return new PcapReader().push(bytes);
}

/** One captured frame of link type `link`, if it is an IPv4 TCP, UDP or ICMP packet. */
function parseFrame(link: number, frame: Buffer, time: number): Packet | undefined {
  const at = frame.length >= 20 ? LINK_HEADER[link]?.(frame) : undefined;
  if (at === undefined) return undefined;
  return parseIPv4(frame.subarray(at), time);
}

function parseIPv4(ip: Buffer, time: number): Packet | undefined {
  if (ip.length < 20 || ip[0] >> 4 !== 4) return undefined;
  const headerLength = (ip[0] & 0x0f) * 4;
  const total = Math.min(ip.readUInt16BE(2), ip.length);
  if ((ip.readUInt16BE(6) & 0x1fff) !== 0) return undefined; // a later fragment: no ports in it
  const body = ip.subarray(headerLength, total);
  const base = { time, src: address(ip, 12), dst: address(ip, 16), seq: 0, ack: 0, flags: 0 };
  switch (ip[9]) {
    case 6: {
      if (body.length < 20) return undefined;
      const payload = body.subarray((body[12] >> 4) * 4);
      return {
        ...base,
        proto: "tcp",
        sport: body.readUInt16BE(0),
        dport: body.readUInt16BE(2),
        seq: body.readUInt32BE(4),
        ack: body.readUInt32BE(8),
        flags: body[13],
        payload,
      };
    }
    case 17:
      if (body.length < 8) return undefined;
      return {
        ...base,
        proto: "udp",
        sport: body.readUInt16BE(0),
        dport: body.readUInt16BE(2),
        payload: body.subarray(8),
      };
    case 1: {
      if (body.length < 8) return undefined;
      // an error message quotes the IP header and the first 8 bytes of the datagram it answers
      const quoted = body.subarray(8);
      const inner = quoted.length >= 20 ? quoted.subarray((quoted[0] & 0x0f) * 4) : Buffer.alloc(0);
      const ports = inner.length >= 4;
      return {
        ...base,
        proto: "icmp",
        sport: 0,
        dport: 0,
        payload: quoted,
        icmp: {
          type: body[0],
          code: body[1],
          sport: ports ? inner.readUInt16BE(0) : 0,
          dport: ports ? inner.readUInt16BE(2) : 0,
        },
      };
    }
    default:
      return undefined;
  }
}

const address = (ip: Buffer, at: number) => [...ip.subarray(at, at + 4)].join(".");
