/**
 * The checker's side of the wire: a TCP client, a TCP server or a UDP socket on 127.0.0.1
 * that sends exactly the bytes a scenario asks for (half a character, invalid UTF-8, a
 * FIN, a reset) and keeps what the program sends back. Every segment's bytes, connection,
 * FIN and reset goes into the scenario's {@linkcode Wire} log, which the report shows as
 * "the bytes on the wire". A program that floods the wire is cut off at `cap` bytes.
 *
 * @example
 * ```ts
 * import { tcpConnect, Wire } from "./peers.ts";
 * const wire = new Wire(1 << 18, () => {}, () => {});
 * const client = await tcpConnect(8001, "client", wire);
 * await client.send("你好");
 * client.bytes(); // what the server has answered so far
 * ```
 * @module
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { once } from "node:events";
import { connect, createServer, type Server, type Socket } from "node:net";

/** One thing that crossed the wire, or happened to a connection. */
export interface WireEvent {
  /** Milliseconds since the scenario began. */
  at: number;
  /** The checker's side: client, client 2, server, A, B, stranger. */
  peer: string;
  /** "out": from the checker to the program; "in": from the program to the checker. */
  dir: "in" | "out";
  /** The bytes, in hex (the first 256 of them): a TCP read or write, or one whole UDP datagram. */
  hex?: string;
  /** How many bytes there were. */
  size?: number;
  what?: "connect" | "accept" | "FIN" | "RST" | "refused";
  /** For UDP: the program's port, where the datagram came from or went to. */
  port?: number;
}

/** The scenario's log of the wire, with a bound on what a program may send. */
export class Wire {
  readonly events: WireEvent[] = [];
  readonly started = Date.now();
  readonly cap: number;
  flooded = false;
  #in = 0;
  readonly #changed: () => void;
  readonly #flood: () => void;

  constructor(cap: number, changed: () => void, flood: () => void) {
    this.cap = cap;
    this.#changed = changed;
    this.#flood = flood;
  }

  log(event: Omit<WireEvent, "at">, bytes?: Buffer): void {
    const entry: WireEvent = { at: Date.now() - this.started, ...event };
    if (bytes) {
      entry.hex = bytes.subarray(0, 256).toString("hex");
      entry.size = bytes.length;
    }
    if (event.dir === "in" && bytes) {
      this.#in += bytes.length;
      if (this.#in > this.cap && !this.flooded) {
        this.flooded = true;
        this.#flood();
      }
    }
    if (this.events.length < 400) this.events.push(entry);
    this.#changed();
  }

  /** Something changed that the log does not show (a socket closed): waits re-check. */
  changed(): void {
    this.#changed();
  }
}

/** One TCP connection of the checker's, and all it has received. */
export class TcpPeer {
  readonly name: string;
  readonly sock: Socket;
  readonly #wire: Wire;
  readonly #got: Buffer[] = [];
  /** The program's FIN has arrived: it will send no more. */
  fin = false;
  /** The connection was reset (by the program's kernel). */
  reset = false;
  closed = false;

  constructor(name: string, sock: Socket, wire: Wire) {
    this.name = name;
    this.sock = sock;
    this.#wire = wire;
    sock.on("data", (b: Buffer) => {
      if (wire.flooded) return;
      this.#got.push(b);
      wire.log({ peer: name, dir: "in" }, b);
    });
    sock.on("end", () => {
      this.fin = true;
      wire.log({ peer: name, dir: "in", what: "FIN" });
    });
    sock.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ECONNRESET" || err.code === "EPIPE") {
        this.reset = true;
        wire.log({ peer: name, dir: "in", what: "RST" });
      }
    });
    sock.on("close", () => {
      this.closed = true;
      wire.changed();
    });
  }

  /** Everything received so far. */
  bytes(): Buffer {
    return Buffer.concat(this.#got);
  }

  /** Send `data`; resolves once the kernel has it (on loopback: once it is in the program's queue). */
  send(data: string | Buffer): Promise<void> {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    this.#wire.log({ peer: this.name, dir: "out" }, bytes);
    return new Promise((resolve) => {
      if (this.sock.destroyed) return resolve();
      this.sock.write(bytes, () => resolve());
    });
  }

  /** shutdown(SHUT_WR): a FIN, and go on reading (as `nc -N` does at the end of its input). */
  halfClose(): void {
    this.#wire.log({ peer: this.name, dir: "out", what: "FIN" });
    this.sock.end();
  }

  /** close(), as a process that exits: a FIN, and the kernel resets whatever comes after. */
  exit(): void {
    this.#wire.log({ peer: this.name, dir: "out", what: "FIN" });
    this.sock.destroy();
  }

  /** An RST, at once (SO_LINGER 0, or a program killed with bytes unread); `log: false` when tidying up. */
  resetNow(log = true): void {
    if (this.sock.destroyed) return;
    if (log) this.#wire.log({ peer: this.name, dir: "out", what: "RST" });
    this.sock.resetAndDestroy();
  }
}

/** Connect to 127.0.0.1:`port`; rejects with the error's code (ECONNREFUSED, …). */
export async function tcpConnect(port: number, name: string, wire: Wire): Promise<TcpPeer> {
  const sock = connect({ host: "127.0.0.1", port, allowHalfOpen: true });
  sock.setNoDelay(true);
  try {
    await once(sock, "connect");
  } catch (err) {
    wire.log({ peer: name, dir: "out", what: "refused" });
    throw err;
  }
  wire.log({ peer: name, dir: "out", what: "connect" });
  return new TcpPeer(name, sock, wire);
}

/** The checker as a TCP server on 127.0.0.1:`port`, and the connections it has accepted. */
export class TcpListener {
  readonly server: Server;
  readonly accepted: TcpPeer[] = [];

  constructor(server: Server, wire: Wire) {
    this.server = server;
    server.on("connection", (sock: Socket) => {
      sock.setNoDelay(true);
      const name = this.accepted.length === 0 ? "server" : `server ${this.accepted.length + 1}`;
      wire.log({ peer: name, dir: "in", what: "accept" });
      this.accepted.push(new TcpPeer(name, sock, wire));
    });
  }

  close(): void {
    this.server.close();
    for (const peer of this.accepted) peer.resetNow(false);
  }
}

export async function tcpListen(port: number, wire: Wire): Promise<TcpListener> {
  const server = createServer({ allowHalfOpen: true });
  const listener = new TcpListener(server, wire);
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  return listener;
}

/** A datagram the checker received: its bytes and the port it came from. */
export interface Datagram {
  bytes: Buffer;
  from: number;
}

/** A UDP socket of the checker's on 127.0.0.1 (`port` 0: any free port). */
export class UdpPeer {
  readonly name: string;
  readonly sock: UdpSocket;
  readonly datagrams: Datagram[] = [];
  readonly #wire: Wire;

  constructor(name: string, sock: UdpSocket, wire: Wire) {
    this.name = name;
    this.sock = sock;
    this.#wire = wire;
    sock.on("message", (bytes: Buffer, from) => {
      if (wire.flooded) return;
      this.datagrams.push({ bytes, from: from.port });
      wire.log({ peer: name, dir: "in", port: from.port }, bytes);
    });
    sock.on("error", () => {}); // ICMP port unreachable on a connected socket: nothing to do
  }

  get port(): number {
    return this.sock.address().port;
  }

  /** Send one datagram to 127.0.0.1:`port`. */
  send(data: string | Buffer, port: number): Promise<void> {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    this.#wire.log({ peer: this.name, dir: "out", port }, bytes);
    return new Promise((resolve) => this.sock.send(bytes, port, "127.0.0.1", () => resolve()));
  }

  close(): void {
    try {
      this.sock.close();
    } catch {
      // closed already
    }
  }
}

export async function udpBind(port: number, name: string, wire: Wire): Promise<UdpPeer> {
  const sock = createSocket("udp4");
  sock.bind(port, "127.0.0.1");
  await once(sock, "listening");
  return new UdpPeer(name, sock, wire);
}
