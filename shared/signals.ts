/**
 * Ctrl-C (SIGINT) and SIGTERM end a script cleanly: on a terminal the prompt's line is
 * ended first, every socket registered here is closed, then the process exits 130 or 143
 * (128 + the signal's number), with no stack trace. Python shows a `KeyboardInterrupt`
 * traceback instead.
 *
 * @example
 * ```ts
 * import { closeOnExit } from "./signals.ts";
 * closeOnExit(socket); // Ctrl-C now closes it before exiting 130
 * ```
 * @module
 */
import { trace } from "./stderr.ts";
import { Terminal } from "./terminal.ts";

/** Anything with a way to close: a TCP socket (`destroy`), a server or a UDP socket (`close`). */
export interface Closable {
  destroy?: () => void;
  close?: () => void;
}

/** The sockets to close at a signal, each with its own way to close, if it has one. */
const open = new Map<Closable, ((signal: string) => void) | undefined>();

/**
 * Close `socket` when the user interrupts the script: with `close(signal)` if given (a TCP
 * connection traces the FIN it sends), else its own `destroy` or `close`.
 */
export function closeOnExit(socket: Closable, close?: (signal: string) => void): void {
  open.set(socket, close);
}

const hooks: ((signal: string) => void)[] = [];

/** Run `hook` first when a signal ends the script: a chat room says goodbye to everyone. */
export function onExitSignal(hook: (signal: string) => void): void {
  hooks.push(hook);
}

/** Forget `socket`: it was closed the ordinary way. */
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
