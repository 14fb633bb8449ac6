// tcp-udp-chat: install the Node dependencies once, safely, however many makes ask at once.
// Run:  node tools/deps.mjs chat    what running the chat scripts needs: `npm ci --omit=dev
//                                   --omit=optional` (amaro, the type stripper, for a Node that has none)
//       node tools/deps.mjs broker  what the room's --redis needs besides: `npm ci --omit=dev`
//                                   (the optional @redis/client; tcp/room/redis-client.ts asks)
//       node tools/deps.mjs dev     everything the tests, lint and docs need: `npm ci`
// make (and tools/build.mjs) call it for you. Node alone runs it: no shell, so it works where
// there is none (Windows). One make installs; any other started meanwhile waits for it, says
// so in one line on stderr, then goes on. The install happens in a staging folder and is moved
// into node_modules only when it is complete, and the stamp that says "installed" is written
// last: an install cut short (Ctrl-C, network down) leaves nothing that the next run trusts.
// Run as root in a clone someone else owns, what it installs is given back to that owner.
//
// Example:  await install("chat"); // returns once installed; exits with a message if it cannot
import { spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { giveBack, ROOT } from "./owner.mjs";

// Each profile is served by its own stamp or by a larger install's (`servedBy`).
const PROFILES = {
  chat: {
    flags: ["--omit=dev", "--omit=optional"],
    stamp: "node_modules/.installed-chat",
    servedBy: ["node_modules/.installed-broker", "node_modules/.installed"],
    what: `the type stripper the chat scripts need on Node ${process.version}`,
    instead:
      "To chat with no install at all, use Node >= 22.18, which strips the types itself: node tcp/server.ts",
  },
  broker: {
    flags: ["--omit=dev"],
    stamp: "node_modules/.installed-broker",
    servedBy: ["node_modules/.installed"],
    what: "the Redis client the room's --redis needs (@redis/client)",
    instead: "Without --redis the room needs nothing more: make room-server",
  },
  dev: {
    flags: [],
    stamp: "node_modules/.installed",
    servedBy: [],
    what: "the Node dependencies for tests, lint and docs",
    instead: "",
  },
};
const LOCK = ".cache/install.lock"; // holds the installer's pid; made atomically, or not at all
// Retries kept short: a class waiting on an unreachable registry hears so in seconds, not minutes.
const RETRIES = [
  "--fetch-retries=2",
  "--fetch-retry-mintimeout=2000",
  "--fetch-retry-maxtimeout=8000",
];

const at = (path) => join(ROOT, path);
const mtime = (path) => (existsSync(at(path)) ? statSync(at(path)).mtimeMs : -1);

/** Whether `stamps` (a profile's, or a larger install's) is there and newer than what it was installed from. */
function fresh(stamps) {
  const source = Math.max(mtime("package.json"), mtime("package-lock.json"));
  return stamps.some((s) => mtime(s) > source);
}

/** Install `profile` ("chat", "broker" or "dev") unless it is installed already. */
export async function install(profile) {
  const { flags, stamp, servedBy, what, instead } = PROFILES[profile];
  const stamps = [stamp, ...servedBy];
  if (fresh(stamps)) return;
  try {
    mkdirSync(at(".cache"), { recursive: true });
  } catch (err) {
    fail(`cannot install ${what}: cannot make the folder .cache here (${err.code})`);
  }
  giveBack(".cache");
  await lock(what);
  let stage;
  let installer;
  const cleanup = () => {
    installer?.kill();
    if (stage) rmSync(stage, { recursive: true, force: true });
    rmSync(at(LOCK), { force: true });
  };
  process.on("exit", cleanup);
  process.once("SIGINT", () => process.exit(130));
  process.once("SIGTERM", () => process.exit(143));

  if (fresh(stamps)) return release(cleanup); // the make we waited for has installed it
  for (const old of readdirSync(at(".cache")).filter((f) => f.startsWith("install-stage."))) {
    rmSync(at(`.cache/${old}`), { recursive: true, force: true }); // left by an install cut short
  }
  console.error(`installing ${what} (npm ci ${flags.join(" ")})...`);
  stage = mkdtempSync(at(".cache/install-stage."));
  for (const file of ["package.json", "package-lock.json"]) {
    writeFileSync(join(stage, file), readFileSync(at(file)));
  }
  installer = npm(
    ["ci", ...flags, ...RETRIES, "--no-audit", "--no-fund", "--loglevel=error"],
    stage,
  );
  const status = await installer.status;
  installer = undefined;
  if (status === "missing")
    fail(`cannot install ${what}: npm is not installed (it comes with Node: https://nodejs.org)`);
  if (status !== 0) {
    fail(
      `cannot install ${what}: npm ci failed (its message is above; is the npm registry reachable?).\n` +
        `Nothing was changed.${instead ? ` ${instead}` : ""}`,
    );
  }
  // from here on, nothing is trusted until the stamp
  for (const { stamp: s } of Object.values(PROFILES)) rmSync(at(s), { force: true });
  if (existsSync(at("node_modules"))) renameSync(at("node_modules"), join(stage, "old"));
  renameSync(join(stage, "node_modules"), at("node_modules"));
  writeFileSync(at(stamp), "");
  giveBack({ tree: "node_modules" });
  release(cleanup);
}

function release(cleanup) {
  cleanup();
  process.off("exit", cleanup);
}

function fail(message) {
  console.error(message);
  process.exit(1);
}

/** Take the install lock, waiting (and saying so once) while another make holds it. */
async function lock(what) {
  let waited = false;
  for (;;) {
    let fd;
    try {
      fd = openSync(at(LOCK), "wx");
    } catch (err) {
      if (err.code !== "EEXIST") cannotLock(what, err);
      const holder = holderOf();
      if (holder === "gone") {
        rmSync(at(LOCK), { force: true }); // its installer died without cleaning up (kill -9, power cut)
        continue;
      }
      if (!waited && holder !== "starting") {
        console.error(`waiting for another make (pid ${holder}) to finish installing ${what}...`);
        waited = true;
      }
      await sleep(holder === "starting" ? 20 : 200);
      continue;
    }
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return;
  }
}

/** The pid holding the lock, "starting" before it has written it, or "gone" when that process is dead. */
function holderOf() {
  let text;
  try {
    text = readFileSync(at(LOCK), "utf8");
  } catch {
    return "gone"; // removed meanwhile
  }
  const pid = Number(text);
  if (text === "") return Date.now() - mtime(LOCK) > 5000 ? "gone" : "starting"; // its pid comes next
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    return err.code === "EPERM" ? pid : "gone"; // EPERM: alive, another user's
  }
}

/** The lock cannot be made at all: say why, and what to do, instead of waiting for ever. */
function cannotLock(what, err) {
  const cache = statSync(at(".cache"));
  const me = process.getuid?.();
  const whose =
    me !== undefined && cache.uid !== me
      ? ` .cache belongs to uid ${cache.uid}, not to you (uid ${me}): was make run as root here? ` +
        `Give it back with: sudo chown -R ${me} .cache node_modules`
      : "";
  fail(`cannot install ${what}: cannot make the lock ${LOCK} (${err.code}).${whose}`);
}

/** npm run with `args` in `cwd`, its output on stderr; its `status`: exit status, or "missing". */
function npm(args, cwd) {
  // Under `npm run`, the npm that runs us; otherwise the one on PATH (npm.cmd needs a shell on Windows).
  const viaNpm = process.env.npm_execpath?.endsWith(".js");
  const [command, words] = viaNpm
    ? [process.execPath, [process.env.npm_execpath, ...args]]
    : ["npm", args];
  // In a process group of its own: Ctrl-C reaches this process alone, which stops npm and
  // cleans up, so an interrupted install always ends 130, never as a failed npm.
  const child = spawn(command, words, {
    cwd,
    stdio: ["ignore", 2, 2],
    shell: process.platform === "win32" && !viaNpm,
    detached: process.platform !== "win32",
  });
  const status = new Promise((resolve) => {
    child.on("error", (err) => resolve(err.code === "ENOENT" ? "missing" : 1));
    child.on("exit", (code, signal) => resolve(signal ? 1 : code));
  });
  return { status, kill: () => child.kill() };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const profile = process.argv[2] ?? "dev";
  if (!(profile in PROFILES)) {
    console.error("usage: node tools/deps.mjs chat|broker|dev");
    process.exit(2);
  }
  await install(profile);
}
