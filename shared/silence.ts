/**
 * What it means that no reply has come, said only as far as it is known. A person at the
 * other end may simply be typing, so a hint must never guess "the server is not running"
 * from the time alone. Where the server's address is this machine, the kernel's own
 * table of sockets (socket-table.ts) knows more:
 *
 * - UDP, nobody bound to the port: the kernel answered our datagram with ICMP port
 *   unreachable, which an unconnected socket (the article's) never hears. Said at once.
 * - UDP, a socket is bound there: the server has it; its operator has not answered. No hint.
 * - TCP, our bytes wait unread in the server's socket: the server is busy with another
 *   client, and we are in its queue. TCP, read: its operator has not answered yet.
 *
 * Elsewhere (another machine, or no /proc), only time is known: after `after` seconds a
 * hint says what may be happening, without choosing.
 *
 * @module
 */
import { networkInterfaces } from "node:os";
import type { KernelSocket } from "./socket-table.ts";

/**
 * A hint to give: `now`, after `after` seconds, or `never`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Hint, udpSilence } from "./silence.ts";
 * const hint: Hint = udpSilence({ host: "192.0.2.1", port: 8002 }, 30); // another machine
 * assert.equal(hint.when, "later"); // only time is known: hint.text after 30 s of silence
 * ```
 */
export interface Hint {
  /** When to give it: at once, after the caller's `after` seconds, or not at all. */
  when: "now" | "later" | "never";
  /** What to say, on stderr; empty when `never`. */
  text: string;
}

/**
 * Whether `host` is an address of this machine (so its kernel's table is the server's).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isThisMachine } from "./silence.ts";
 * assert.equal(isThisMachine("127.0.0.1"), true);
 * assert.equal(isThisMachine("192.0.2.1"), false); // TEST-NET-1: an address for examples
 * ```
 */
export function isThisMachine(host: string): boolean {
  if (host === "localhost" || host.startsWith("127.") || host === "::1") return true;
  return Object.values(networkInterfaces()).some((addrs) => addrs?.some((a) => a.address === host));
}

/**
 * The hint for a UDP client whose datagram to `to` has had no reply, from this machine's
 * `table` of UDP sockets when it has one (socket-table.ts).
 *
 * @example
 * ```ts
 * import { createSocket } from "node:dgram";
 * import { once } from "node:events";
 * import { udpSilence } from "./silence.ts";
 * import { socketTable } from "./socket-table.ts";
 * const peer = createSocket("udp4").bind(0, "127.0.0.1"); // a free port, for this example
 * await once(peer, "listening");
 * const to = { host: "127.0.0.1", port: peer.address().port };
 * peer.close(); // nobody listens there now
 * console.log(udpSilence(to, 30, socketTable("udp"))); // { when: "now", text: "nobody listens on UDP port …" }
 * ```
 */
export function udpSilence(
  to: { host: string; port: number },
  after: number,
  table?: KernelSocket[],
): Hint {
  if (table && isThisMachine(to.host)) {
    if (table.some((s) => s.localPort === to.port)) return { when: "never", text: "" };
    return {
      when: "now",
      text:
        `nobody listens on UDP port ${to.port} on this machine: that datagram is lost. Its ` +
        "kernel answered with ICMP port unreachable, which an unconnected socket like this one " +
        "never hears (--connect would). UDP never sends it again, so a server started now " +
        "cannot answer it, and this client waits for ever, as the article's does: press " +
        "Ctrl-C, start the server, then the client, and send the line again",
    };
  }
  return {
    when: "later",
    text:
      `no reply after ${after} s. UDP cannot tell why: the server may not be running, a ` +
      "datagram may be lost, or its operator has not answered yet. Still waiting",
  };
}

/**
 * The hint for a TCP client whose first message has had no answer: our connection, seen
 * from the server's side of this machine's table (`local` is our port, `server` its).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tcpSilence } from "./silence.ts";
 * const ends = { local: 54321, server: 8001, host: "192.0.2.1" }; // another machine: no table
 * assert.match(tcpSilence(ends, 10).text, /^no answer after 10 s\. The server talks to one client/);
 * ```
 */
export function tcpSilence(
  ends: { local: number; server: number; host: string },
  after: number,
  table?: KernelSocket[],
): Hint {
  const theirs = table?.find((s) => s.localPort === ends.server && s.remotePort === ends.local);
  if (theirs && isThisMachine(ends.host)) {
    return theirs.recvQ > 0
      ? {
          when: "now",
          text:
            `your message waits unread in the server's kernel (${theirs.recvQ} bytes): the ` +
            "server talks to one client at a time and is busy with another; you are in its queue",
        }
      : {
          when: "now",
          text: "the server has read your message; its operator has not answered yet",
        };
  }
  return {
    when: "now",
    text:
      `no answer after ${after} s. The server talks to one client at a time: you may be ` +
      "waiting in its queue (the kernel finished your handshake before anyone called accept), " +
      "or its operator is still typing",
  };
}
