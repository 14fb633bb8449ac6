// tcp-udp-chat: package.json's scripts and deno.json's tasks, written from the Makefile.
// Run:  node tools/entries.mjs           (writes them)
//       node tools/entries.mjs --check   (says which differ, exit 1; a test runs this)
//
// The Makefile is the one list of what can be run. Each target that runs a script (its recipe
// `$(CHAT)/tcp/server.js $(ARGS)` or `$(RUN)/docs/tools/demo.js --udp $(ARGS)`, after a build
// stamp) becomes an npm script doing the same with Node alone: what the stamp's rule runs
// (tools/deps.mjs, tools/build.mjs), then the built script. npm runs it through cmd.exe on
// Windows, which has neither make nor sh; `npm run tcp-server -- --port 9000` passes its
// flags on. The tool targets (typecheck, lint, ci, coverage, runtimes) get their own lines,
// written from their recipes too. Each chat target that Deno can run (`$(CHAT)`) becomes a
// deno task: `deno run` with the Makefile's DENO_RUN permissions, on the .ts file itself.
//
// Example:  node tools/entries.mjs --check   # "package.json: scripts are what the Makefile says"
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./owner.mjs";

const makefile = readFileSync(join(ROOT, "Makefile"), "utf8");
const variable = (name) => new RegExp(`^${name}\\s*:?=\\s*(.*)$`, "m").exec(makefile)?.[1].trim();
const BUILD = variable("BUILD") ?? ".cache/build";
const expand = (text) => text.replace(/\$\((\w+)\)/g, (_, name) => variable(name) ?? "");

/** What each build stamp's rule runs: the install it needs first, and the build. */
const stamps = new Map();
for (const [, stamp, deps, command] of makefile.matchAll(
  /^\$\(BUILD\)\/(\.\w+):([^\n]*)\n\t@\$\(NODE\) (--no-warnings tools\/build\.mjs [^\n]+)$/gm,
)) {
  const install = deps.includes("$(STAMP)") ? ["node --no-warnings tools/deps.mjs dev"] : [];
  stamps.set(stamp, [...install, `node ${expand(command)}`]);
}

/** A target's prerequisites, and its recipe when it is one line: `[, prerequisites, recipe]`. */
const recipe = (target) =>
  new RegExp(`^${target}:([^\\n]*)(?:\\n\\t@?([^\\n]*))?`, "m").exec(makefile);

const scripts = {};
const tasks = {};
// (a variable make sets for the run, such as DENO_NO_UPDATE_CHECK=1, npm leaves as it is)
for (const [, target, stamp, runtimes, kind, file, flags] of makefile.matchAll(
  /^([a-z][\w-]*): \$\(BUILD\)\/(\.\w+)( \$\(RUNTIMES\)\/\.installed)?\n\t@(?:\w+=\S* )*\$\((CHAT|RUN)\)\/(\S+)\.js((?: --?[\w-]+)*) \$\(ARGS\)$/gm,
)) {
  const steps = [
    ...(runtimes ? ["node --no-warnings tools/runtimes.mjs --if-needed"] : []),
    ...(stamps.get(stamp) ?? []),
  ];
  scripts[target] = [...steps, `node ${BUILD}/${file}.js${flags}`].join(" && ");
  if (kind === "CHAT") tasks[target] = `deno ${variable("DENO_RUN")} ${file}.ts`;
}

// The tools: the same commands, found by npm on its PATH (node_modules/.bin), as make runs them.
const dev = "node --no-warnings tools/deps.mjs dev";
for (const tool of ["typecheck", "lint"]) {
  const command = recipe(tool)?.[2].replace(/^node_modules\/\.bin\//, "");
  if (command) scripts[tool] = `${dev} && ${command}`;
}
scripts.coverage = `${stamps.get(".dev").join(" && ")} && c8 node ${BUILD}/tests/run.js --all`;
scripts.ci = (recipe("ci")?.[1] ?? "")
  .trim()
  .split(/\s+/)
  .map((t) => `npm run -s ${t}`)
  .join(" && ");
scripts.runtimes = "node --no-warnings tools/runtimes.mjs --if-needed";

/** Write `file`'s `key` as `entries` (or say whether it differs); whether it was already so. */
function keep(file, key, entries) {
  const path = join(ROOT, file);
  const text = readFileSync(path, "utf8");
  const json = JSON.parse(text);
  const same = JSON.stringify(json[key]) === JSON.stringify(entries);
  if (process.argv.includes("--check")) {
    console.log(
      `${file}: ${key} ${same ? "are" : "are NOT"} what the Makefile says${same ? "" : " (node tools/entries.mjs writes them)"}`,
    );
  } else if (!same) {
    json[key] = entries;
    writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`);
  }
  return same;
}

const fresh = [keep("package.json", "scripts", scripts), keep("deno.json", "tasks", tasks)];
if (process.argv.includes("--check") && fresh.includes(false)) process.exit(1);
