// The examples in shared/'s doc comments run, as Deno std's `deno test --doc` runs its own,
// so that they cannot go stale: every ```ts block of a JSDoc comment in shared/*.ts is
// written to a temporary folder as a module of its own, its `./x.ts` imports pointed at the
// built shared/x.js (the files the tests run), its types stripped, and run as a process of
// its own under this Node, with a deadline, a few at a time. It passes when it exits 0 on
// its own: an example asserts what it shows where the result is certain. Its stdin is a
// pipe holding one typed line, `你好`, and left open, as a person at a terminal who has typed
// one line. An example that needs a peer (a server, a client) sets it up itself on
// 127.0.0.1, port 0, and closes what it opens. A block fenced ```ts ignore (Deno's word)
// cannot honestly run alone: its first line is a comment saying why, and it is only
// type-checked, as every example is, by tsc against the sources. And every export of shared/
// carries a JSDoc block of its own with an @example (deno doc --lint, where Deno is
// installed, checks that the members of classes and interfaces have one too).
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import amaro from "amaro";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { DEADLINE_MS, ROOT, reapAll, spawnProgram, tempDir } from "../harness/procs.ts";
import { builtScript } from "../harness/root.ts";
import { denoBinary } from "../harness/runtimes.ts";

test.after.each(reapAll);

/** At most this many examples may be left to type-checking alone, each saying why. */
const MAX_IGNORED = 3;

const SHARED = readdirSync(join(ROOT, "shared"))
  .filter((f) => f.endsWith(".ts"))
  .sort()
  .map((f) => `shared/${f}`);

interface Example {
  /** Where it is: `shared/udp.ts:120`, the line of its opening fence. */
  where: string;
  /** The export its JSDoc block documents (`recvfrom`), or `module`. */
  what: string;
  code: string;
  /** Why it is only type-checked (the comment that opens a ```ts ignore block), if it is so. */
  ignored?: string;
}

interface DocBlock {
  /** Its lines, without the ` * ` that begins each. */
  lines: string[];
  /** The line of the file where it begins. */
  line: number;
  /** The line of code that follows it. */
  next: string;
  module: boolean;
}

function docBlocks(source: string): DocBlock[] {
  return [...source.matchAll(/\/\*\*[\s\S]*?\*\//g)].map((m) => {
    const lines = m[0]
      .split("\n")
      .map((l) => l.replace(/^\s*\/?\*\*?\/? ?/, "").replace(/\s*\*\/$/, ""));
    const after = source.slice((m.index ?? 0) + m[0].length).trimStart();
    return {
      lines,
      line: source.slice(0, m.index).split("\n").length,
      next: after.split("\n")[0] ?? "",
      module: lines.some((l) => l.startsWith("@module")),
    };
  });
}

/** An exported declaration, and the name it gives. */
const EXPORT = /^export (?:async )?(?:function\*? |class |const |let |interface |type )(\w+)/;

function examples(file: string, source = readFileSync(join(ROOT, file), "utf8")): Example[] {
  const found: Example[] = [];
  for (const block of docBlocks(source)) {
    const what = block.module
      ? "module"
      : (EXPORT.exec(block.next)?.[1] ?? block.next.trim().split(/[\s(<:;]/)[0] ?? "?");
    for (let i = 0; i < block.lines.length; i++) {
      const fence = /^```(?:ts|typescript)(?:\s+(.*))?$/.exec(block.lines[i] as string);
      if (!fence) continue;
      const end = block.lines.indexOf("```", i + 1);
      assert.ok(end > i, `${file}:${block.line + i}: a \`\`\`ts block that never ends`);
      const code = block.lines.slice(i + 1, end).join("\n");
      const where = `${file}:${block.line + i}`;
      if (fence[1]?.split(/\s+/).includes("ignore")) {
        found.push({ where, what, code, ignored: /^\/\/ (.+)/.exec(code)?.[1] ?? "" });
      } else {
        found.push({ where, what, code });
      }
      i = end;
    }
  }
  return found;
}

const ALL = SHARED.flatMap((file) => examples(file));

/** The example's `./x.ts` imports pointed at `target("x")`. */
const pointed = (code: string, target: (name: string) => string) =>
  code.replace(
    /(\bfrom\s*["'])\.\/([\w-]+)\.ts(["'])/g,
    (_, before, name, after) => `${before}${target(name)}${after}`,
  );

/** A file name for an example: `udp-120` for shared/udp.ts:120. */
const fileName = (e: Example) => e.where.replace(/^.*?([\w-]+)\.ts:(\d+)$/, "$1-$2");

const built = (name: string) => pathToFileURL(join(ROOT, builtScript(`shared/${name}.ts`))).href;

/** A folder to run examples in: ES modules, as the project's own files are. */
function exampleDir(): string {
  const dir = tempDir("tcp-udp-chat-examples-");
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  return dir;
}

/** Run `e` in `dir` as a process of its own; what went wrong, if anything, and how long it took. */
async function run(
  e: Example,
  dir: string,
  deadlineMs: number,
): Promise<[string | undefined, number]> {
  const file = join(dir, `${fileName(e)}.js`);
  writeFileSync(file, amaro.transformSync(pointed(e.code, built), { mode: "strip-only" }).code);
  const started = performance.now();
  const proc = spawnProgram(`${e.where} (${e.what})`, [process.execPath, file], { cwd: dir });
  proc.child.stdin?.write("你好\n");
  let wrong: string | undefined;
  try {
    const exit = await proc.waitExit(deadlineMs);
    if (exit.code !== 0) wrong = `exited ${exit.code ?? exit.signal}`;
  } catch {
    wrong = `still running after ${deadlineMs} ms`;
    proc.killGroup("SIGKILL");
  }
  const ms = performance.now() - started;
  return [wrong && `${e.where} (${e.what}): ${wrong}\n${e.code}\n${proc.transcript()}`, ms];
}

/** Run `list`, a few at a time (each is mostly Node starting: CPU): what went wrong, and the slowest. */
async function runAll(list: Example[], dir: string, deadlineMs = DEADLINE_MS) {
  const queue = [...list];
  const failures: string[] = [];
  let slowest: [string, number] = ["", 0];
  await Promise.all(
    Array.from({ length: Math.min(8, 2 * cpus().length) }, async () => {
      for (let e = queue.shift(); e !== undefined; e = queue.shift()) {
        const [wrong, ms] = await run(e, dir, deadlineMs);
        if (wrong) failures.push(wrong);
        if (ms > slowest[1]) slowest = [e.where, ms];
      }
    }),
  );
  return { failures, slowest };
}

test("every export of shared/ has a JSDoc block of its own with an @example", () => {
  const missing: string[] = [];
  for (const file of SHARED) {
    const source = readFileSync(join(ROOT, file), "utf8");
    const blocks = docBlocks(source);
    source.split("\n").forEach((line, at) => {
      const name = EXPORT.exec(line)?.[1];
      if (name === undefined) return;
      const own = blocks.find((b) => b.next === line && !b.module);
      if (!own) missing.push(`${file}:${at + 1} ${name}: no JSDoc block on the export`);
      else if (!own.lines.some((l) => l.startsWith("@example")))
        missing.push(`${file}:${at + 1} ${name}: its JSDoc has no @example`);
    });
  }
  assert.equal(missing, []);
});

const deno = denoBinary();
if (!deno)
  console.log("deno doc --lint skipped: Deno is not installed (make runtimes installs it)");
(deno ? test : test.skip)("deno doc --lint finds every symbol of shared/ documented", () => {
  const lint = spawnSync(deno as string, ["doc", "--lint", ...SHARED], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
  });
  assert.is(lint.status, 0, `${lint.stdout}${lint.stderr}`);
});

test("an example left to type-checking alone is rare and says why", () => {
  const ignored = ALL.filter((e) => e.ignored !== undefined);
  for (const e of ignored) console.log(`  not run: ${e.where} (${e.what}): ${e.ignored}`);
  assert.equal(
    ignored.filter((e) => e.ignored === "").map((e) => e.where),
    [],
    "a ```ts ignore block begins with a // comment saying why it cannot run alone",
  );
  assert.ok(ignored.length <= MAX_IGNORED, `${ignored.length} examples are not run`);
});

test("the runner fails an example that throws, and one that never ends", async () => {
  const broken = examples(
    "shared/broken.ts",
    [
      "/**",
      " * ```ts",
      ' * import { hostPort } from "./host-port.ts";',
      ' * if (hostPort("::1", 1) !== "::1:1") throw new Error("stale");',
      " * ```",
      " * ```ts",
      " * setInterval(() => {}, 1000);",
      " * ```",
      " */",
      "export const broken = 1;",
    ].join("\n"),
  );
  const [throws, endless] = broken as [Example, Example];
  const dir = exampleDir();
  const [[thrown], [stuck]] = await Promise.all([
    run(throws, dir, DEADLINE_MS),
    run(endless, dir, 1000),
  ]);
  assert.match(thrown ?? "", /^shared\/broken\.ts:2 \(broken\): exited 1\n[\s\S]*Error: stale/);
  assert.match(stuck ?? "", /^shared\/broken\.ts:6 \(broken\): still running after 1000 ms/);
});

test("every example in shared/ runs as pasted, and every one type-checks", async () => {
  const dir = exampleDir();
  // Type-checked against the sources, with the project's own options, beside the runs.
  const checkDir = join(dir, "check");
  mkdirSync(checkDir);
  const { compilerOptions } = JSON.parse(readFileSync(join(ROOT, "tsconfig.json"), "utf8"));
  const typeRoots = [join(ROOT, "node_modules/@types")];
  writeFileSync(
    join(checkDir, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { ...compilerOptions, typeRoots }, include: ["*.ts"] }),
  );
  for (const e of ALL) {
    const source = (name: string) => join(ROOT, `shared/${name}.ts`);
    writeFileSync(join(checkDir, `${fileName(e)}.ts`), `${pointed(e.code, source)}\nexport {};\n`);
  }
  const tsc = spawnProgram("tsc", [
    process.execPath,
    join(ROOT, "node_modules/typescript/bin/tsc"),
    "-p",
    checkDir,
  ]);

  const started = performance.now();
  const runnable = ALL.filter((e) => e.ignored === undefined);
  const { failures, slowest } = await runAll(runnable, dir);
  const took = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `  ${runnable.length} examples ran in ${took} s, the slowest ${slowest[0]} (${slowest[1].toFixed(0)} ms)`,
  );
  assert.equal(failures, [], `${failures.length} examples failed:\n\n${failures.join("\n\n")}`);
  const checked = await tsc.waitExit();
  // tsc names udp-120.ts(3,5): line 3 of the example whose fence is shared/udp.ts:120
  const said = tsc.stdout.replace(
    /\S*?([\w-]+)-(\d+)\.ts\((\d+),\d+\)/g,
    (_, name, fence, line) => `shared/${name}.ts:${Number(fence) + Number(line)}`,
  );
  assert.equal(checked, { code: 0, signal: null }, `the examples do not type-check:\n${said}`);
});

test.run();
