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
 * @module
 */
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { readFileSync } from "node:fs";
import { isIPv6 } from "node:net";
import { Address } from "./address.ts";
import { failWith } from "./errors.ts";
import { hostPort, type IpPort } from "./host-port.ts";
import { whenInputEnds } from "./input.ts";
import { announceListening } from "./ready.ts";
import { closedNormally, closeOnExit } from "./signals.ts";
import { udpSilence } from "./silence.ts";
import { socketTable } from "./socket-table.ts";
import { callSite, note, trace, tracing } from "./stderr.ts";

interface Inbox {
  datagrams: [Buffer, RemoteInfo][];
  /** What the queued datagrams would cost in the kernel's receive buffer. */
  held: number;
  /** Datagrams dropped because the inbox was full, not yet told. */
  dropped: number;
  /** The kernel's own count of drops for this socket, when last told. */
  kernelDrops: number;
  wake?: () => void;
}

let receiveBuffer: number | undefined;
/**
 * The kernel's default receive buffer for a socket: 208 KiB on Linux. Read when first needed
 * (a datagram comes), not as the module loads: a runtime that may not read /proc (Deno)
 * takes Linux's default.
 */
function receiveBufferSize(): number {
  if (receiveBuffer === undefined) {
    try {
      receiveBuffer = Number(readFileSync("/proc/sys/net/core/rmem_default", "utf8")) || 212992;
    } catch {
      receiveBuffer = 212992;
    }
  }
  return receiveBuffer;
}

/**
 * About what Linux charges a datagram in that buffer, its bookkeeping included (measured
 * here: 256 datagrams of 6 bytes, or 92 of 1000 bytes, fill 208 KiB).
 */
const cost = (bytes: number) => (bytes <= 512 ? 832 : bytes + 1300);

const inboxes = new WeakMap<Socket, Inbox>();

/** A reply from a server on this machine whose person is not typing comes within this. */
const AT_ONCE_MS = 50;

/** Decodes one whole datagram at a time: bytes that are not UTF-8 become U+FFFD. */
const UTF8 = new TextDecoder("utf-8");

/**
 * A UDP socket for talking to or listening on `host` (IPv6 when the host is an IPv6
 * address). With `lose` above 0 (`--drop P`) that share of incoming datagrams is lost on
 * purpose, evenly spread (0.5: every second one), as a lossy network would lose them:
 * a lesson in what UDP leaves to the program. Ctrl-C closes it.
 *
 * @example
 * ```ts
 * import { close, udpSocket } from "./udp.ts";
 * const udpClient = udpSocket("127.0.0.1"); // udp_client = socket.socket(type=socket.SOCK_DGRAM)
 * const lossy = udpSocket("::1", 0.5); // every second datagram that comes is lost
 * close(udpClient);
 * close(lossy);
 * ```
 */
export function udpSocket(host: string, lose = 0): Socket {
  const sock = createSocket(isIPv6(host) ? "udp6" : "udp4");
  const inbox: Inbox = { datagrams: [], held: 0, dropped: 0, kernelDrops: 0 };
  inboxes.set(sock, inbox);
  let arrived = 0;
  sock.on("message", (msg, rinfo) => {
    if (tracing())
      trace(`datagram in: ${msg.length} bytes from ${hostPort(rinfo.address, rinfo.port)}`);
    arrived += 1;
    if (Math.floor(arrived * lose) > Math.floor((arrived - 1) * lose)) {
      const from = hostPort(rinfo.address, rinfo.port);
      note(`(lost on purpose, --drop ${lose}: a datagram of ${msg.length} bytes from ${from})`);
      return;
    }
    if (inbox.held + cost(msg.length) > receiveBufferSize()) {
      inbox.dropped += 1; // as the kernel drops what its full receive buffer cannot hold
      return;
    }
    inbox.held += cost(msg.length);
    inbox.datagrams.push([msg, rinfo]);
    inbox.wake?.();
  });
  closeOnExit(sock);
  return sock;
}

/** Sockets bound by a server: the end of stdin while one waits for a datagram ends it at once. */
const servers = new WeakSet<Socket>();

/**
 * Python's `bind(ip_port)`: bind `sock` to `ipPort` and print the ready line on stderr. A
 * port in use or a bad host ends the script, with one line and exit 1. From then on, the end
 * of stdin while `sock` waits in {@linkcode recvfrom} ends the script: nobody can answer.
 *
 * @example
 * ```ts
 * import { bind, close, udpSocket } from "./udp.ts";
 * const udpServer = udpSocket("127.0.0.1");
 * await bind(udpServer, { host: "127.0.0.1", port: 0 }); // stderr: listening on 127.0.0.1:40000 (udp)
 * close(udpServer);
 * ```
 */
export function bind(sock: Socket, ipPort: IpPort): Promise<void> {
  servers.add(sock);
  const at = callSite();
  return new Promise((resolve) => {
    sock.once("error", (err) => failWith(err, "bind", hostPort(ipPort.host, ipPort.port)));
    sock.bind(ipPort.port, ipPort.host, () => {
      const { address, port } = sock.address();
      trace(`bind ${hostPort(address, port)}`, at);
      whenInputEnds(() => stopServer(sock)); // before the ready line: Ctrl-D from then on is heard
      announceListening(address, port, "udp");
      resolve();
    });
  });
}

/**
 * The next datagram, cut to `bufsize` bytes and decoded, with its sender: Python's
 * `msg, addr`. With `hint`, when no reply comes, a note says what that means, as far as
 * it is known (silence.ts): within 50 ms when this machine's kernel knows nobody listens
 * on that port, after `after` seconds when only time is known, and never when the server is
 * there and a person may be typing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createSocket } from "node:dgram";
 * import { bind, close, recvfrom, udpSocket } from "./udp.ts";
 * const udpServer = udpSocket("127.0.0.1");
 * await bind(udpServer, { host: "127.0.0.1", port: 0 });
 * const peer = createSocket("udp4"); // a client, for this example
 * peer.send("你好", udpServer.address().port, "127.0.0.1");
 * const [fromClientMsg, clientAddr] = await recvfrom(udpServer, 1024); // msg, addr = recvfrom(1024)
 * assert.equal(fromClientMsg, "你好");
 * console.log(String(clientAddr)); // ('127.0.0.1', 54321)
 * peer.close();
 * close(udpServer);
 * ```
 */
export function recvfrom(
  sock: Socket,
  bufsize: number,
  hint?: { after: number; to: IpPort },
): Promise<[string, Address]> {
  const inbox = inboxes.get(sock) as Inbox;
  const at = callSite(); // the script's line, for --trace: the datagram may come later
  if (inbox.datagrams.length > 0) return Promise.resolve(take(sock, inbox, bufsize, at));
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (hint && !connectedTo.has(sock)) {
    // The kernel's table is read only when no reply came at once: read for every datagram,
    // it cost more than the rest of an exchange.
    timer = setTimeout(() => {
      const silence = udpSilence(hint.to, hint.after, socketTable("udp"));
      if (silence.when === "now") note(silence.text);
      if (silence.when === "later")
        timer = setTimeout(() => note(silence.text), hint.after * 1000 - AT_ONCE_MS);
    }, AT_ONCE_MS);
  }
  // The datagram is taken the moment it comes, so its message and the next prompt go out
  // at once. Datagrams that come behind it wait in the inbox for the next call, which
  // tells the drops of a flood. (Taking it a turn of the event loop later, with those read
  // in the same turn already behind it, cost every exchange an extra turn for that note.)
  // A server waiting here with no prompt open: Ctrl-D ends it now, not at a prompt that
  // only the next datagram would bring.
  if (servers.has(sock)) whenInputEnds(() => stopServer(sock));
  return new Promise((resolve) => {
    inbox.wake = () => {
      inbox.wake = undefined;
      clearTimeout(timer);
      if (servers.has(sock)) whenInputEnds(undefined);
      resolve(take(sock, inbox, bufsize, at));
    };
  });
}

/** stdin ended while the server waited for a datagram: nobody can answer one now. */
function stopServer(sock: Socket): void {
  note(
    "stdin ended while waiting for a datagram: nobody can type answers now, so the server closes its socket",
  );
  close(sock);
  process.exit(0);
}

/** The first datagram of `inbox`, cut to `bufsize` and decoded, with its sender. */
function take(sock: Socket, inbox: Inbox, bufsize: number, at?: string): [string, Address] {
  const [msg, rinfo] = inbox.datagrams.shift() as [Buffer, RemoteInfo];
  inbox.held -= cost(msg.length);
  // Datagrams waiting behind this one: a flood, and the kernel may have dropped some before
  // Node could read them (its table says how many), even when this inbox dropped none yet.
  if (inbox.dropped > 0 || inbox.datagrams.length > 0) reportDrops(sock, inbox);
  const from = new Address(rinfo.address, rinfo.port);
  if (msg.length > bufsize) {
    note(
      `datagram of ${msg.length} bytes from ${from.hostPort} cut to ${bufsize}: ` +
        `the last ${msg.length - bufsize} bytes are lost, as with recvfrom(${bufsize})`,
    );
  }
  if (tracing()) trace(`recvfrom ${Math.min(msg.length, bufsize)} bytes from ${from.hostPort}`, at);
  return [UTF8.decode(msg.length > bufsize ? msg.subarray(0, bufsize) : msg), from];
}

/** Say how many datagrams were dropped since the last note, here and in the kernel, if any. */
function reportDrops(sock: Socket, inbox: Inbox): void {
  const port = sock.address().port;
  const table = socketTable("udp");
  const kernel = table?.find((s) => s.localPort === port)?.drops ?? inbox.kernelDrops;
  const dropped = inbox.dropped + kernel - inbox.kernelDrops;
  inbox.kernelDrops = kernel;
  inbox.dropped = 0;
  if (dropped === 0) return;
  const unseen = table ? "" : "; the kernel may have dropped more, which this runtime cannot see";
  note(
    `(${dropped} datagrams were dropped: they came while ${Math.round(receiveBufferSize() / 1024)} ` +
      `KiB waited unread, more than the kernel's receive buffer holds${unseen})`,
  );
}

/** Where each connected socket is connected to, as `host:port`. */
const connectedTo = new WeakMap<Socket, string>();

/**
 * Connect `sock` to `to` (`--connect`; not in the article): it then sends there only, and
 * hears the kernel's ICMP port unreachable as "connection refused", which ends the
 * script with one line, as a refused TCP connection does. Python: `udp_client.connect(ip_port)`.
 *
 * @example
 * ```ts
 * import { createSocket } from "node:dgram";
 * import { once } from "node:events";
 * import { close, connectUdp, sendto, udpSocket } from "./udp.ts";
 * const peer = createSocket("udp4").bind(0, "127.0.0.1"); // a server, for this example
 * await once(peer, "listening");
 * const to = { host: "127.0.0.1", port: peer.address().port };
 * const udpClient = udpSocket("127.0.0.1");
 * await connectUdp(udpClient, to);
 * sendto(udpClient, "你好", to); // to the address it is connected to, the only one it can use
 * const [msg] = await once(peer, "message");
 * console.log(String(msg)); // 你好
 * close(udpClient);
 * peer.close();
 * ```
 */
export function connectUdp(sock: Socket, to: IpPort): Promise<void> {
  const where = hostPort(to.host, to.port);
  connectedTo.set(sock, where);
  sock.on("error", (err) => failWith(err, "send to", where)); // ICMP port unreachable, heard
  return new Promise((resolve) => sock.connect(to.port, to.host, resolve));
}

/**
 * Send `text` as one UTF-8 datagram to `to`, as Python's `sendto` does: at once, nothing to
 * wait for. An error in sending (a host that cannot be found, say) ends the script with one
 * line.
 *
 * @example
 * ```ts
 * import { createSocket } from "node:dgram";
 * import { once } from "node:events";
 * import { close, sendto, udpSocket } from "./udp.ts";
 * const peer = createSocket("udp4").bind(0, "127.0.0.1"); // a server, for this example
 * await once(peer, "listening");
 * const udpClient = udpSocket("127.0.0.1");
 * sendto(udpClient, "你好", { host: "127.0.0.1", port: peer.address().port }); // sendto(msg, ip_port)
 * const [msg] = await once(peer, "message");
 * console.log(String(msg)); // 你好
 * close(udpClient);
 * peer.close();
 * ```
 */
export function sendto(sock: Socket, text: string, to: IpPort): void {
  const at = callSite();
  const when = tracing() ? new Date() : undefined; // the call, not the callback: by then it has arrived
  const sent = (err: Error | null) => {
    if (err) failWith(err, "send to", hostPort(to.host, to.port));
    if (when) {
      const [where, local] = [hostPort(to.host, to.port), sock.address()];
      const bytes = Buffer.byteLength(text);
      trace(
        `sendto ${bytes} bytes to ${where} from ${hostPort(local.address, local.port)}`,
        at,
        when,
      );
    }
  };
  if (connectedTo.has(sock))
    sock.send(text, sent); // a connected socket has its address
  else sock.send(text, to.port, to.host, sent);
}

/**
 * Python's `close()`: close `sock`. UDP has no connection, so nothing goes on the wire.
 *
 * @example
 * ```ts
 * import { close, udpSocket } from "./udp.ts";
 * const udpClient = udpSocket("127.0.0.1");
 * close(udpClient); // udp_client.close(): the port is free, and the script may end
 * ```
 */
export function close(sock: Socket): void {
  trace("close the UDP socket");
  sock.close();
  closedNormally(sock);
}
