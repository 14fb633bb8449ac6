/**
 * A real terminal for a test: the command runs on a pseudo-terminal (script(1), from
 * util-linux) of a chosen size, and what it writes is fed to a headless terminal emulator
 * of the same size (@xterm/headless), so a test reads back the screen as a person would
 * see it: wrapped lines, Chinese two columns wide, cursor movements and erasures applied.
 * Keystrokes go in as the terminal would send them: "\r" for Enter, "\x03" for Ctrl-C,
 * "\x04" for Ctrl-D.
 *
 * @example
 * ```ts
 * const screen = Screen.start("client", scriptCommand("tcp/client.ts", ["--port", "8001"]), { cols: 40 });
 * await screen.waitFor("宝宝说:");
 * screen.type("你好\r");
 * screen.lines(); // ["宝宝说:你好", ""]
 * ```
 * @module
 */
import headless from "@xterm/headless";
import { type Proc, spawnProgram } from "./procs.ts";

const { Terminal } = headless;

/** A word for sh, quoted so that it stays one word. */
const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

export class Screen {
  readonly proc: Proc;
  readonly #term: InstanceType<typeof Terminal>;
  /** Output written to the emulator so far, for waiting on the screen after each chunk. */
  #pending = Promise.resolve();

  private constructor(proc: Proc, cols: number, rows: number) {
    this.proc = proc;
    this.#term = new Terminal({ cols, rows, scrollback: 1000, allowProposedApi: true });
    proc.child.stdout?.on("data", (chunk: Buffer) => {
      this.#pending = this.#pending.then(
        () =>
          new Promise<void>((resolve) =>
            this.#term.write(chunk, () => {
              resolve();
              proc.out.wake(); // the screen changed: a wait re-checks it
            }),
          ),
      );
    });
  }

  /** Run `command` (a shell command line, or words to quote) on a terminal of `cols` × `rows`. */
  static start(
    name: string,
    command: string | string[],
    { cols = 80, rows = 24 }: { cols?: number; rows?: number } = {},
  ): Screen {
    const line = typeof command === "string" ? command : command.map(quote).join(" ");
    const inner = `stty cols ${cols} rows ${rows}; exec ${line}`;
    const proc = spawnProgram(name, ["script", "-qfec", inner, "/dev/null"]);
    return new Screen(proc, cols, rows);
  }

  /** Send keystrokes, as typed. */
  type(keys: string): void {
    this.proc.child.stdin?.write(keys);
  }

  /** Every line of the screen and its scrollback, without trailing blanks. */
  lines(): string[] {
    const buffer = this.#term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buffer.length; i++)
      lines.push(buffer.getLine(i)?.translateToString(true) ?? "");
    while (lines.at(-1) === "") lines.pop();
    return lines;
  }

  /** The screen as one text, lines joined; a line the terminal wrapped is joined back. */
  text(): string {
    const buffer = this.#term.buffer.active;
    let text = "";
    for (let i = 0; i < buffer.length; i++) {
      const line = buffer.getLine(i);
      if (i > 0 && !line?.isWrapped) text += "\n";
      text += line?.translateToString(true) ?? "";
    }
    return text.trimEnd();
  }

  /** Wait until the screen shows `want` (or `want(screen)` holds), with the kit's deadline. */
  async waitFor(want: string | ((screen: Screen) => boolean), what = String(want)): Promise<void> {
    const shown = () => (typeof want === "string" ? this.text().includes(want) : want(this));
    try {
      await this.proc.out.until(shown, `the screen of ${this.proc.name} to show ${what}`, true);
    } catch (err) {
      throw new Error(
        `${(err as Error).message}\n--- the screen of ${this.proc.name}:\n${this.text()}\n---`,
      );
    }
  }

  /** Let the emulator take in everything written so far. */
  settled(): Promise<void> {
    return this.#pending;
  }
}
