// tools/deps.mjs installs once, however many makes start at once, and an install cut short
// leaves nothing the next run trusts. npm is replaced by a stand-in that waits at a gate (a
// FIFO) until the test opens it, so these tests send nothing to the npm registry and never
// sleep: they see "waiting" while an install is really in progress.
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type Proc, ROOT, readPort, reapAll, spawnProgram } from "../harness/procs.ts";
import { testUnless } from "../harness/skip.ts";
import { CHAT_PARTS, withStandInNpm } from "../harness/stand-in-npm.ts";
import { nobodyProblem } from "../harness/users.ts";

test.after.each(reapAll);

const STACK = /Error| {4}at /;

/** A copy of what `make tcp-server` needs, with a stand-in npm first on PATH. */
function freshCopy() {
  // It says it started, waits at the gate, then "installs" a copy of the real amaro, or fails
  // as npm does when the registry cannot be reached.
  const { dir, env } = withStandInNpm(
    "tcp-udp-chat-install-",
    CHAT_PARTS,
    (dir) => `echo "npm $*" >> "${dir}/npm.log"
echo "stand-in npm: started" >&2
read verdict < "${dir}/gate"
if [ "$verdict" != ok ]; then echo "npm error code ECONNREFUSED" >&2; exit 1; fi
mkdir -p node_modules && cp -R "${ROOT}node_modules/amaro" node_modules/amaro
`,
  );
  execFileSync("mkfifo", [join(dir, "gate")]);
  return {
    dir,
    deps: (name: string) =>
      spawnProgram(name, [process.execPath, "tools/deps.mjs", "chat"], { cwd: dir, env }),
    make: (name: string, target: string) =>
      spawnProgram(name, ["make", "-s", target, "ARGS=--port 0"], { cwd: dir, env }),
    npmCalls: () => {
      const log = join(dir, "npm.log");
      return existsSync(log) ? readFileSync(log, "utf8").trim().split("\n").length : 0;
    },
    /** Let the stand-in npm finish: well, or as if the registry were down. */
    open: (verdict: "ok" | "down") =>
      spawnProgram("gate", ["sh", "-c", `echo ${verdict} > gate`], { cwd: dir }),
    /** What is left in .cache and node_modules. */
    leftovers: () => ({
      cache: existsSync(join(dir, ".cache")) ? readdirSync(join(dir, ".cache")) : [],
      modules: existsSync(join(dir, "node_modules")) ? readdirSync(join(dir, "node_modules")) : [],
    }),
  };
}

/** Wait until one of `procs` says the stand-in npm started; that one is installing. */
async function installing(procs: Proc[]): Promise<Proc> {
  await Promise.any(procs.map((p) => p.waitFor("stderr", "stand-in npm: started")));
  return procs.find((p) => p.stderr.includes("stand-in npm: started")) as Proc;
}

test("tools/deps.mjs: three at once install exactly once; the others wait, saying so in one line", async () => {
  const copy = freshCopy();
  const all = ["first", "second", "third"].map((name) => copy.deps(name));
  const installer = await installing(all);
  for (const other of all.filter((p) => p !== installer)) {
    await other.waitFor("stderr", /^waiting for another make \(pid \d+\) to finish installing /);
  }
  copy.open("ok");
  for (const proc of all) {
    assert.equal(await proc.waitExit(), { code: 0, signal: null }, proc.transcript());
  }
  assert.is(copy.npmCalls(), 1);
  for (const other of all.filter((p) => p !== installer)) {
    assert.is(other.stderr.split("\n").filter(Boolean).length, 1, other.transcript());
  }
  assert.equal(copy.leftovers(), { cache: [], modules: [".installed-chat", "amaro"] });
});

test("tools/deps.mjs: an install cut short by Ctrl-C leaves nothing that the next run trusts", async () => {
  const copy = freshCopy();
  const cut = copy.deps("cut short");
  await installing([cut]);
  cut.killGroup("SIGINT"); // Ctrl-C reaches the whole foreground group: node and npm
  assert.equal(await cut.waitExit(), { code: 130, signal: null }, cut.transcript());
  assert.equal(copy.leftovers(), { cache: [], modules: [] });
  const again = copy.deps("again");
  await installing([again]);
  copy.open("ok");
  assert.equal(await again.waitExit(), { code: 0, signal: null }, again.transcript());
  assert.is(copy.npmCalls(), 2);
});

test("tools/deps.mjs: with the registry down, one clear message, the way around, and nothing changed", async () => {
  const copy = freshCopy();
  const down = copy.deps("down");
  await installing([down]);
  copy.open("down");
  assert.equal(await down.waitExit(), { code: 1, signal: null });
  assert.match(down.stderr, /npm error code ECONNREFUSED\n/);
  assert.match(
    down.stderr,
    /cannot install the type stripper .*: npm ci failed .*registry reachable/,
  );
  assert.match(
    down.stderr,
    /Node >= 22\.18, which strips the types itself: node tcp\/server\.ts\n$/,
  );
  assert.equal(copy.leftovers(), { cache: [], modules: [] });
});

test("tools/deps.mjs: a lock left by an installer that died is taken over", async () => {
  const copy = freshCopy();
  mkdirSync(join(copy.dir, ".cache"));
  const dead = spawnProgram("dead", ["true"]);
  await dead.waitExit();
  writeFileSync(join(copy.dir, ".cache/install.lock"), String(dead.child.pid));
  const deps = copy.deps("after the dead one");
  await installing([deps]);
  copy.open("ok");
  assert.equal(await deps.waitExit(), { code: 0, signal: null }, deps.transcript());
  assert.not.match(deps.stderr, /waiting/);
});

test("two make targets started together on a fresh copy both start, installing at most once", async () => {
  const copy = freshCopy();
  const tcp = copy.make("make tcp-server", "tcp-server");
  const udp = copy.make("make udp-server", "udp-server");
  // A Node that strips types itself installs nothing; an older one installs amaro once.
  const needsInstall = !("stripTypeScriptTypes" in (await import("node:module")));
  if (needsInstall) {
    await installing([tcp, udp]);
    copy.open("ok");
  }
  for (const server of [tcp, udp]) {
    await readPort(server);
    assert.not.match(server.stderr, STACK);
  }
  assert.is(copy.npmCalls(), needsInstall ? 1 : 0);
});

const NOBODY = 65534;

/** Files under `dir` that `uid` does not own (paths relative to `dir`). */
function notOwnedBy(dir: string, uid: number, below = ""): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(join(dir, below))) {
    const path = join(below, entry);
    const stat = lstatSync(join(dir, path));
    if (stat.uid !== uid) found.push(path);
    if (stat.isDirectory() && !stat.isSymbolicLink()) found.push(...notOwnedBy(dir, uid, path));
  }
  return found;
}

/**
 * A copy of the whole project that `nobody` owns, as a learner's clone, with a stand-in npm
 * (first on PATH) that "installs" at once: amaro for the chat, links to this project's own
 * packages for the tests.
 */
function learnersClone() {
  const left = new Set([".git", "node_modules", ".cache", "coverage"]); // not in a fresh clone
  const parts = readdirSync(ROOT).filter((p) => !left.has(p));
  const { dir, env: path } = withStandInNpm(
    "tcp-udp-chat-owner-",
    parts,
    () => `mkdir -p node_modules
case "$*" in
  *--omit=dev*) cp -R "${ROOT}node_modules/amaro" node_modules/amaro ;;
  *) for p in "${ROOT}"node_modules/* "${ROOT}"node_modules/.bin; do ln -s "$p" node_modules/; done ;;
esac
`,
  );
  execFileSync("chown", ["-R", `${NOBODY}:${NOBODY}`, dir]);
  chmodSync(dir, 0o755);
  const env = { ...path, HOME: dir };
  return { dir, env };
}

const noNobody = nobodyProblem();
const ownerTest = testUnless(noNobody, "the root-then-owner test");

ownerTest(
  "sudo make lab in a learner's clone leaves it theirs: then their make tcp-server and make test work",
  async () => {
    const { dir, env } = learnersClone();
    const lab = spawnProgram("sudo make lab", ["make", "-s", "lab", "ARGS=--port 0 --no-capture"], {
      cwd: dir,
      env,
    });
    await lab.waitFor("stdout", /lab on http:\/\/127\.0\.0\.1:\d+\n/);
    await lab.stop("SIGTERM");
    assert.equal(
      notOwnedBy(dir, NOBODY),
      [],
      "what root's make lab left that the learner does not own",
    );
    const as = { cwd: dir, env, uid: NOBODY, gid: NOBODY };
    const server = spawnProgram(
      "their make tcp-server",
      ["make", "-s", "tcp-server", "ARGS=--port 0"],
      as,
    );
    await readPort(server);
    await server.stop("SIGTERM");
    const suite = spawnProgram("their make test", ["make", "-s", "test", "ARGS=input"], as);
    // it installs the dev packages first (npm ci, 224 packages: 10-20 s here), then builds
    assert.equal(await suite.waitExit(90_000), { code: 0, signal: null }, suite.transcript());
    assert.match(suite.stdout, /tests: [1-9]\d* passed, 0 failed\n$/);
  },
);

ownerTest(
  "tools/deps.mjs: a lock it cannot make (root's .cache) is one line saying why and what to do, not a wait",
  async () => {
    const { dir, env } = learnersClone();
    mkdirSync(join(dir, ".cache")); // root's, as an old `sudo make` left it
    const deps = spawnProgram("their install", [process.execPath, "tools/deps.mjs", "chat"], {
      cwd: dir,
      env,
      uid: NOBODY,
      gid: NOBODY,
    });
    assert.equal(await deps.waitExit(), { code: 1, signal: null }, deps.transcript());
    assert.is(
      deps.stderr,
      "cannot install the type stripper the chat scripts need on Node " +
        `${process.version}: cannot make the lock .cache/install.lock (EACCES). .cache belongs to ` +
        `uid 0, not to you (uid ${NOBODY}): was make run as root here? Give it back with: ` +
        `sudo chown -R ${NOBODY} .cache node_modules\n`,
    );
  },
);

test("the chat's build step needs Node alone: a PATH with only node and npm, no sh (as on Windows)", async () => {
  const copy = freshCopy();
  const bin = join(copy.dir, "only");
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, "node"));
  // a stand-in npm written in Node, since no shell may run it: it "installs" amaro
  writeFileSync(
    join(bin, "npm"),
    `#!${process.execPath}
const { appendFileSync, cpSync } = require("node:fs");
appendFileSync(${JSON.stringify(join(copy.dir, "npm.log"))}, "npm " + process.argv.slice(2).join(" ") + "\\n");
cpSync(${JSON.stringify(`${ROOT}node_modules/amaro`)}, "node_modules/amaro", { recursive: true });
`,
    { mode: 0o755 },
  );
  writeFileSync(join(copy.dir, "only/package.json"), '{ "type": "commonjs" }\n');
  const env = { PATH: bin };
  const build = spawnProgram("node tools/build.mjs", ["node", "tools/build.mjs"], {
    cwd: copy.dir,
    env,
  });
  assert.equal(await build.waitExit(), { code: 0, signal: null }, build.transcript());
  const stripsItself = "stripTypeScriptTypes" in (await import("node:module"));
  assert.is(
    copy.npmCalls(),
    stripsItself ? 0 : 1,
    "amaro installed by npm where this Node has no stripper",
  );
  const server = spawnProgram(
    "node .cache/build/tcp/server.js",
    ["node", ".cache/build/tcp/server.js", "--port", "0"],
    {
      cwd: copy.dir,
      env,
    },
  );
  await readPort(server);
  assert.not.match(server.stderr, STACK);
});

test("make runtimes says what it downloads and how big before, and how to use it after", async () => {
  const copy = freshCopy();
  // the registry, as far as make runtimes asks it: a version and a tarball of 5 MB for each
  const registry = createServer((req, res) => {
    res.writeHead(200, { "content-length": String(5_000_000) });
    res.end(req.method === "HEAD" ? undefined : "");
  }).listen(0, "127.0.0.1");
  await new Promise((resolve) => registry.once("listening", resolve));
  const { port } = registry.address() as AddressInfo;
  writeFileSync(
    join(copy.dir, "bin/npm"),
    `#!/bin/sh
case "$1" in
  view) echo '{ "version": "9.9.9", "dist.tarball": "http://127.0.0.1:${port}/x.tgz" }' ;;
  install) echo "npm $*" >> "${copy.dir}/npm.log"; mkdir -p node_modules/node24/bin ;;
esac
`,
    { mode: 0o755 },
  );
  try {
    const make = spawnProgram("make runtimes", ["make", "-s", "runtimes"], {
      cwd: copy.dir,
      env: { PATH: `${join(copy.dir, "bin")}:${process.env.PATH}` },
    });
    assert.equal(await make.waitExit(), { code: 0, signal: null }, make.transcript());
    const [before, after] = make.stderr.split(/^installed: /m);
    const runtimes = Object.keys(
      JSON.parse(readFileSync(join(ROOT, "tools/runtimes.json"), "utf8")).dependencies,
    );
    assert.match(
      before ?? "",
      /^make runtimes: downloading into \.cache\/runtimes\/ from the npm registry/,
    );
    assert.is(
      (before?.match(/^ {2}(Node|Deno) 9\.9\.9 +(5|10) MB$/gm) ?? []).length,
      runtimes.length,
      before,
    );
    assert.match(
      before ?? "",
      new RegExp(`^ {2}${5 * runtimes.length + 5} MB to download in all`, "m"),
    );
    assert.ok(copy.npmCalls() === 1 && after !== undefined, make.stderr);
    assert.match(after ?? "", /^\d+ MB in \.cache\/runtimes\. To use them/);
    assert.match(after ?? "", /make test NODE=\.cache\/runtimes\/node_modules\/node22\/bin\/node/);
    assert.match(after ?? "", /deno task tcp-server/);
    assert.match(after ?? "", /rm -rf \.cache\/runtimes +removes them all/);
  } finally {
    registry.close();
  }
});

test.run();
