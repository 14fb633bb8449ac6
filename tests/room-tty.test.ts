// The chat room on a real terminal: each program runs on a pseudo-terminal (script -qfec),
// everything it writes there is fed to a terminal emulator (@xterm/headless), and the
// screen is read back, scrollback included, as a person would read it.
import xterm from "@xterm/headless";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type Proc, reapAll, scriptCommand, spawnProgram } from "../harness/procs.ts";
import { haveTool } from "../harness/tools.ts";
import { joinAs, room } from "./room-members.ts";

test.after.each(reapAll);

/** A script on a pseudo-terminal `cols` columns wide, and the screen it draws. */
class Screen {
  readonly proc: Proc;
  readonly #term: InstanceType<typeof xterm.Terminal>;
  #fed = 0;

  constructor(script: string, args: string[], cols: number, name: string) {
    const command = scriptCommand(script, args).join(" ");
    this.proc = spawnProgram(name, [
      "script",
      "-qfec",
      `stty cols ${cols} rows 24; exec ${command}`,
      "/dev/null",
    ]);
    this.#term = new xterm.Terminal({ cols, rows: 24, scrollback: 5000, allowProposedApi: true });
  }

  /** Type `keys` at the terminal (no Enter unless they end in \r). */
  type(keys: string): void {
    this.proc.child.stdin?.write(keys);
  }

  /** The screen's lines, scrollback included, each wrapped line joined into one. */
  async lines(): Promise<string[]> {
    const bytes = this.proc.out.bytes;
    const fresh = new Uint8Array(bytes.subarray(this.#fed)); // a copy: xterm reads it later
    this.#fed = bytes.length;
    await new Promise<void>((resolve) => this.#term.write(fresh, resolve));
    const buffer = this.#term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buffer.length; i++) {
      const row = buffer.getLine(i);
      const text = row?.translateToString(true) ?? "";
      if (row?.isWrapped && lines.length > 0) lines[lines.length - 1] += text;
      else lines.push(text);
    }
    while (lines.at(-1) === "") lines.pop();
    return lines;
  }

  /** Read the screen each time the program writes, until `ok(lines)` holds; the lines. */
  async until(ok: (lines: string[]) => boolean, what: string): Promise<string[]> {
    let lines = await this.lines();
    while (!ok(lines)) {
      const now = lines.join("\n");
      await this.proc.out.until(
        () => this.proc.out.bytes.length > this.#fed,
        `${what}; the screen:\n${now}`,
      );
      lines = await this.lines();
    }
    return lines;
  }
}

const count = (lines: string[], text: string) => lines.filter((l) => l.includes(text)).length;

if (haveTool("script")) {
  for (const cols of [40, 120]) {
    test(`at ${cols} columns, room-client keeps every line once, in order, above a wrapped Chinese line being typed`, async () => {
      const { port } = await room(["--rate", "1000", "--burst", "1000"]);
      const screen = new Screen(
        "tcp/room-client.ts",
        ["--port", String(port), "--nick", "tty"],
        cols,
        "client",
      );
      await screen.proc.waitFor("stdout", "* welcome, tty.");
      const typed = "我正在输入一个很长的中文句子还没有按回车键呢"; // 22 characters, 44 columns
      screen.type(typed);
      await screen.proc.waitFor("stdout", typed.slice(-3));
      const other = await joinAs(port, "other");
      const burst = Array.from({ length: 30 }, (_, i) => `line ${i} 第${i}行`);
      other.sock.write(`${burst.join("\n")}\n`);
      const lines = await screen.until(
        (ls) => ls.some((l) => l.includes("<other> line 29 第29行")) && ls.at(-1) === `> ${typed}`,
        "the burst's last line, then the prompt",
      );
      for (const line of burst)
        assert.is(count(lines, `<other> ${line}`), 1, `${line} once:\n${lines.join("\n")}`);
      const shown = burst.map((line) => lines.findIndex((l) => l.includes(`<other> ${line}`)));
      assert.equal(
        shown,
        [...shown].sort((a, b) => a - b),
        "in order",
      );
      assert.is(count(lines, typed), 1, `the half-typed line once:\n${lines.join("\n")}`);
      assert.is(lines.at(-1), `> ${typed}`, "and it is last, after the prompt");
      screen.type("\r");
      await other.got.waitFor(`<tty> ${typed}\n`);
      const after = await screen.until((ls) => ls.at(-1) === "> ", "the prompt again");
      assert.is(after.at(-1), "> ", "the prompt is back after one's own line");
    });
  }

  test("room-client sends text inserted mid-line in one write (an input method's commit) as shown", async () => {
    const { port } = await room();
    const screen = new Screen(
      "tcp/room-client.ts",
      ["--port", String(port), "--nick", "ime"],
      60,
      "client",
    );
    await screen.proc.waitFor("stdout", "* welcome, ime.");
    const other = await joinAs(port, "other");
    screen.type("一二三四五");
    await screen.until((ls) => ls.at(-1) === "> 一二三四五", "the typed line");
    screen.type("\x1b[D\x1b[D");
    screen.type("插入"); // one write, as the input method commits it
    await screen.until((ls) => ls.at(-1) === "> 一二三插入四五", "the word at the cursor");
    screen.type("\r");
    await other.got.waitFor("<ime> 一二三插入四五\n");
  });
}

test.run();
