/**
 * The terminal, when a person is typing at one (stdin and stdout both terminals): a line
 * editor (Node's readline in terminal mode) that keeps what is being typed on screen while
 * other text arrives. Whatever a script prints or notes goes *above* the line being typed,
 * and the prompt with the typing is drawn again below it, however many rows they take
 * (Chinese characters are two columns wide). Every keystroke reaches this process and
 * none is left in the terminal when it exits, so nothing typed for the chat can ever
 * reach the shell.
 *
 * Off a terminal there is none of this: `Terminal.here()` is `undefined`, and the
 * scripts read and write plain bytes.
 *
 * @module
 */
import {
  clearScreenDown,
  createInterface,
  cursorTo,
  type Interface,
  moveCursor,
} from "node:readline";
import { isatty } from "node:tty";
import { lineEditor } from "./line-editor.ts";

/**
 * The terminal a person types at, with its line editor: one for the process, from
 * {@linkcode Terminal.here}, and none in a pipe.
 *
 * @example
 * ```ts
 * import { Terminal } from "./terminal.ts";
 * const term = Terminal.here(); // undefined in a pipe: then there is nothing to draw
 * term?.listen((line) => console.log(`typed: ${line}`), () => console.log("Ctrl-D"));
 * term?.openPrompt("宝宝说:");
 * term?.show("peer 127.0.0.1:8001 will send no more\n", process.stderr); // above the prompt
 * ```
 */
export class Terminal {
  static #one: Terminal | undefined;

  /**
   * The terminal, the first call starting its line editor; `undefined` off a terminal.
   * (Asked of the file descriptors, not of `process.stdin`, which would open a stream on a
   * pipe that stdin.ts reads through a socket of its own.)
   */
  static here(): Terminal | undefined {
    if (Terminal.#one === undefined && isatty(0) && isatty(1)) {
      Terminal.#one = new Terminal();
    }
    return Terminal.#one;
  }

  /** The terminal if its line editor has started, without starting it. */
  static started(): Terminal | undefined {
    return Terminal.#one;
  }

  readonly #rl: Interface;
  #prompt = "";
  #closed = false;

  private constructor() {
    // an input method's word, or a paste, goes where the cursor is
    this.#rl = lineEditor(process.stdin, (input) =>
      createInterface({
        input,
        output: process.stdout,
        terminal: true,
        prompt: "",
        historySize: 0,
      }),
    );
    // Ctrl-C in the line editor is a key, not a signal: make it the signal it was.
    this.#rl.on("SIGINT", () => process.kill(process.pid, "SIGINT"));
    this.#rl.on("close", () => {
      this.#closed = true;
    });
  }

  /** Call `onLine` with each line entered, and `onEnd` at Ctrl-D on an empty line. */
  listen(onLine: (line: string) => void, onEnd: () => void): void {
    this.#rl.on("line", onLine);
    this.#rl.on("close", onEnd);
  }

  /** Write `text` above the prompt and typing, then draw them again below it. */
  show(text: string, stream: NodeJS.WriteStream = process.stdout): void {
    const drawn = !this.#closed && this.#prompt + this.#rl.line !== "";
    if (drawn) {
      moveCursor(process.stdout, 0, -this.#rl.getCursorPos().rows);
      cursorTo(process.stdout, 0);
      clearScreenDown(process.stdout);
      // readline remembers how many rows up its line began, to erase it when it redraws;
      // we have erased it already, and the text goes where it was: it now begins here
      (this.#rl as unknown as { prevRows: number }).prevRows = 0;
    }
    stream.write(text);
    if (drawn) this.#rl.prompt(true);
  }

  /** Show `prompt` before what is typed, until {@linkcode closePrompt}. */
  openPrompt(prompt: string): void {
    this.#prompt = prompt;
    this.#rl.setPrompt(prompt);
    this.#rl.prompt(true);
  }

  /** The prompt has been answered or abandoned: typing ahead shows with no prompt. */
  closePrompt(): void {
    this.#prompt = "";
    if (!this.#closed) this.#rl.setPrompt("");
  }

  /**
   * The prompt will get no answer (the peer has gone): wipe what was typed, leave the
   * prompt on screen as it was asked, and go on below it. Returns what had been typed.
   */
  abandonPrompt(): string {
    const typed = this.takeTyping();
    if (!this.#closed && this.#prompt !== "") {
      process.stdout.write("\n");
      (this.#rl as unknown as { prevRows: number }).prevRows = 0; // its line is done with
    }
    this.closePrompt();
    return typed;
  }

  /**
   * The program is ending (Ctrl-C, SIGTERM): leave the cursor on a fresh line below the prompt
   * and typing, so that whatever speaks next (the shell, make's own message) starts there.
   */
  endLine(): void {
    if (this.#closed || this.#prompt + this.#rl.line === "") return;
    this.#rl.write(null, { ctrl: true, name: "e" }); // to the end of what is typed
    process.stdout.write("\n");
  }

  /** Whether a prompt is on screen now. */
  get promptOpen(): boolean {
    return this.#prompt !== "";
  }

  /** What has been typed and not entered; it is wiped from the line. */
  takeTyping(): string {
    const typed = this.#closed ? "" : this.#rl.line;
    if (typed !== "") {
      this.#rl.write(null, { ctrl: true, name: "e" }); // to the end of the line
      this.#rl.write(null, { ctrl: true, name: "u" }); // and delete back to its start
    }
    return typed;
  }
}
