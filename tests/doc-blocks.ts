/**
 * The code blocks of the lessons, in English (docs/) and in 中文 (docs/zh/), and of the
 * README: each with the HTML comment just before its fence, which says what the block is
 * (`<!-- excerpt: FILE -->`, `<!-- run: NAME -->`). The tests that keep the lessons true
 * read them here, and the commands of `<!-- run: NAME -->` blocks are run as written.
 *
 * @example
 * ```ts
 * import { runBlock } from "./doc-blocks.ts";
 * runBlock("queue", { "8001": String(port) }); // "ss -tn 'sport = :40123'\n"
 * ```
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../harness/procs.ts";

export const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

/** The Markdown pages of a folder of lessons, as paths from the project's root. */
export const pagesIn = (dir: string) =>
  readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `${dir}/${f}`);

/** Every lesson page, English first, then 中文. */
export const LESSONS = [...pagesIn("docs"), ...pagesIn("docs/zh")];
export const PAGES = ["README.md", ...LESSONS];

export interface Block {
  page: string;
  lang: string;
  /** The HTML comment on the line just before the fence, if any. */
  marker: string | undefined;
  body: string;
}

export function blocks(page: string): Block[] {
  const found: Block[] = [];
  const fence = /(?:<!-- ([^>]+?) -->\n)?```(\w*)\n([\s\S]*?)```/g;
  for (const m of read(page).matchAll(fence)) {
    found.push({ page, lang: m[2] ?? "", marker: m[1], body: m[3] ?? "" });
  }
  return found;
}

export const ALL = PAGES.flatMap(blocks);

/**
 * The command of the `<!-- run: name -->` block (the English page's; the 中文 twin holds the
 * same command), with each key of `replace` replaced by its value: the article's port by
 * the test's, say.
 */
export function runBlock(name: string, replace: Record<string, string> = {}): string {
  const block = ALL.find((b) => b.marker === `run: ${name}`);
  if (!block) throw new Error(`no <!-- run: ${name} --> block in the lessons`);
  let body = block.body;
  for (const [from, to] of Object.entries(replace)) body = body.replaceAll(from, to);
  return body;
}

/** A shell command's lines without their comments: what the two languages must share. */
export function commands(body: string): string[] {
  return body
    .split("\n")
    .map((line) => line.replace(/#.*$/, "").trim())
    .filter(Boolean);
}
