/**
 * The files the lab's page is made of, and only those: the page's HTML and CSS from
 * `lab/page/`, its scripts as built into `.cache/build/lab/page/`. The web server looks a
 * request's path up in this list and nowhere else, so no path (`/../package.json`,
 * `/%2e%2e/…`) can reach any other file.
 *
 * @example
 * ```ts
 * import { pageFiles } from "./files.ts";
 * pageFiles().get("/app.js"); // { path: "/…/.cache/build/lab/page/app.js", type: "text/javascript; charset=utf-8" }
 * ```
 * @module
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { BUILD, ROOT } from "../harness/root.ts";

export interface PageFile {
  path: string;
  type: string;
}

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  svg: "image/svg+xml",
};

/** URL path → file, for every file of the page. `/` is `index.html`. */
export function pageFiles(): Map<string, PageFile> {
  const files = new Map<string, PageFile>();
  for (const dir of [join(ROOT, "lab/page"), join(ROOT, BUILD, "lab/page")]) {
    for (const name of readdirSync(dir)) {
      const type = TYPES[name.split(".").pop() ?? ""];
      if (type) files.set(`/${name}`, { path: join(dir, name), type });
    }
  }
  const index = files.get("/index.html");
  if (index) files.set("/", index);
  return files;
}
