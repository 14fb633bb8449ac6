// tcp-udp-chat: install the other runtimes the project is tested on into .cache/runtimes/.
// Run:  node tools/runtimes.mjs            (make runtimes, and make test-runtimes, call it)
//
// The oldest Node that `engines` allows, the newest 20, 22 and 24, and Deno 2, from the npm
// registry (tools/runtimes.json), into an ignored folder, not into the project. They are large,
// so before downloading it says what and how big (asked of the registry), and after, how to
// use them and how to remove them. Run as root in someone else's clone, what it installs is
// given back to that owner.
//
// Example:  node tools/runtimes.mjs   # prints the list with sizes, installs, prints how to use them
import { spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { giveBack, ROOT } from "./owner.mjs";

const DIR = ".cache/runtimes";
// --if-needed (npm run runtimes; make has its own stamp for it): nothing to do when installed
// since tools/runtimes.json last changed
if (process.argv.includes("--if-needed")) {
  const age = (file) => (existsSync(join(ROOT, file)) ? statSync(join(ROOT, file)).mtimeMs : -1);
  if (age(`${DIR}/.installed`) > age("tools/runtimes.json")) process.exit(0);
}
const wanted = (await import("./runtimes.json", { with: { type: "json" } })).default.dependencies;
const npmCmd = process.platform === "win32" ? "npm.cmd" : "npm";

/** Run npm with `args` in `cwd`; its stdout and exit code. */
function npm(args, cwd = ROOT, stdio = "pipe") {
  const child = spawn(npmCmd, args, {
    cwd,
    stdio: ["ignore", stdio, "inherit"],
    shell: process.platform === "win32",
  });
  let out = "";
  child.stdout?.on("data", (b) => {
    out += b;
  });
  return new Promise((resolve) => {
    child.on("error", () => resolve({ out, code: 1 }));
    child.on("close", (code) => resolve({ out, code }));
  });
}

/** Deno's binary comes in a package per platform, beside the `deno` package. */
const denoPlatform = `@deno/${process.platform === "win32" ? "win32" : process.platform}-${process.arch}${process.platform === "linux" ? "-glibc" : ""}`;

/** The newest version in `range` of package `name`, and its tarball's address, as the registry says. */
async function resolve(name, range) {
  const { out, code } = await npm([
    "view",
    `${name}@${range}`,
    "version",
    "dist.tarball",
    "--json",
  ]);
  if (code !== 0 || out.trim() === "") return undefined;
  const last = [JSON.parse(out)].flat().at(-1); // a range lists every version; the newest is last
  return { version: last.version, tarball: last["dist.tarball"] };
}

/** The size in bytes of what npm will download from `url` (HTTP HEAD), 0 if the registry does not say. */
async function downloadSize(url) {
  try {
    const res = await fetch(url, { method: "HEAD" });
    return Number(res.headers.get("content-length")) || 0;
  } catch {
    return 0;
  }
}

/** A runtime's name for the list, and how much npm downloads for it (bytes; undefined if unknown). */
async function describe(alias, spec) {
  const [name, range] = spec.startsWith("npm:")
    ? [spec.slice(4, spec.lastIndexOf("@")), spec.slice(spec.lastIndexOf("@") + 1)]
    : [alias, spec];
  const found = await resolve(name, range);
  const parts = found ? [found] : [];
  if (alias === "deno" && found) parts.push(await resolve(denoPlatform, found.version)); // the binary
  const sizes = await Promise.all(parts.map((p) => (p ? downloadSize(p.tarball) : 0)));
  const bytes =
    sizes.includes(0) || sizes.length === 0 ? undefined : sizes.reduce((a, b) => a + b, 0);
  return { label: `${alias === "deno" ? "Deno" : "Node"} ${found?.version ?? range}`, bytes };
}

/** Bytes under `path`, as `du` would count files. */
function diskSize(path) {
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((n, entry) => n + diskSize(join(path, entry)), 0);
}

const mb = (bytes) => `${Math.round(bytes / 1e6)} MB`;
const list = await Promise.all(
  Object.entries(wanted).map(([alias, spec]) => describe(alias, spec)),
);
const known = list.every((r) => r.bytes !== undefined);
console.error(
  `make runtimes: downloading into ${DIR}/ from the npm registry (not into the project):`,
);
for (const { label, bytes } of list) {
  console.error(`  ${label.padEnd(14)} ${bytes === undefined ? "size unknown" : mb(bytes)}`);
}
console.error(
  known
    ? `  ${mb(list.reduce((n, r) => n + (r.bytes ?? 0), 0))} to download in all; unpacked, they take about four times that.`
    : "  (the registry did not give every size; if it cannot be reached, npm says so below)",
);

mkdirSync(join(ROOT, DIR), { recursive: true });
cpSync(join(ROOT, "tools/runtimes.json"), join(ROOT, DIR, "package.json"));
const { code } = await npm(
  ["install", "--no-audit", "--no-fund", "--loglevel=error", "--no-package-lock"],
  join(ROOT, DIR),
  2,
);
if (code !== 0) {
  console.error(
    `make runtimes: npm install failed (its message is above); ${DIR} is left as it was.`,
  );
  process.exit(1);
}
writeFileSync(join(ROOT, DIR, ".installed"), "");
giveBack(".cache", { tree: DIR });
const used = mb(diskSize(join(ROOT, DIR)));

const bin = (alias) => `${DIR}/node_modules/${alias}/bin/node`;
const deno = `${DIR}/node_modules/${denoPlatform}/deno`;
const uses = [
  [
    `make test NODE=${bin("node22")}`,
    "the whole suite on Node 22 (or node-oldest, node20, node24)",
  ],
  [`${bin("node24")} tcp/server.ts`, "Node 24 runs the .ts files itself, with no build"],
  [`${deno} task tcp-server`, "Deno, with deno.json's tasks (or: run --allow-net tcp/server.ts)"],
  ["make test-runtimes", "the transcript tests on tsx, Node 24 and Deno"],
  [`rm -rf ${DIR}`, "removes them all"],
];
const width = Math.max(...uses.map(([command]) => command.length));
console.error(`installed: ${used} in ${DIR}. To use them, from the project's folder:`);
for (const [command, what] of uses) console.error(`  ${command.padEnd(width)}   ${what}`);
if (!existsSync(join(ROOT, deno)))
  console.error(`  (no Deno binary at ${deno}: npm installed no package for this platform)`);
