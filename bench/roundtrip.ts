/**
 * Mirror round trip: one exchange is a line typed into the client's stdin, shown on the
 * server's stdout, answered on the server's stdin and shown on the client's stdout: the
 * whole path a learner's message takes, through two processes and the kernel. The floor
 * is the same exchange done by two bare sockets in one process, with no stdin, stdout,
 * or second process.
 *
 * @example
 * ```ts
 * const us = await mirrorRoundTrip("tcp", 1000); // microseconds per exchange
 * ```
 * @module
 */
import { createSocket } from "node:dgram";
import { once } from "node:events";
import { connect, createServer, type Socket } from "node:net";
import { reapAll, spawnScript, startServer } from "../harness/procs.ts";

/** Microseconds per exchange through the real pair of `kind`. */
export async function mirrorRoundTrip(kind: "tcp" | "udp", exchanges: number): Promise<number> {
  try {
    const { proc: server, port } = await startServer(`${kind}/server.ts`, [], "server");
    const client = spawnScript(`${kind}/client.ts`, ["--port", String(port)], "client");
    const [clientPrompt, serverPrompt] =
      kind === "tcp" ? ["宝宝说:", "高望>>>"] : ["客户端说:", "服务端说;"];
    await client.waitFor("stdout", clientPrompt);
    const started = performance.now();
    for (let i = 1; i <= exchanges; i++) {
      client.write(`m${i}`);
      await server.waitFor("stdout", serverPrompt, i);
      server.write(`r${i}`);
      await client.waitFor("stdout", clientPrompt, i + 1);
    }
    return ((performance.now() - started) * 1000) / exchanges;
  } finally {
    await reapAll();
  }
}

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
