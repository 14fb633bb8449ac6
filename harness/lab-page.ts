/**
 * The lab (`make lab`) and its page, driven as a teacher would: start the lab, open the
 * page, type as 宝宝 or 高望, and read the panes and the ladder (each arrow's label, as a
 * screen reader reads it). Every wait has a deadline; a failed one shows the panes, the
 * ladder and the transcripts of the processes.
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
import type { Page } from "playwright-core";
import { DEADLINE_MS, type Proc, spawnScript, transcripts } from "./procs.ts";

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
