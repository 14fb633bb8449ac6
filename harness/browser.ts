/**
 * Headless Chromium for the tests of the lab's page and for its screenshot in docs/: the
 * browser of the Debian package (`apt-get install chromium`), driven by playwright-core.
 * No browser is downloaded. Each browser gets a fresh profile in a temporary folder, and
 * no network: only the page under test, on 127.0.0.1.
 *
 * @example
 * ```ts
 * import { closeBrowsers, openBrowser } from "./browser.ts";
 * const page = await openBrowser("http://127.0.0.1:8080/");
 * await page.screenshot({ path: "lab.png" });
 * await closeBrowsers(); // before reapAll(), which removes the profile
 * ```
 * @module
 */
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { DEADLINE_MS, tempDir } from "./procs.ts";
import { installHint, toolPath } from "./tools.ts";

/** Chromium quiet: no sandbox (root in a container), no GPU, and nothing that calls home. */
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const open = new Set<BrowserContext>();

/** Why no browser test can run here, or `undefined` when Chromium is installed. */
export function browserProblem(): string | undefined {
  return toolPath("chromium") ? undefined : installHint(["chromium"]);
}

/** A new headless Chromium showing `url`, in a window of `width`×`height`. */
export async function openBrowser(url: string, width = 1600, height = 1000): Promise<Page> {
  const executablePath = toolPath("chromium");
  if (!executablePath) throw new Error(installHint(["chromium"]));
  const profile = tempDir("tcp-udp-chat-chromium-");
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: FLAGS,
    downloadsPath: join(profile, "downloads"),
    viewport: { width, height },
    timeout: DEADLINE_MS,
  });
  open.add(context);
  context.setDefaultTimeout(DEADLINE_MS);
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(url);
  return page;
}

/** Close every browser opened since the last call. */
export async function closeBrowsers(): Promise<void> {
  await Promise.all([...open].map((context) => context.close()));
  open.clear();
}
