/**
 * What one stream has carried so far (a process's stdout, a raw socket's bytes), and a
 * way to wait for something to appear in it with a deadline instead of a sleep.
 *
 * @example
 * ```ts
 * const out = new Recorder("server stdout", transcripts);
 * child.stdout.on("data", (b) => out.push(b));
 * await out.waitFor("高望>>>");
 * ```
 * @module
 */

/** How long a wait may take before the test fails: generous, since a wait ends as soon as it can. */
export const DEADLINE_MS = Number(process.env.CHAT_DEADLINE_MS ?? 10_000);

export class Recorder {
  readonly name: string;
  readonly #context: () => string;
  #chunks: Buffer[] = [];
  #text = "";
  readonly #decoder = new TextDecoder("utf-8");
  #wakers = new Set<() => void>();
  /** Why no more can come (the process exited, the socket closed), if so. */
  closed: string | undefined;

  /** `context` gives the transcripts to show when a wait fails. */
  constructor(name: string, context: () => string) {
    this.name = name;
    this.#context = context;
  }

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#text += this.#decoder.decode(chunk, { stream: true });
    this.wake();
  }

  /** Mark the stream as finished: a wait for more text now fails at once. */
  close(why: string): void {
    this.closed ??= why;
    this.wake();
  }

  wake(): void {
    for (const wake of this.#wakers) wake();
  }

  get bytes(): Buffer {
    return Buffer.concat(this.#chunks);
  }

  /** The text so far, decoded as it came (a character still incomplete is not in it yet). */
  get text(): string {
    return this.#text;
  }

  /** Wait until the text holds `want` `count` times; returns the text. */
  async waitFor(want: string | RegExp, count = 1): Promise<string> {
    const what = `${this.name} to show ${JSON.stringify(String(want))}${count > 1 ? ` ×${count}` : ""}`;
    await this.until(() => occurrences(this.text, want) >= count, what);
    return this.text;
  }

  /** Wait until the stream has ended (the process exited, the socket closed). */
  waitClosed(): Promise<void> {
    return this.until(() => this.closed !== undefined, `${this.name} to end`, true);
  }

  /** Wait until `done()` holds, re-checking whenever the stream changes. */
  async until(
    done: () => boolean,
    what: string,
    closedIsFine = false,
    deadlineMs = DEADLINE_MS,
  ): Promise<void> {
    const started = Date.now();
    while (!done()) {
      if (this.closed && !closedIsFine) {
        throw new Error(`waiting for ${what}, but ${this.closed}${this.#context()}`);
      }
      const left = deadlineMs - (Date.now() - started);
      if (left <= 0) throw new Error(`no ${what} after ${deadlineMs} ms${this.#context()}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#wakers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.#wakers.add(wake);
      });
    }
  }
}

/** How many times `want` occurs in `text`. */
export function occurrences(text: string, want: string | RegExp): number {
  if (typeof want === "string") return text.split(want).length - 1;
  return [...text.matchAll(new RegExp(want.source, `${want.flags.replace("g", "")}g`))].length;
}

/** Those of `wanted` that occur in `text`, in the order of their first occurrence there. */
export function inOrder(text: string, wanted: string[]): string[] {
  return wanted
    .map((w) => [w, text.indexOf(w)] as const)
    .filter(([, at]) => at >= 0)
    .sort((a, b) => a[1] - b[1])
    .map(([w]) => w);
}
