/**
 * Headless Chromium for the tests of the lab's page and for its screenshot in docs/: the
 * browser of the Debian package (`apt-get install chromium`), driven by playwright-core.
 * No browser is downloaded. One Chromium serves the whole process (starting it takes about a
 * second); each page gets a context of its own, as fresh as a new profile (no cookies, no
 * storage), and no network: only the page under test, on 127.0.0.1 (and one name that the
 * browser alone resolves to it, {@linkcode REBOUND_NAME}).
 *
 * @example
 * ```ts
 * import { closeBrowsers, openBrowser } from "./browser.ts";
 * const page = await openBrowser("http://127.0.0.1:8080/");
 * await page.screenshot({ path: "lab.png" });
 * await closeBrowsers(); // the pages; closeChromium() at the end ends the browser itself
 * ```
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { DEADLINE_MS } from "./procs.ts";
import { installHint, toolPath } from "./tools.ts";

/**
 * A name for the DNS-rebinding test: in this browser only, `rebind.test` is 127.0.0.1, as an
 * attacker's name is once they have pointed it there.
 */
export const REBOUND_NAME = "rebind.test";

/** Chromium quiet: no sandbox (root in a container), no GPU, and nothing that calls home. */
const FLAGS = [
  `--host-resolver-rules=MAP ${REBOUND_NAME} 127.0.0.1`,
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const open = new Set<BrowserContext>();
let chromiumRunning: Promise<Browser> | undefined;
/** Where the browser puts what a page downloads, while it runs. */
let downloads: string | undefined;

/** Variables for the next Chromium started (see {@linkcode fontsOnly}). */
let browserEnv: NodeJS.ProcessEnv = {};

/**
 * The Chromium started next sees only the fonts in `dirs` (a fontconfig file of its own, in
 * `dir`): a machine without, say, a Chinese font. Call before {@linkcode openBrowser}, after
 * {@linkcode closeChromium}; `fontsOnly(undefined)` gives it every font again.
 */
export function fontsOnly(dirs: string[] | undefined, dir = tmpdir()): void {
  if (!dirs) {
    browserEnv = {};
    return;
  }
  const file = join(dir, "fonts.conf");
  const list = dirs.map((d) => `  <dir>${d}</dir>`).join("\n");
  writeFileSync(
    file,
    `<?xml version="1.0"?>\n<fontconfig>\n${list}\n  <cachedir>${dir}/fc-cache</cachedir>\n</fontconfig>\n`,
  );
  browserEnv = { FONTCONFIG_FILE: file };
}

/** Why no browser test can run here, or `undefined` when Chromium is installed. */
export function browserProblem(): string | undefined {
  return toolPath("chromium") ? undefined : installHint(["chromium"]);
}

/** A new headless Chromium showing `url`, in a window of `width`×`height`. */
export async function openBrowser(url: string, width = 1600, height = 1000): Promise<Page> {
  const executablePath = toolPath("chromium");
  if (!executablePath) throw new Error(installHint(["chromium"]));
  if (!chromiumRunning) {
    downloads = mkdtempSync(join(tmpdir(), "tcp-udp-chat-chromium-"));
    chromiumRunning = chromium.launch({
      executablePath,
      headless: true,
      args: FLAGS,
      downloadsPath: downloads,
      timeout: DEADLINE_MS,
      env: { ...process.env, ...browserEnv },
    });
  }
  const context = await (await chromiumRunning).newContext({
    viewport: { width, height },
    acceptDownloads: true,
  });
  open.add(context);
  context.setDefaultTimeout(DEADLINE_MS);
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(url);
  return page;
}

/** Close every page opened since the last call. */
export async function closeBrowsers(): Promise<void> {
  await Promise.all([...open].map((context) => context.close()));
  open.clear();
}

/** End the browser itself: when the last page is done (its folder goes at the next reap). */
export async function closeChromium(): Promise<void> {
  await closeBrowsers();
  const running = chromiumRunning;
  chromiumRunning = undefined;
  await (await running)?.close();
  if (downloads) rmSync(downloads, { recursive: true, force: true });
  downloads = undefined;
}
