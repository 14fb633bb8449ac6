/**
 * Raw peers for the tests that need a misbehaving other side: a TCP client or server
 * or a UDP socket that sends exactly the bytes a test asks for (half a character,
 * invalid UTF-8, an escape sequence) and records what it gets. All on 127.0.0.1,
 * all closed at the next `reapAll()`.
 *
 * @example
 * ```ts
 * const peer = await rawTcpClient(port);
 * peer.sock.write(Buffer.from([0xe4, 0xbd])); // the first two bytes of 你
 * await peer.got.waitFor("高望>>>"); // never: the server prints nothing yet
 * ```
 * @module
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { once } from "node:events";
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import { atReap, remember, transcripts } from "../harness/procs.ts";
import { Recorder } from "../harness/recorder.ts";

/** A raw TCP connection and what it has received; `got.closed` is set at the peer's FIN. */
export interface RawConn {
  sock: Socket;
  got: Recorder;
}

function record(sock: Socket, name: string): RawConn {
  const got = new Recorder(`${name} received`, transcripts);
  sock.on("data", (b: Buffer) => got.push(b));
  sock.on("end", () => got.close(`${name} got FIN`));
  sock.on("error", (err) => got.close(`${name} error ${(err as NodeJS.ErrnoException).code}`));
  sock.on("close", () => got.close(`${name} closed`));
  remember({ transcript: () => `--- ${name}\n[received]\n${got.text}` });
  atReap(() => sock.destroy());
  return { sock, got };
}

/**
 * Connect a raw TCP client to 127.0.0.1:`port`, from `from` (any 127.x.y.z: loopback takes
 * every one of them, so a test can be several machines to a server that counts addresses).
 */
export async function rawTcpClient(
  port: number,
  name = "raw client",
  from = "127.0.0.1",
): Promise<RawConn> {
  const sock = tcpConnect({ host: "127.0.0.1", port, localAddress: from });
  await once(sock, "connect");
  return record(sock, name);
}

/** A raw TCP server on 127.0.0.1, any free port; `accepted()` gives its next connection. */
export async function rawTcpServer(name = "raw server") {
  const server: Server = createServer();
  const conns: RawConn[] = [];
  const arrivals = new Recorder(`${name} accepts`, transcripts);
  server.on("connection", (sock) => {
    conns.push(record(sock, name));
    arrivals.push(Buffer.from("+"));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  atReap(() => server.close());
  const port = (server.address() as { port: number }).port;
  return {
    port,
    /** The `n`th connection (from 1), once it has arrived. */
    async accepted(n = 1): Promise<RawConn> {
      await arrivals.waitFor("+", n);
      return conns[n - 1] as RawConn;
    },
  };
}

/** A raw UDP socket on 127.0.0.1 that records each datagram's bytes and sender. */
export async function rawUdp(name = "raw udp") {
  const sock: UdpSocket = createSocket("udp4");
  const got = new Recorder(`${name} received`, transcripts);
  const datagrams: { msg: Buffer; port: number }[] = [];
  sock.on("message", (msg, rinfo) => {
    datagrams.push({ msg, port: rinfo.port });
    got.push(Buffer.concat([msg, Buffer.from("\u0000")]));
  });
  sock.bind(0, "127.0.0.1");
  await once(sock, "listening");
  remember({ transcript: () => `--- ${name}\n[received, NUL after each datagram]\n${got.text}` });
  atReap(() => sock.close());
  return {
    sock,
    got,
    datagrams,
    port: sock.address().port,
    /** Send `data` as one datagram to 127.0.0.1:`port`. */
    send(data: string | Buffer, port: number): Promise<void> {
      return new Promise((resolve, reject) =>
        sock.send(data, port, "127.0.0.1", (err) => (err ? reject(err) : resolve())),
      );
    },
  };
}
