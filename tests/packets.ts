/**
 * Packets as the pcap reader hands them over, written by hand for the tests of the
 * annotator and the ladder: one conversation between a client on port 5000 and the server
 * on port 8001.
 *
 * @example
 * ```ts
 * import { tcp } from "./packets.ts";
 * import { SYN } from "../lab/pcap.ts";
 * tcp("client", SYN, 1000, 0); // the client's SYN, initial sequence number 1000
 * ```
 * @module
 */
import type { Packet } from "../lab/pcap.ts";

/** A TCP segment from `from`, a microsecond later for each sequence number (so in order). */
export function tcp(
  from: "client" | "server",
  flags: number,
  seq: number,
  ack: number,
  data = "",
): Packet {
  const [sport, dport] = from === "client" ? [5000, 8001] : [8001, 5000];
  const base = { time: 1 + seq / 1e6, proto: "tcp", src: "127.0.0.1", dst: "127.0.0.1" } as const;
  return { ...base, sport, dport, seq, ack, flags, payload: Buffer.from(data) };
}
