// The lesson "Check your own program" (docs/check.md, docs/zh/check.md) stays true to make
// check: its report excerpt is what the command above it prints (times and folders aside), in
// English and in 中文; every scenario is in its tables; and every lesson the checker's report
// sends a learner to exists, heading and all, in both languages.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { LESSONS, lessonLink, slug } from "../check/lessons.ts";
import { ALL_SCENARIOS } from "../check/scenarios/catalogue.ts";
import { ROOT, reapAll, spawnProgram } from "../harness/procs.ts";
import { testUnless } from "../harness/skip.ts";
import { NO_PYTHON } from "./check-run.ts";
import { blocks, runBlock } from "./doc-blocks.ts";

test.after.each(reapAll);

const read = (page: string) => readFileSync(join(ROOT, page), "utf8");

test("every lesson make check's report points to exists, heading and all, in English and in 中文", () => {
  for (const [name, lesson] of Object.entries(LESSONS)) {
    for (const lang of ["en", "zh"] as const) {
      const page = lang === "zh" ? `docs/zh/${lesson.page}` : `docs/${lesson.page}`;
      const anchors = [...read(page).matchAll(/^#{1,4} (.+)$/gm)].map((m) => slug(m[1] as string));
      const link = lessonLink(lesson, lang);
      assert.ok(
        anchors.includes(link.split("#")[1] as string),
        `${name}: ${link} (headings: ${anchors.join(", ")})`,
      );
    }
  }
});

test("the lesson's tables name every scenario make check has, in English and in 中文", () => {
  for (const page of ["docs/check.md", "docs/zh/check.md"]) {
    const text = read(page);
    for (const s of ALL_SCENARIOS) assert.ok(text.includes(`\`${s.id}\``), `${page}: no ${s.id}`);
  }
});

/** A report with what changes from run to run made plain: times, and the lines about where it ran. */
function normal(report: string): string {
  return report
    .split("\n")
    .filter((line) => !/^ {3}(in: |目录：|its port|它的端口)/.test(line))
    .map((line) => line.replace(/^ +\d+ ms {2}/, "  N ms  ").replace(/ {2}\d+(\.\d+)? s$/, "  N s"))
    .join("\n")
    .trim();
}

const pythonTest = testUnless(NO_PYTHON, "lesson run");

pythonTest(
  "the lesson's report is what its command prints, in English and in 中文 (run as written, through make)",
  async () => {
    const command = runBlock("check-fixture");
    const en = spawnProgram("en", ["bash", "-c", command], {
      env: { LANG: "C.UTF-8", LC_ALL: undefined },
    });
    const zh = spawnProgram("zh", ["bash", "-c", command], {
      env: { LANG: "zh_CN.UTF-8", LC_ALL: undefined },
    });
    en.endInput();
    zh.endInput();
    for (const [proc, page] of [
      [en, "docs/check.md"],
      [zh, "docs/zh/check.md"],
    ] as const) {
      const exit = await proc.waitExit(30_000);
      if (
        /that port is in use on this machine, and no network namespace could be made/.test(
          proc.stdout,
        )
      ) {
        console.log(
          `${page}: not compared: port 8001 is taken here and no namespace can be made (the report says so)`,
        );
        continue;
      }
      assert.equal(exit, { code: 2, signal: null }, proc.transcript()); // make's 2 for the checker's 1
      const shown = blocks(page).find((b) => b.lang === "text")?.body ?? "";
      assert.is(normal(proc.stdout), normal(shown), `${page}:\n${proc.transcript()}`);
    }
  },
);

test.run();
