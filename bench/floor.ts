/**
 * The floor under a mirror exchange (bench/exchange.ts): the same request and answer
 * between two bare sockets in one process, with no stdin, no stdout and no second
 * process: what the loopback and Node's sockets cost by themselves.
 *
 * @example
 * ```ts
 * const us = await tcpFloor(1000); // microseconds per exchange
 * ```
 * @module
 */
import { createSocket } from "node:dgram";
import { once } from "node:events";
import { connect, createServer, type Socket } from "node:net";

/** Microseconds per exchange between two bare TCP sockets in this process. */
export async function tcpFloor(exchanges: number): Promise<number> {
  const server = createServer((conn) =>
    conn.on("data", (b) => conn.write(`r${b.toString().slice(1)}`)),
  );
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const client: Socket = connect({
    host: "127.0.0.1",
    port: (server.address() as { port: number }).port,
  });
  await once(client, "connect");
  const started = performance.now();
  for (let i = 1; i <= exchanges; i++) {
    const reply = once(client, "data");
    client.write(`m${i}`);
    await reply;
  }
  const us = ((performance.now() - started) * 1000) / exchanges;
  client.destroy();
  server.close();
  return us;
}

/** Microseconds per exchange between two bare UDP sockets in this process. */
export async function udpFloor(exchanges: number): Promise<number> {
  const server = createSocket("udp4");
  server.on("message", (msg, rinfo) =>
    server.send(`r${msg.toString().slice(1)}`, rinfo.port, rinfo.address),
  );
  server.bind(0, "127.0.0.1");
  await once(server, "listening");
  const client = createSocket("udp4");
  const port = server.address().port;
  const started = performance.now();
  for (let i = 1; i <= exchanges; i++) {
    const reply = once(client, "message");
    client.send(`m${i}`, port, "127.0.0.1");
    await reply;
  }
  const us = ((performance.now() - started) * 1000) / exchanges;
  client.close();
  server.close();
  return us;
}
