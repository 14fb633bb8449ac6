/**
 * Python's UDP calls for a Node `dgram` socket: `socket(type=SOCK_DGRAM)`,
 * `bind(ip_port)`, `recvfrom(1024)` and `sendto(msg, addr)`.
 *
 * Node hands over each datagram as an event; the article pulls one with `recvfrom`.
 * So every socket made by `udpSocket` queues its datagrams, and `recvfrom` takes them
 * one at a time, in arrival order: the ones that come while the user types wait for
 * the next turn of the loop. A datagram over `bufsize` bytes is cut, as the kernel cuts
 * it for `recvfrom(1024)`, and a note on stderr says how much was lost. Text is decoded
 * as UTF-8, with U+FFFD for bytes that are not.
 *
 * @example
 * ```ts
 * import { bind, recvfrom, sendto, udpSocket } from "./udp.ts";
 * const udpServer = udpSocket("127.0.0.1");
 * await bind(udpServer, { host: "127.0.0.1", port: 0 }); // stderr: listening on 127.0.0.1:40000 (udp)
 * const [fromClientMsg, clientAddr] = await recvfrom(udpServer, 1024);
 * await sendto(udpServer, "hi udp", clientAddr);
 * ```
 * @module
 */
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { isIPv6 } from "node:net";
import { Address } from "./address.ts";
import { failWith } from "./errors.ts";
import { hostPort } from "./host-port.ts";
import { announceListening } from "./ready.ts";
import { closedNormally, closeOnExit } from "./signals.ts";
import { callSite, note, trace, tracing } from "./stderr.ts";
import type { IpPort } from "./tcp-listen.ts";

interface Inbox {
  datagrams: [Buffer, RemoteInfo][];
  wake?: () => void;
}

const inboxes = new WeakMap<Socket, Inbox>();

/** Decodes one whole datagram at a time: bytes that are not UTF-8 become U+FFFD. */
const UTF8 = new TextDecoder("utf-8");

/** A UDP socket for talking to or listening on `host` (IPv6 when the host is an IPv6 address). */
export function udpSocket(host: string): Socket {
  const sock = createSocket(isIPv6(host) ? "udp6" : "udp4");
  const inbox: Inbox = { datagrams: [] };
  inboxes.set(sock, inbox);
  sock.on("message", (msg, rinfo) => {
    if (tracing())
      trace(`datagram in: ${msg.length} bytes from ${hostPort(rinfo.address, rinfo.port)}`);
    inbox.datagrams.push([msg, rinfo]);
    inbox.wake?.();
  });
  closeOnExit(sock);
  return sock;
}

/** Bind `sock` to `ipPort` and print the ready line on stderr. */
export function bind(sock: Socket, ipPort: IpPort): Promise<void> {
  const at = callSite();
  return new Promise((resolve) => {
    sock.once("error", (err) => failWith(err, "bind", hostPort(ipPort.host, ipPort.port)));
    sock.bind(ipPort.port, ipPort.host, () => {
      const { address, port } = sock.address();
      trace(`bind ${hostPort(address, port)}`, at);
      announceListening(address, port, "udp");
      resolve();
    });
  });
}

/** The next datagram, cut to `bufsize` bytes and decoded, with its sender: Python's `msg, addr`. */
export async function recvfrom(
  sock: Socket,
  bufsize: number,
  hint?: { after: number; from: IpPort },
): Promise<[string, Address]> {
  const inbox = inboxes.get(sock) as Inbox;
  const timer =
    hint &&
    setTimeout(() => {
      const where = hostPort(hint.from.host, hint.from.port);
      note(
        `no reply from ${where} after ${hint.after} s: UDP has no connection, so nothing ` +
          "tells us whether a server is there. Is the UDP server running? (still waiting)",
      );
    }, hint.after * 1000);
  while (inbox.datagrams.length === 0) {
    await new Promise<void>((resolve) => {
      inbox.wake = resolve;
    });
  }
  clearTimeout(timer);
  const [msg, rinfo] = inbox.datagrams.shift() as [Buffer, RemoteInfo];
  const from = new Address(rinfo.address, rinfo.port);
  if (msg.length > bufsize) {
    note(
      `datagram of ${msg.length} bytes from ${from.hostPort} cut to ${bufsize}: ` +
        `the last ${msg.length - bufsize} bytes are lost, as with recvfrom(${bufsize})`,
    );
  }
  if (tracing()) trace(`recvfrom ${Math.min(msg.length, bufsize)} bytes from ${from.hostPort}`);
  return [UTF8.decode(msg.subarray(0, bufsize)), from];
}

/** Send `text` as one UTF-8 datagram to `to`. */
export function sendto(sock: Socket, text: string, to: IpPort): Promise<void> {
  const bytes = Buffer.from(text, "utf8");
  const where = hostPort(to.host, to.port);
  const at = callSite();
  return new Promise((resolve) => {
    sock.send(bytes, to.port, to.host, (err) => {
      if (err) failWith(err, "send to", where);
      if (tracing()) {
        const local = sock.address();
        trace(
          `sendto ${bytes.length} bytes to ${where} from ${hostPort(local.address, local.port)}`,
          at,
        );
      }
      resolve();
    });
  });
}

/** Close `sock`: UDP has no connection, so nothing goes on the wire. */
export function close(sock: Socket): void {
  trace("close the UDP socket");
  sock.close();
  closedNormally(sock);
}
