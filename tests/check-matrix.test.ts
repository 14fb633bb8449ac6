// The long matrix of make check, for CI (CI=true, as .ci/run sets it) or on demand
// (CHECK_MATRIX=1 make test ARGS=check-matrix): the four mirrors pass every scenario; the
// four faithful fixtures, with the article's ports written into them, run each scenario in
// a network namespace of its own and fall as the article's programs do; and, when you give
// the folder where you typed the article's four programs (CHECK_ARTICLE_DIR=DIR, as
// make bench takes --python DIR), the article's own programs and their pairs do the same.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { namespacePrefix } from "../check/network.ts";
import { reapAll, scriptCommand } from "../harness/procs.ts";
import { ARTICLE_OUTCOMES, explain, fixture, NO_PYTHON, PYTHON, runCheck } from "./check-run.ts";

test.after.each(reapAll);

const ROLES = ["tcp-server", "tcp-client", "udp-server", "udp-client"] as const;
const wanted = process.env.CI === "true" || process.env.CHECK_MATRIX === "1";
const article = process.env.CHECK_ARTICLE_DIR;

if (!wanted && !article) {
  console.log(
    "check matrix skipped: it runs under CI=true, or with CHECK_MATRIX=1 (and the article's programs with CHECK_ARTICLE_DIR=DIR)",
  );
}

if (wanted) {
  test("make check: the four mirrors pass every scenario, conversation and robustness", async () => {
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
  });
}

const namespaces = namespacePrefix() !== undefined;
if (wanted && !NO_PYTHON && namespaces) {
  test("make check runs programs with 8001 and 8002 written into them in namespaces, side by side, as the article's would fall", async () => {
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
  });
} else if (wanted) {
  console.log(
    `check matrix: the namespace run is left out: ${NO_PYTHON ?? "no network namespace can be made here (unshare, as this user)"}`,
  );
}

if (article && !NO_PYTHON) {
  test("make check --dir: the article's four programs pass every conversation scenario byte for byte, and fall where docs/06 says", async () => {
    const run = await runCheck(["--dir", article, "--pair", "both"]);
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
  });
}

test.run();
