// The long matrix of make check, a minute or more, on demand (CHECK_MATRIX=1 make test
// ARGS=check-matrix): the four mirrors pass every scenario; the four faithful fixtures, with
// the article's ports written into them, run each scenario in a network namespace of its own
// and fall as the article's programs do; the lesson's commands (docs/check.md) run as
// written, in a home folder made for them; and, when you give the folder where you typed the
// article's four programs (CHECK_ARTICLE_DIR=DIR, as make bench takes --python DIR), the
// article's own programs and their pairs pass every conversation scenario.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { namespacePrefix } from "../check/network.ts";
import { reapAll, scriptCommand, spawnProgram, tempDir } from "../harness/procs.ts";
import { ARTICLE_OUTCOMES, explain, fixture, NO_PYTHON, PYTHON, runCheck } from "./check-run.ts";
import { runBlock } from "./doc-blocks.ts";

test.after.each(reapAll);

const ROLES = ["tcp-server", "tcp-client", "udp-server", "udp-client"] as const;
const wanted = process.env.CHECK_MATRIX === "1";
const article = process.env.CHECK_ARTICLE_DIR;

// Each test below is declared where it cannot run too, and skipped, so that the run counts it.
if (!wanted && !article) {
  console.log(
    "check matrix skipped: it runs with CHECK_MATRIX=1 (and the article's programs with CHECK_ARTICLE_DIR=DIR)",
  );
} else if (!wanted) {
  console.log("check matrix skipped: it runs with CHECK_MATRIX=1");
} else if (!article) {
  console.log(
    "check matrix: the article's programs are left out: they run with CHECK_ARTICLE_DIR=DIR",
  );
}
const matrixTest = wanted ? test : test.skip;

matrixTest(
  "make check: the four mirrors pass every scenario, conversation and robustness",
  async () => {
    const runs = await Promise.all(
      ROLES.map((role) =>
        runCheck(
          [
            "--strict",
            role,
            "--",
            ...scriptCommand(`${role.replace("-", "/")}.ts`, ["--port", "{port}"]),
          ],
          role,
        ),
      ),
    );
    for (const [n, role] of ROLES.entries()) {
      const run = runs[n] as (typeof runs)[number];
      const program = run.programs[0];
      assert.ok(program);
      const all = Object.fromEntries(
        Object.keys(ARTICLE_OUTCOMES[role] ?? {}).map((id) => [id, "pass"]),
      );
      assert.equal(run.statuses, all, `${role}:\n${explain(program, all)}`);
      assert.equal(run.exit, { code: 0, signal: null }, `${role}: --strict passes`);
      assert.ok(program.seconds < 15, `${role}: ${program.seconds} s`);
    }
  },
);

const namespaces = namespacePrefix() !== undefined;
if (wanted && (NO_PYTHON || !namespaces)) {
  console.log(
    `check matrix: the namespace run is left out: ${NO_PYTHON ?? "no network namespace can be made here (unshare, as this user)"}`,
  );
}
const namespaceTest = wanted && !NO_PYTHON && namespaces ? test : test.skip;

namespaceTest(
  "make check runs programs with 8001 and 8002 written into them in namespaces, side by side, as the article's would fall",
  async () => {
    const runs = await Promise.all(
      ROLES.map((role) =>
        runCheck(
          [role, "--", PYTHON as string, "-S", fixture(`faithful_${role.replace("-", "_")}.py`)],
          role,
        ),
      ),
    );
    for (const [n, role] of ROLES.entries()) {
      const run = runs[n] as (typeof runs)[number];
      const program = run.programs[0];
      assert.ok(program);
      assert.is(program.network, "namespace");
      assert.equal(
        run.statuses,
        ARTICLE_OUTCOMES[role],
        `${role}:\n${explain(program, ARTICLE_OUTCOMES[role] ?? {})}`,
      );
      assert.ok(program.seconds < 15, `${role}: ${program.seconds} s`);
    }
  },
);

/** A home folder for the lesson's commands: ~/homework with the four faithful programs, ~/class with two students. */
function lessonHome(): { home: string; env: NodeJS.ProcessEnv } {
  const home = tempDir("tcp-udp-chat-home-");
  const put = (dir: string, from: string, to: string) => {
    mkdirSync(join(home, dir), { recursive: true });
    copyFileSync(fixture(from), join(home, dir, to));
  };
  for (const role of ROLES) {
    const file = `${role.replace("-", "_")}.py`;
    put("homework", `faithful_${file}`, file);
  }
  put("class/alice", "faithful_tcp_server.py", "tcp_server.py");
  put("class/bob", "deaf_tcp_server.py", "tcp_server.py");
  // python3 may be a pyenv shim, which finds its versions from the real home
  const pyenv = join(homedir(), ".pyenv");
  return { home, env: { HOME: home, ...(existsSync(pyenv) ? { PYENV_ROOT: pyenv } : {}) } };
}

if (wanted && NO_PYTHON)
  console.log(`check matrix: the lesson's commands are left out: ${NO_PYTHON}`);
const lessonTest = wanted && !NO_PYTHON ? test : test.skip;

lessonTest(
  "the lesson's commands, run as written: a homework folder, a pair, a class graded in a loop",
  async () => {
    const { home, env } = lessonHome();
    const run = (name: string) => {
      const proc = spawnProgram(name, ["bash", "-c", runBlock(name)], { env });
      proc.endInput();
      return proc;
    };
    const [homework, pair, klass] = [run("check-homework"), run("check-pair"), run("check-class")];
    for (const proc of [homework, pair]) {
      assert.equal(await proc.waitExit(120_000), { code: 0, signal: null }, proc.transcript());
    }
    assert.is(
      homework.stdout.match(/PASS: every conversation scenario passed/g)?.length,
      4,
      homework.stdout,
    );
    assert.match(homework.stdout, /4 of 4 programs passed\.\n$/);
    assert.match(
      pair.stdout,
      /^━━ tcp-pair: python3 \S+\/homework\/tcp_server\.py \+ python3 \S+\/homework\/tcp_client\.py\n/,
    );
    assert.match(pair.stdout, /✓ conversation/);
    assert.equal(await klass.waitExit(120_000), { code: 0, signal: null }, klass.transcript());
    assert.is(klass.stdout, `${home}/class/alice/ 0\n${home}/class/bob/ 2\n`, klass.transcript());
    const grade = (who: string) =>
      JSON.parse(readFileSync(join(home, "class", who, "check.json"), "utf8")).passed;
    assert.equal([grade("alice"), grade("bob")], [true, false]);
    assert.match(
      readFileSync(join(home, "class/bob/check.xml"), "utf8"),
      /<failure message="after byebye it showed 高望&gt;&gt;&gt; again/,
    );
  },
);

if (article && NO_PYTHON)
  console.log(`check matrix: the article's programs are left out: ${NO_PYTHON}`);
const articleTest = article && !NO_PYTHON ? test : test.skip;

articleTest(
  "make check --dir: the article's four programs pass every conversation scenario byte for byte, and fall where docs/06 says",
  async () => {
    const run = await runCheck(["--dir", article as string, "--pair", "both"]);
    const subjects = run.programs.map((p) => p.subject);
    assert.equal(subjects, [...ROLES, "tcp-pair", "udp-pair"], "all four programs and both pairs");
    for (const program of run.programs) {
      const want = ARTICLE_OUTCOMES[program.subject] ?? { conversation: "pass" };
      const got = Object.fromEntries(program.scenarios.map((s) => [s.id, s.status]));
      assert.equal(got, want, `${program.subject}:\n${explain(program, want)}`);
      assert.ok(program.seconds < 15, `${program.subject}: ${program.seconds} s`);
      for (const s of program.scenarios.filter((s) => s.status === "as-article")) {
        assert.ok(s.message && !s.message.includes("\n"), `${program.subject}/${s.id}: one line`);
        assert.match(s.lesson, /^docs\/\d\d-/);
      }
    }
    assert.equal(run.exit, { code: 0, signal: null });
  },
);

test.run();
