/**
 * Python's `client.connect(ip_port)` for a Node `net.Socket`: the three-way handshake.
 * Resolves once connected; a refused connection or a bad host ends the script with
 * one line and exit 1, naming the address. The socket's data waits, unread, until
 * `recv` (or the caller's own `data` handler) starts reading it.
 *
 * @module
 */
import type { Socket } from "node:net";
import { failWith } from "./errors.ts";
import { hostPort, type IpPort } from "./host-port.ts";
import { closeOnExit } from "./signals.ts";
import { callSite, trace } from "./stderr.ts";
import { shutNow } from "./tcp-send.ts";

/**
 * Connect `client` to `ipPort`: resolves once the handshake is done; a refused connection
 * or a bad host ends the script, with one line on stderr and exit 1.
 *
 * @example
 * ```ts
 * import { once } from "node:events";
 * import { type AddressInfo, createServer, Socket } from "node:net";
 * import { connect } from "./tcp-connect.ts";
 * const server = createServer((conn) => conn.end()).listen(0, "127.0.0.1"); // a peer, for this example
 * await once(server, "listening");
 * const client = new Socket(); // client = socket.socket()
 * await connect(client, { host: "127.0.0.1", port: (server.address() as AddressInfo).port });
 * client.destroy();
 * server.close();
 * ```
 */
export function connect(client: Socket, ipPort: IpPort): Promise<void> {
  const where = hostPort(ipPort.host, ipPort.port);
  const at = callSite();
  return new Promise((resolve) => {
    const fail = (err: Error) => failWith(err, "connect to", where);
    client.once("error", fail);
    client.connect({ host: ipPort.host, port: ipPort.port }, () => {
      client.off("error", fail);
      closeOnExit(client, (signal) => shutNow(client, undefined, `${signal}: `));
      trace(`connected ${hostPort(client.localAddress ?? "?", client.localPort)} -> ${where}`, at);
      resolve();
    });
  });
}
