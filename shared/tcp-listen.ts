/**
 * Python's `server.bind(ip_port)`, `server.listen(backlog)` and `server.accept()` for
 * a Node `net.Server`.
 *
 * `listen` binds and listens in one Node call, then writes the ready line
 * `listening on 127.0.0.1:8001 (tcp)` on stderr with the real port (useful with
 * `--port 0`). A port in use, a privileged port or a bad host ends the script with one
 * line and exit 1.
 *
 * `accept` gives the next waiting client, in arrival order. Python's kernel keeps
 * clients in its accept queue until `accept()` is called; Node accepts every client at
 * once, so this helper keeps the queue itself, as long as Linux's: `backlog + 1` clients
 * (the kernel counts that way). A waiting client's bytes stay unread in the kernel (the
 * server is created with `pauseOnConnect`), so `ss` shows them as it does for Python.
 * Beyond the queue Linux would drop the client's SYN (it retries, and its connect()
 * gives up after about two minutes); Node has already completed the handshake and
 * cannot take it back, so the newcomer is reset at once, with a note that says so.
 * While it waits for a client, a line typed at the server answers nobody: it is dropped
 * with a note, never kept for the next; and the end of stdin (Ctrl-D) ends the server at
 * once, with a note, exit 0: nobody could type an answer for the next client.
 *
 * @module
 */
import type { AddressInfo, Server, Socket } from "node:net";
import { Address } from "./address.ts";
import { failWith } from "./errors.ts";
import { hostPort, type IpPort } from "./host-port.ts";
import { discardInput, keepInput, whenInputEnds } from "./input.ts";
import { announceListening } from "./ready.ts";
import { closedNormally, closeOnExit } from "./signals.ts";
import { callSite, note, trace } from "./stderr.ts";
import { peerName, watch } from "./tcp-recv.ts";
import { shutNow } from "./tcp-send.ts";

class AcceptQueue {
  readonly #backlog: number;
  /** How many finished connections Linux queues for `listen(backlog)`: one more. */
  readonly #room: number;
  readonly #waiting: Socket[] = [];
  #taker: ((conn: Socket) => void) | undefined;

  constructor(server: Server, backlog: number) {
    this.#backlog = backlog;
    this.#room = backlog + 1;
    server.on("connection", (conn) => this.#arrive(conn));
  }

  #arrive(conn: Socket): void {
    watch(conn);
    closeOnExit(conn, (signal) => shutNow(conn, undefined, `${signal}: `));
    const peer = peerName(conn);
    if (this.#taker) {
      this.#taker(conn);
      this.#taker = undefined;
    } else if (this.#waiting.length < this.#room) {
      this.#waiting.push(conn);
      trace(`queue ${peer}: waits for its turn, unread (${this.#waiting.length} of ${this.#room})`);
    } else {
      note(
        `turned away ${peer}: ${this.#room} clients already wait (listen(${this.#backlog}) queues ` +
          `${this.#room}). Linux would drop its SYN and let it retry; Node has already ` +
          "completed the handshake, so it is reset instead",
      );
      conn.resetAndDestroy();
    }
  }

  next(): Promise<Socket> {
    const first = this.#waiting.shift();
    if (first) return Promise.resolve(first);
    return new Promise((resolve) => {
      this.#taker = resolve;
    });
  }

  closeAll(): void {
    for (const conn of this.#waiting.splice(0)) conn.end();
  }
}

const queues = new WeakMap<Server, AcceptQueue>();
const backlogs = new WeakMap<Server, number>();

/**
 * Bind `server` to `ipPort` and listen with `backlog`; print the ready line on stderr. For a
 * server that takes its clients with {@linkcode accept} and its answers from stdin, as the
 * article's: from the ready line on, nobody can be answered until a client is accepted.
 * Create it with `pauseOnConnect`, so that a waiting client's bytes stay in the kernel.
 *
 * @example
 * ```ts
 * import { createServer } from "node:net";
 * import { closeServer, listen } from "./tcp-listen.ts";
 * const server = createServer({ pauseOnConnect: true, allowHalfOpen: true });
 * await listen(server, { host: "127.0.0.1", port: 0 }, 3); // stderr: listening on 127.0.0.1:43121 (tcp)
 * closeServer(server);
 * ```
 */
export function listen(server: Server, ipPort: IpPort, backlog: number): Promise<void> {
  return listenOn(server, ipPort, backlog, () => idleUntilAccept(server));
}

/**
 * Bind and listen, as {@linkcode listen}, for a server that handles `connection` events
 * itself and reads no answers from stdin (the room, the framing lesson's server).
 * `beforeReady` runs just before the ready line is printed.
 *
 * @example
 * ```ts
 * import { createServer } from "node:net";
 * import { closeServer, listenOn } from "./tcp-listen.ts";
 * const server = createServer((conn) => conn.end("welcome\n"));
 * await listenOn(server, { host: "127.0.0.1", port: 0 }, 511); // stderr: listening on 127.0.0.1:43121 (tcp)
 * closeServer(server);
 * ```
 */
export function listenOn(
  server: Server,
  ipPort: IpPort,
  backlog: number,
  beforeReady = () => {},
): Promise<void> {
  backlogs.set(server, backlog);
  const at = callSite();
  return new Promise((resolve) => {
    const fail = (err: Error) => failWith(err, "listen on", hostPort(ipPort.host, ipPort.port));
    server.once("error", fail);
    server.listen({ host: ipPort.host, port: ipPort.port, backlog }, () => {
      server.off("error", fail); // an error after this is not about listening
      const { address, port } = server.address() as AddressInfo;
      trace(`listen on ${hostPort(address, port)}, backlog ${backlog}`, at);
      beforeReady(); // e.g. stdin heard from the ready line on: a Ctrl-D then is not missed
      announceListening(address, port, "tcp");
      closeOnExit(server);
      resolve();
    });
  });
}

/**
 * The next client in arrival order, and its address, like Python's `conn, addr`. The
 * first call starts the queue, so make it as soon as `listen` resolves, as the article's
 * loop does (a server that handles `connection` events itself never calls it).
 *
 * @example
 * ```ts
 * import { type AddressInfo, connect, createServer } from "node:net";
 * import { accept, closeServer, listen } from "./tcp-listen.ts";
 * const server = createServer({ pauseOnConnect: true, allowHalfOpen: true });
 * await listen(server, { host: "127.0.0.1", port: 0 }, 3);
 * const client = connect((server.address() as AddressInfo).port, "127.0.0.1"); // a peer, for this example
 * const [conn, addr] = await accept(server); // conn, addr = server.accept()
 * console.log(String(addr)); // ('127.0.0.1', 54321)
 * client.destroy();
 * conn.destroy();
 * closeServer(server);
 * ```
 */
export async function accept(server: Server): Promise<[Socket, Address]> {
  let queue = queues.get(server);
  if (!queue) {
    queue = new AcceptQueue(server, backlogs.get(server) ?? 511);
    queues.set(server, queue);
  }
  idleUntilAccept(server);
  const conn = await queue.next();
  whenInputEnds(undefined);
  keepInput();
  const addr = new Address(conn.remoteAddress ?? "?", conn.remotePort ?? 0);
  trace(`accept ${addr.hostPort}`);
  return [conn, addr];
}

/**
 * Until a client is accepted, nobody can be answered: a typed line is dropped with a note,
 * and the end of stdin ends the server at once, saying so.
 */
function idleUntilAccept(server: Server): void {
  discardInput("no client is connected"); // nothing typed now may answer the next client
  whenInputEnds(() => {
    note(
      "stdin ended while no client was connected: nobody can type answers now, so the server stops listening",
    );
    closeServer(server);
    process.exit(0);
  });
}

/**
 * Stop listening and close the clients still waiting in the queue.
 *
 * @example
 * ```ts
 * import { createServer } from "node:net";
 * import { closeServer, listen } from "./tcp-listen.ts";
 * const server = createServer({ pauseOnConnect: true });
 * await listen(server, { host: "127.0.0.1", port: 0 }, 3);
 * closeServer(server); // the port is free again, and the script may end
 * ```
 */
export function closeServer(server: Server): void {
  trace("close the listening socket");
  queues.get(server)?.closeAll();
  server.close();
  closedNormally(server);
}
