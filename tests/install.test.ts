// tools/deps.sh installs once, however many makes start at once, and an install cut short
// leaves nothing the next run trusts. npm is replaced by a stand-in that waits at a gate (a
// FIFO) until the test opens it, so these tests send nothing to the npm registry and never
// sleep: they see "waiting" while an install is really in progress.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type Proc, ROOT, readPort, reapAll, spawnProgram, tempDir } from "../harness/procs.ts";

test.after.each(reapAll);

const STACK = /Error| {4}at /;

/** A copy of what `make tcp-server` needs, with a stand-in npm first on PATH. */
function freshCopy() {
  const dir = tempDir("tcp-udp-chat-install-");
  for (const path of [
    "Makefile",
    "package.json",
    "package-lock.json",
    "tools",
    "tcp",
    "udp",
    "shared",
  ]) {
    cpSync(join(ROOT, path), join(dir, path), { recursive: true });
  }
  mkdirSync(join(dir, "bin"));
  // It says it started, waits at the gate, then "installs" a copy of the real amaro, or fails
  // as npm does when the registry cannot be reached.
  writeFileSync(
    join(dir, "bin/npm"),
    `#!/bin/sh
echo "npm $*" >> "${dir}/npm.log"
echo "stand-in npm: started" >&2
read verdict < "${dir}/gate"
if [ "$verdict" != ok ]; then echo "npm error code ECONNREFUSED" >&2; exit 1; fi
mkdir -p node_modules && cp -R "${ROOT}node_modules/amaro" node_modules/amaro
`,
    { mode: 0o755 },
  );
  execFileSync("mkfifo", [join(dir, "gate")]);
  const env = { PATH: `${join(dir, "bin")}:${process.env.PATH}` };
  return {
    dir,
    deps: (name: string) => spawnProgram(name, ["sh", "tools/deps.sh", "chat"], { cwd: dir, env }),
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

test("tools/deps.sh: three at once install exactly once; the others wait, saying so in one line", async () => {
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

test("tools/deps.sh: an install cut short by Ctrl-C leaves nothing that the next run trusts", async () => {
  const copy = freshCopy();
  const cut = copy.deps("cut short");
  await installing([cut]);
  cut.killGroup("SIGINT"); // Ctrl-C reaches the whole foreground group: sh and npm
  assert.equal(await cut.waitExit(), { code: 130, signal: null }, cut.transcript());
  assert.equal(copy.leftovers(), { cache: [], modules: [] });
  const again = copy.deps("again");
  await installing([again]);
  copy.open("ok");
  assert.equal(await again.waitExit(), { code: 0, signal: null }, again.transcript());
  assert.is(copy.npmCalls(), 2);
});

test("tools/deps.sh: with the registry down, one clear message, the way around, and nothing changed", async () => {
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

test("tools/deps.sh: a lock left by an installer that died is taken over", async () => {
  const copy = freshCopy();
  mkdirSync(join(copy.dir, ".cache"));
  const dead = spawnProgram("dead", ["true"]);
  await dead.waitExit();
  execFileSync("ln", ["-s", String(dead.child.pid), join(copy.dir, ".cache/install.lock")]);
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

test.run();
