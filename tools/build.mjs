// tcp-udp-chat: strip the types from the project's TypeScript, line for line, into .cache/build/.
// Run:  node tools/build.mjs [DIR ...]     (default: tcp udp shared; make does this for you)
//
// Every .ts file under the given folders becomes a .js file at the same path under
// .cache/build/, with each type annotation replaced by spaces: the same statements on the
// same lines and columns, so `tcp/server.ts:27` and `.cache/build/tcp/server.js:27` are the
// same statement, and an identity source map lets coverage and stack traces name the .ts.
// Relative imports of `.ts` files become `.js` (same length). A file is rebuilt only when
// its source is newer. Written in plain JavaScript so that it runs before anything is built.
//
// The stripper is Node's own (module.stripTypeScriptTypes, Node >= 22.13) or, on older
// Node, amaro: the same stripper, from npm (`tools/deps.sh chat` installs it when missing).
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import * as nodeModule from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT = join(ROOT, ".cache/build");
const dirs = process.argv.slice(2);

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

const self = mtime(fileURLToPath(import.meta.url));
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
  // if another make is installing it right now, the script waits for that one.
  try {
    execFileSync("sh", [join(ROOT, "tools/deps.sh"), "chat"], { stdio: "inherit" });
  } catch (err) {
    process.exit(err.status ?? 1); // deps.sh has said what failed and what to do instead
  }
  return (await import(join(ROOT, "node_modules/amaro/dist/index.js"))).default;
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
  const name = out.split("/").at(-1);
  mkdirSync(dirname(out), { recursive: true });
  const lines = js.split("\n").length;
  const map = identityMap(name, relative(dirname(out), join(ROOT, src)), lines);
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(`${tmp}.map`, map);
  renameSync(`${tmp}.map`, `${out}.map`);
  writeFileSync(tmp, `${js}\n//# sourceMappingURL=${name}.map\n`);
  renameSync(tmp, out);
}
