/**
 * Ctrl-C (SIGINT) and SIGTERM end a script cleanly: on a terminal the prompt's line is
 * ended first, every socket registered here is closed, then the process exits 130 or 143
 * (128 + the signal's number), with no stack trace. Python shows a `KeyboardInterrupt`
 * traceback instead.
 *
 * @module
 */
import { trace } from "./stderr.ts";
import { Terminal } from "./terminal.ts";

/**
 * Anything with a way to close: a TCP socket (`destroy`), a server or a UDP socket (`close`).
 *
 * @example
 * ```ts
 * import { createSocket } from "node:dgram";
 * import { createServer, Socket } from "node:net";
 * import type { Closable } from "./signals.ts";
 * const closables: Closable[] = [new Socket(), createServer(), createSocket("udp4")];
 * for (const c of closables) c.destroy ? c.destroy() : c.close?.();
 * ```
 */
export interface Closable {
  /** Close at once: close(2), as a TCP socket's `destroy()` does. @default none */
  destroy?: () => void;
  /** Close, for a listening server or a UDP socket. @default none */
  close?: () => void;
}

/** The sockets to close at a signal, each with its own way to close, if it has one. */
const open = new Map<Closable, ((signal: string) => void) | undefined>();

/**
 * Close `socket` when the user interrupts the script: with `close(signal)` if given (a TCP
 * connection traces the FIN it sends), else its own `destroy` or `close`.
 *
 * @example
 * ```ts
 * import { once } from "node:events";
 * import { createServer } from "node:net";
 * import { closedNormally, closeOnExit } from "./signals.ts";
 * const server = createServer().listen(0, "127.0.0.1");
 * closeOnExit(server); // Ctrl-C from now on closes it, then exits 130
 * await once(server, "listening");
 * server.close();
 * closedNormally(server);
 * ```
 */
export function closeOnExit(socket: Closable, close?: (signal: string) => void): void {
  open.set(socket, close);
}

const hooks: ((signal: string) => void)[] = [];

/**
 * Run `hook` first when a signal ends the script: a chat room says goodbye to everyone.
 *
 * @example
 * ```ts
 * import { onExitSignal } from "./signals.ts";
 * onExitSignal((signal) => console.error(`${signal}: goodbye, everyone`)); // before the sockets close
 * ```
 */
export function onExitSignal(hook: (signal: string) => void): void {
  hooks.push(hook);
}

/**
 * Forget `socket`: it was closed the ordinary way, and a signal has nothing to close.
 *
 * @example
 * ```ts
 * import { createSocket } from "node:dgram";
 * import { closedNormally, closeOnExit } from "./signals.ts";
 * const sock = createSocket("udp4");
 * closeOnExit(sock);
 * sock.close(); // the conversation is over
 * closedNormally(sock);
 * ```
 */
export function closedNormally(socket: Closable): void {
  open.delete(socket);
}

function exitOn(signal: "SIGINT" | "SIGTERM", code: number): void {
  process.on(signal, () => {
    Terminal.started()?.endLine(); // the prompt's line ends here, not in make's message
    trace(`${signal}: closing ${open.size} socket(s), exit ${code}`);
    for (const hook of hooks) hook(signal);
    for (const [socket, close] of open) {
      if (close) close(signal);
      else if (socket.destroy) socket.destroy();
      else socket.close?.();
    }
    process.exit(code);
  });
}

exitOn("SIGINT", 130);
exitOn("SIGTERM", 143);
