// make check on our faithful fixtures (check/fixtures/faithful_*.py), which behave as the
// article's four programs do: every conversation scenario passes, every pitfall falls as
// docs/06 says, and the report says so in one line per pitfall with its lesson, in English
// and in 中文, as JSON and as JUnit XML; the exit code is the autograder's verdict.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { reapAll, spawnScript, tempDir } from "../harness/procs.ts";
import { testUnless } from "../harness/skip.ts";
import { ARTICLE_OUTCOMES, explain, NO_PYTHON, py, runCheck } from "./check-run.ts";

test.after.each(reapAll);

const ROLES = ["tcp-server", "tcp-client", "udp-server", "udp-client"] as const;

const pythonTest = testUnless(NO_PYTHON, "check tests");

pythonTest(
  "make check holds the faithful programs to the conversation byte for byte, and finds the article's pitfalls in them",
  async () => {
    const runs = await Promise.all(
      ROLES.map((role) =>
        runCheck(["--timeout", "4", role, ...py(`faithful_${role.replace("-", "_")}.py`)], role),
      ),
    );
    for (const [n, role] of ROLES.entries()) {
      const run = runs[n] as (typeof runs)[number];
      const program = run.programs[0];
      assert.ok(program);
      assert.equal(
        run.statuses,
        ARTICLE_OUTCOMES[role],
        `${role}:\n${explain(program, ARTICLE_OUTCOMES[role] ?? {})}`,
      );
      assert.equal(
        run.exit,
        { code: 0, signal: null },
        `${role}: every conversation scenario passed`,
      );
      assert.is(program.network, "port-arg");
      assert.is(program.terminal, "pipe");
      for (const s of program.scenarios.filter((s) => s.status === "as-article")) {
        assert.match(
          s.message ?? "",
          /as (in )?the article's|as with the article's/,
          `${role}/${s.id}: ${s.message}`,
        );
        assert.match(s.lesson, /^docs\/\d\d-[\w-]+\.md#[\w-]+$/, `${role}/${s.id}`);
      }
      assert.ok(program.seconds < 15, `${role}: ${program.seconds} s`);
    }
  },
);

pythonTest(
  "make check's report gives each pitfall one line and its lesson, in English and in 中文, and --strict counts them",
  async () => {
    const args = ["--only", "stdin-ends,prompt", "tcp-client", ...py("faithful_tcp_client.py")];
    const en = spawnScript("check/main.ts", ["--lang", "en", ...args], "en");
    const zh = spawnScript("check/main.ts", ["--strict", ...args], "zh", {
      env: { LANG: "zh_CN.UTF-8", LC_ALL: undefined },
    });
    assert.equal(await en.waitExit(30_000), { code: 0, signal: null }, en.transcript());
    assert.equal(await zh.waitExit(30_000), { code: 1, signal: null }, zh.transcript());
    assert.match(
      en.stdout,
      /\n {3}≈ stdin-ends +input\(\) raised EOFError when stdin ended: a traceback, as the article's program prints\.\n +read: docs\/06-pitfalls\.md#stdin-ends\n/,
    );
    assert.match(en.stdout, /✓ prompt +it connects to 127\.0\.0\.1/);
    assert.match(en.stdout, /PASS: every conversation scenario passed/);
    assert.match(
      zh.stdout,
      /≈ stdin-ends +标准输入结束时 input\(\) 抛出 EOFError：打印了异常栈，和文章程序一样。\n +阅读：docs\/zh\/06-pitfalls\.md#标准输入结束\n/,
    );
    assert.match(zh.stdout, /未通过：有场景没有通过（--strict 也计入健壮性场景）。/);
  },
);

pythonTest(
  "make check writes JUnit XML for grading tools: conversation failures fail, robustness is skipped unless --strict",
  async () => {
    const dir = tempDir();
    const xml = join(dir, "check.xml");
    const run = await runCheck([
      "--junit",
      xml,
      "--only",
      "english,stdin-ends",
      "udp-server",
      ...py("faithful_udp_server.py"),
    ]);
    assert.equal(run.exit, { code: 0, signal: null });
    const text = readFileSync(xml, "utf8");
    assert.match(
      text,
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="make check">\n {2}<testsuite name="udp-server: [^"]+" tests="2" failures="0" errors="0" skipped="1" /,
    );
    assert.match(
      text,
      /<testcase classname="udp-server\.conversation" name="udp-server\/english: [^"]+" time="[\d.]+"><\/testcase>/,
    );
    assert.match(
      text,
      /<testcase classname="udp-server\.robustness" name="udp-server\/stdin-ends: [^"]+" time="[\d.]+"><skipped message="as-article: input\(\) raised EOFError/,
    );
  },
);

pythonTest(
  "make check refuses a command line it cannot read: usage on stderr, exit 2",
  async () => {
    for (const args of [
      ["tcp-sever", "--", "python3", "x.py"],
      ["tcp-server"],
      ["--lang", "fr", "tcp-server", "--", "x"],
      ["--pair", "tcp"],
    ]) {
      const proc = spawnScript("check/main.ts", args, args.join(" "));
      assert.equal(await proc.waitExit(), { code: 2, signal: null }, proc.transcript());
      assert.match(proc.stderr, /^check: .+\nusage: make check/);
      assert.is(proc.stdout, "");
    }
  },
);

test.run();
