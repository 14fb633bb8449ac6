/**
 * The lab (`make lab`) and its page, driven as a teacher would: start the lab, open the
 * page, type as 宝宝 or 高望, and read the panes and the ladder (each arrow's label, as a
 * screen reader reads it). Every wait has a deadline; a failed one shows the panes, the
 * ladder and the transcripts of the processes. Without a browser: a {@linkcode Watcher}
 * reads `/events` as a page would, {@linkcode labCommand} sends what a page sends,
 * {@linkcode rawRequest} sends any bytes at all, and {@linkcode childrenOf} reads the
 * lab's children from /proc.
 *
 * @example
 * ```ts
 * const { url } = await startLab();
 * const lab = new LabPage(await openBrowser(url));
 * await lab.type("client", "你好");
 * await lab.waitScreen("server", "来自宝宝的消息: 你好");
 * await lab.waitArrow(/^PSH-ACK .*len 6/);
 * ```
 * @module
 */
import { once } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import { get } from "node:http";
import { Socket } from "node:net";
import type { Page } from "playwright-core";
import type { Command, LabEvent } from "../lab/events.ts";
import { DEADLINE_MS, type Proc, remember, spawnScript, transcripts } from "./procs.ts";
import { Recorder } from "./recorder.ts";

export type Party = "client" | "client2" | "server";

/** Start the lab on a free port (`--port 0`); its address from the `lab on` line. */
export async function startLab(args: string[] = []): Promise<{ lab: Proc; url: string }> {
  const lab = spawnScript("lab/main.ts", ["--port", "0", ...args], "lab");
  const ready = /lab on (http:\/\/\S+)\n/;
  const url = ready.exec(await lab.waitFor("stdout", ready))?.[1] as string;
  return { lab, url };
}

export class LabPage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  /** Type `text` in `party`'s input line and press Enter. */
  async type(party: Party, text: string): Promise<void> {
    const input = this.page.locator(`#pane-${party} input.line`);
    await input.fill(text);
    await input.press("Enter");
  }

  /** Press one of the page's buttons, by its id (`restart`, `another`, `pause`, …). */
  async press(id: string): Promise<void> {
    await this.page.locator(`#${id}`).click();
  }

  /** Press `party`'s Ctrl-C or Ctrl-D button. */
  async key(party: Party, key: "ctrl-c" | "ctrl-d"): Promise<void> {
    await this.page.locator(`#pane-${party} button.${key}`).click();
  }

  /** What `party`'s pane shows. */
  screen(party: Party): Promise<string> {
    return this.text(`#pane-${party} .screen`);
  }

  /** The label of every arrow of the ladder, top to bottom. */
  arrows(): Promise<string[]> {
    return this.page.$$eval("#ladder g.arrow", (gs) =>
      gs.map((g) => g.getAttribute("aria-label") ?? ""),
    );
  }

  /** The text of the element at `selector`. */
  async text(selector: string): Promise<string> {
    return (await this.page.locator(selector).textContent()) ?? "";
  }

  /** Where the page says the arrows come from: `wire` or `trace`. */
  source(): Promise<string | null> {
    return this.page.locator("#source").getAttribute("data-source");
  }

  /** Wait until `party`'s pane shows `text`. */
  waitScreen(party: Party, text: string): Promise<void> {
    return this.#until(
      `${party}'s pane to show ${JSON.stringify(text)}`,
      ([p, t]) => document.querySelector(`#pane-${p} .screen`)?.textContent?.includes(t) ?? false,
      [party, text],
    );
  }

  /** Wait until `count` arrows have a label matching `pattern`. */
  waitArrow(pattern: RegExp, count = 1): Promise<void> {
    return this.#until(
      `${count} arrow(s) matching ${pattern}`,
      ([source, flags, n]) =>
        [...document.querySelectorAll("#ladder g.arrow")].filter((g) =>
          new RegExp(source, flags).test(g.getAttribute("aria-label") ?? ""),
        ).length >= Number(n),
      [pattern.source, pattern.flags, String(count)],
    );
  }

  async #until(what: string, check: (args: string[]) => boolean, args: string[]): Promise<void> {
    try {
      await this.page.waitForFunction(check, args, { timeout: DEADLINE_MS });
    } catch (err) {
      const panes = await Promise.all(
        (["client", "client2", "server"] as const).map(
          async (p) => `[${p} pane]\n${await this.screen(p).catch(() => "?")}`,
        ),
      );
      const ladder = (await this.arrows().catch(() => [])).join("\n");
      throw new Error(
        `no ${what} after ${DEADLINE_MS} ms (${(err as Error).message.split("\n")[0]})\n[ladder]\n${ladder}\n${panes.join("\n")}${transcripts()}`,
      );
    }
  }
}

/** A page's view of the lab, without the page: the events of `/events`, as they come. */
export class Watcher {
  events: LabEvent[] = [];
  readonly log: Recorder;
  readonly closed: Promise<unknown>;
  /** The HTTP status of `/events`, once it has answered. */
  status: number | undefined;
  /** The size of the replay it was sent first, in bytes of JSON. */
  replayBytes = 0;
  #request: ReturnType<typeof get>;

  constructor(url: string, name = "page") {
    this.log = new Recorder(`${name} events`, () => "");
    remember({ transcript: () => `--- ${name} events\n${this.log.text}` });
    this.#request = get(`${url}/events`);
    this.closed = once(this.#request, "close").catch(() => {}); // an error, then the close
    this.#request.on("error", () => {});
    this.#request.on("response", (res) => {
      this.status = res.statusCode;
      this.log.wake();
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (text: string) => {
        buffer += text;
        const blocks = buffer.split("\n\n");
        buffer = blocks.pop() ?? "";
        for (const data of blocks.flatMap((b) =>
          b.split("\n").filter((l) => l.startsWith("data: ")),
        )) {
          const event = JSON.parse(data.slice(6)) as LabEvent;
          if (event.kind === "replay" && this.replayBytes === 0) {
            this.replayBytes = Buffer.byteLength(data) - 6;
          }
          if (event.kind === "replay") this.events = [...event.events];
          else this.events.push(event);
          this.log.push(Buffer.from(`${data.slice(6)}\n`));
        }
      });
      res.on("close", () => this.log.close("the lab closed /events"));
    });
  }

  /** The events of one kind. */
  of<K extends LabEvent["kind"]>(kind: K): Extract<LabEvent, { kind: K }>[] {
    return this.events.filter((e): e is Extract<LabEvent, { kind: K }> => e.kind === kind);
  }

  /** What `party` has printed on `stream` so far. */
  printed(party: string, stream = "stdout"): string {
    return this.of("output")
      .filter((e) => e.party === party && e.stream === stream)
      .map((e) => e.text)
      .join("");
  }

  /** Wait until `done()` holds. */
  until(done: (w: this) => boolean, what: string): Promise<void> {
    return this.log.until(() => done(this), what, true);
  }

  waitPrinted(party: string, text: string): Promise<void> {
    return this.until(
      (w) => w.printed(party).includes(text),
      `${party} to print ${JSON.stringify(text)}`,
    );
  }

  /** The pid of `party` while it runs. */
  pid(party: string): number {
    return this.of("party")
      .filter((e) => e.party === party && e.running)
      .at(-1)?.pid as number;
  }

  close(): void {
    this.#request.destroy();
  }
}

/** Send the lab a command, as its page does. */
export function labCommand(url: string, c: Command): Promise<Response> {
  return fetch(`${url}/command`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(c),
  });
}

/**
 * Send `request` to the lab as raw bytes, as written (nothing normalised on the way), then
 * end the connection the way `end` says: `half` (a FIN after the request: what `nc -q0`
 * does), `reset` (an RST at once) or `open` (wait for the answer). The status line's code
 * and the body of what came back (0 and "" if nothing did).
 */
export async function rawRequest(
  url: string,
  request: string | Buffer,
  end: "half" | "reset" | "open" = "half",
): Promise<[number, string]> {
  const { hostname, port } = new URL(url);
  const socket = new Socket().connect(Number(port), hostname);
  socket.on("error", () => {});
  await once(socket, "connect");
  const chunks: Buffer[] = [];
  socket.on("data", (b: Buffer) => chunks.push(b));
  const closed = once(socket, "close");
  if (end === "reset") {
    socket.write(request, () => socket.resetAndDestroy());
  } else if (end === "half") {
    socket.end(request);
  } else {
    socket.write(request);
  }
  await closed;
  const text = Buffer.concat(chunks).toString("utf8");
  return [
    Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0),
    text.split("\r\n\r\n").slice(1).join("\r\n\r\n"),
  ];
}

/** One process, as /proc shows it. */
export interface ProcInfo {
  pid: number;
  /** Its real user id. */
  uid: number;
  /** Its effective and bounding capabilities, as hex masks. */
  capEff: string;
  capBnd: string;
  /** When it started (ticks since boot): with its pid, it names the process for good. */
  start: string;
  command: string;
}

/** Process `pid`, unless it is gone (or a zombie: dead, waiting to be reaped). */
export function procInfo(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z" || fields[0] === "X") return undefined;
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name: string) => new RegExp(`^${name}:\\s+(\\S+)`, "m").exec(status)?.[1] ?? "";
    return {
      pid,
      uid: Number(field("Uid")),
      capEff: field("CapEff"),
      capBnd: field("CapBnd"),
      start: fields[19] ?? "",
      command: readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim(),
    };
  } catch {
    return undefined; // gone
  }
}

/** The live children of process `pid` now (Linux: /proc/PID/task/TID/children). */
export function childrenOf(pid: number): ProcInfo[] {
  const pids = new Set<number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const list = readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8");
      for (const child of list.split(" ").filter(Boolean)) pids.add(Number(child));
    }
  } catch {
    // the process is gone
  }
  return [...pids].flatMap((child) => procInfo(child) ?? []);
}

/** Wait until every process of `procs` has ended (a deadline, never a sleep); those left. */
export async function waitGone(procs: ProcInfo[], deadlineMs = DEADLINE_MS): Promise<ProcInfo[]> {
  const started = Date.now();
  const alive = () => procs.filter((p) => procInfo(p.pid)?.start === p.start);
  while (alive().length > 0 && Date.now() - started < deadlineMs) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return alive();
}
