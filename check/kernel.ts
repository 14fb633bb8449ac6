/**
 * What the kernel knows of the sockets in this network namespace, from /proc/net (Linux):
 * where a program listens (127.0.0.1 or every address), and how many received bytes a
 * connection holds unread, which tells the checker that a program has read what was sent.
 * Elsewhere there is no /proc/net: every answer is "unknown" (undefined, or no rows).
 *
 * @example
 * ```ts
 * import { boundOn, unread } from "./kernel.ts";
 * boundOn("tcp", 8001); // [{ address: "127.0.0.1", port: 8001 }] once the server listens
 * unread(8001, 45678); // 0 once the server has read what 127.0.0.1:45678 sent
 * ```
 * @module
 */
import { readFileSync } from "node:fs";

interface Row {
  localAddress: string;
  localPort: number;
  remotePort: number;
  /** Linux's number for the state: 0x0A is LISTEN, 0x07 CLOSE (an unconnected UDP socket). */
  state: number;
  recvQ: number;
}

const LISTEN = 0x0a;
const CLOSE = 0x07;

/** An address as /proc/net writes it (hex, in the host's byte order), in the usual notation. */
export function procAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join(".");
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff)
    return `::ffff:${bytes.slice(12).join(".")}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2)
    groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  // the longest run of zero groups (two or more) becomes "::", as RFC 5952 writes it
  let [start, length] = [-1, 1];
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (groups[j] === "0") j++;
    if (j - i > length) [start, length] = [i, j - i];
  }
  if (start === -1) return groups.join(":");
  return `${groups.slice(0, start).join(":")}::${groups.slice(start + length).join(":")}`;
}

function rows(kind: "tcp" | "udp"): Row[] {
  const found: Row[] = [];
  for (const file of [`/proc/net/${kind}`, `/proc/net/${kind}6`]) {
    let table: string;
    try {
      table = readFileSync(file, "latin1");
    } catch {
      continue; // not Linux, or no IPv6
    }
    for (const line of table.trim().split("\n").slice(1)) {
      const [, local = "", remote = "", state = "", queues = ""] = line.trim().split(/\s+/);
      const [localHex = "", localPort = "0"] = local.split(":");
      found.push({
        localAddress: procAddress(localHex),
        localPort: parseInt(localPort, 16),
        remotePort: parseInt(remote.split(":")[1] ?? "0", 16),
        state: parseInt(state, 16),
        recvQ: parseInt(queues.split(":")[1] ?? "0", 16),
      });
    }
  }
  return found;
}

/** The addresses a TCP socket listens on, or an unconnected UDP socket is bound to, at `port`. */
export function boundOn(kind: "tcp" | "udp", port: number): { address: string; port: number }[] {
  const waiting = kind === "tcp" ? LISTEN : CLOSE;
  return rows(kind)
    .filter((r) => r.localPort === port && r.state === waiting && r.remotePort === 0)
    .map((r) => ({ address: r.localAddress, port }));
}

/** Whether any TCP or UDP socket at all uses local `port` (a listener, a connection, a TIME-WAIT). */
export function portInUse(kind: "tcp" | "udp", port: number): boolean {
  return rows(kind).some((r) => r.localPort === port);
}

/** The bytes received and not yet read by the TCP socket from `localPort` to `remotePort`. */
export function unread(localPort: number, remotePort: number): number | undefined {
  return rows("tcp").find((r) => r.localPort === localPort && r.remotePort === remotePort)?.recvQ;
}
