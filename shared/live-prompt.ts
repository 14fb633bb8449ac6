/**
 * A prompt for a full-duplex chat: lines from the network appear while the user types,
 * and on a terminal the prompt and the half-typed line are drawn again below them. Each
 * line the user finishes goes to `onLine`; the end of stdin (Ctrl-D) to `onEnd`.
 *
 * Off a terminal (a pipe, a test) there is no prompt to redraw: network lines are
 * simply printed, and stdin lines are read as they come.
 *
 * @example
 * ```ts
 * import { LivePrompt } from "./live-prompt.ts";
 * const prompt = new LivePrompt("> ", (line) => send(line), () => leave());
 * prompt.show("<alice> hi"); // printed above the prompt, which is redrawn with what was typed
 * ```
 * @module
 */
import { clearLine, createInterface, cursorTo, type Interface } from "node:readline";

export class LivePrompt {
  readonly #rl: Interface;
  readonly #tty: boolean;

  constructor(prompt: string, onLine: (line: string) => void, onEnd: () => void) {
    this.#tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
    this.#rl = createInterface({
      input: process.stdin,
      output: this.#tty ? process.stdout : undefined,
      terminal: this.#tty,
      prompt,
    });
    this.#rl.on("line", onLine);
    this.#rl.on("close", onEnd);
    if (this.#tty) this.#rl.prompt();
  }

  /** Print `line` from the network, keeping the prompt and the typing below it. */
  show(line: string): void {
    if (!this.#tty) {
      process.stdout.write(`${line}\n`);
      return;
    }
    clearLine(process.stdout, 0);
    cursorTo(process.stdout, 0);
    process.stdout.write(`${line}\n`);
    this.#rl.prompt(true);
  }

  /** Stop reading stdin; on a terminal, end the prompt's line. */
  close(): void {
    this.#rl.removeAllListeners("close");
    this.#rl.close();
    if (this.#tty) process.stdout.write("\n");
  }
}
