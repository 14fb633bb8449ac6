/**
 * The files the lab's page is made of, and only those: the page's HTML and CSS from
 * `lab/page/`, its scripts as built into `.cache/build/lab/page/`. They are read once, when
 * the lab starts, and served from memory: the web server looks a request's path up in this
 * list and nowhere else, so no path (`/../package.json`, `/%2e%2e/…`) can reach any other
 * file, and nothing on disk is opened while the lab runs. A symbolic link is never read
 * (a link in the page's folder could name `/etc/shadow`, and the lab runs as root): each
 * file is opened with `O_NOFOLLOW` and must be a regular file; the folders must be real
 * folders, not links.
 *
 * @example
 * ```ts
 * import { pageFiles } from "./files.ts";
 * pageFiles().get("/app.js"); // { type: "text/javascript; charset=utf-8", body: <Buffer …> }
 * ```
 * @module
 */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
} from "node:fs";
import { join } from "node:path";
import { BUILD, ROOT } from "./root.ts";

export interface PageFile {
  type: string;
  body: Buffer;
}

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  svg: "image/svg+xml",
};

/** The page's folders: its sources, and its scripts as built. */
export const PAGE_DIRS = [join(ROOT, "lab/page"), join(ROOT, BUILD, "lab/page")];

/**
 * URL path → file, for every file of the page in `dirs`. `/` is `index.html`. `skipped`
 * hears of each entry left out, and why (a link, not a regular file).
 */
export function pageFiles(
  dirs = PAGE_DIRS,
  skipped: (path: string, why: string) => void = () => {},
): Map<string, PageFile> {
  const files = new Map<string, PageFile>();
  for (const dir of dirs) {
    if (lstatSync(dir).isSymbolicLink()) {
      skipped(dir, "a symbolic link, not the page's folder");
      continue;
    }
    for (const name of readdirSync(dir)) {
      const type = TYPES[name.split(".").pop() ?? ""];
      if (!type) continue;
      const read = readRegular(join(dir, name));
      if (typeof read === "string") skipped(join(dir, name), read);
      else files.set(`/${name}`, { type, body: read });
    }
  }
  const index = files.get("/index.html");
  if (index) files.set("/", index);
  return files;
}

/** The bytes of the regular file at `path`, never through a symbolic link; or why not. */
function readRegular(path: string): Buffer | string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === "ELOOP" ? "a symbolic link: not served" : `cannot be read (${code})`;
  }
  try {
    if (!fstatSync(fd).isFile()) return "not a regular file: not served";
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}
