// tcp-udp-chat: strip the types from the project's TypeScript, line for line, into .cache/build/.
// Run:  node tools/build.mjs [--stamp NAME] [DIR ...]   (default: tcp udp shared; make does this for you)
//
// Every .ts file under the given folders becomes a .js file at the same path under
// .cache/build/, with each type annotation replaced by spaces: the same statements on the
// same lines and columns, so `tcp/server.ts:27` and `.cache/build/tcp/server.js:27` are the
// same statement, and an identity source map lets coverage and stack traces name the .ts.
// Relative imports of `.ts` files become `.js` (same length). A file is rebuilt only when
// its source is newer. Written in plain JavaScript so that it runs before anything is built.
//
// The stripper is Node's own (module.stripTypeScriptTypes, Node >= 22.13) or, on older
// Node, amaro: the same stripper, from npm (tools/deps.mjs installs it when missing).
// `--stamp NAME` then writes .cache/build/NAME, which make uses to know the build is done.
// Node alone runs it (no shell), and as root in a clone someone else owns, what it writes
// is given back to that owner (tools/owner.mjs).
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import * as nodeModule from "node:module";
import { basename, dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { install } from "./deps.mjs";
import { giveBack, ROOT } from "./owner.mjs";

const OUT = join(ROOT, ".cache/build");
const { values, positionals: dirs } = parseArgs({
  options: { stamp: { type: "string" } },
  allowPositionals: true,
});

/** The .ts files under `dir`, relative to the root. */
function sources(dir) {
  const found = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...sources(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) found.push(path);
  }
  return found;
}

const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
};

const self = Math.max(
  ...["build.mjs", "deps.mjs", "owner.mjs"].map((f) => mtime(join(ROOT, "tools", f))),
);
const stale = (dirs.length > 0 ? dirs : ["tcp", "udp", "shared"]).flatMap(sources).filter((src) => {
  const built = mtime(join(OUT, src.replace(/\.ts$/, ".js")));
  return built < mtime(join(ROOT, src)) || built < self;
});

/** `from "./x.ts"` at the end of an import or export statement (not in a comment). */
const IMPORT_TS =
  /^((?:import|export|\s*\}|\s+\w)[^\n/*]*?\bfrom\s*["'])(\.{1,2}\/[^"'\n]+)\.ts(["'];?)$/gm;

let strip;
async function stripper() {
  if (typeof nodeModule.stripTypeScriptTypes === "function") {
    return (code) => nodeModule.stripTypeScriptTypes(code, { mode: "strip" });
  }
  const amaro = await importAmaro();
  return (code) => amaro.transformSync(code, { mode: "strip-only" }).code;
}

async function importAmaro() {
  // Installed by `npm ci --omit=dev` (amaro is the project's one runtime dependency), once:
  // if another make is installing it right now, this waits for that one; if it cannot be
  // installed, deps.mjs says what failed and what to do instead, and exits.
  await install("chat");
  return (await import(new URL("../node_modules/amaro/dist/index.js", import.meta.url).href))
    .default;
}

/** An identity source map: line n of the .js is line n of the .ts, column for column. */
function identityMap(file, source, lines) {
  const mappings = ["AAAA", ...Array(lines - 1).fill("AACA")].join(";");
  return JSON.stringify({ version: 3, file, sources: [source], names: [], mappings });
}

for (const src of stale) {
  strip ??= await stripper();
  const code = readFileSync(join(ROOT, src), "utf8");
  const js = strip(code).replace(IMPORT_TS, "$1$2.js$3");
  const out = join(OUT, src.replace(/\.ts$/, ".js"));
  const name = basename(out);
  mkdirSync(dirname(out), { recursive: true });
  const lines = js.split("\n").length;
  const map = identityMap(name, relative(dirname(out), join(ROOT, src)), lines);
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(`${tmp}.map`, map);
  renameSync(`${tmp}.map`, `${out}.map`);
  writeFileSync(tmp, `${js}\n//# sourceMappingURL=${name}.map\n`);
  renameSync(tmp, out);
}
if (values.stamp) {
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, values.stamp), "");
}
giveBack(".cache", { tree: ".cache/build" });
