/**
 * The report for a teacher's tools: JSON (`--json`), one object for the whole run with every
 * program and every scenario (its id, kind, status, message, hint, lesson, transcripts and
 * wire bytes), and JUnit XML (`--junit FILE`), which CI systems and grading tools read. In
 * JUnit a conversation scenario that did not pass is a failure; a robustness one is a failure
 * under `--strict`, and otherwise "skipped", with its verdict as the message.
 *
 * @example
 * ```ts
 * import { jsonReport, junitReport } from "./formats.ts";
 * JSON.stringify(jsonReport([report], { lang: "en", strict: false }));
 * writeFileSync("check.xml", junitReport([report], { lang: "en", strict: false }));
 * ```
 * @module
 */
import { lessonLink } from "./lessons.ts";
import { programPassed, type ReportOptions } from "./report.ts";
import type { ProgramReport } from "./runner.ts";
import { say } from "./text.ts";

/** The whole run as one JSON value (messages in the report's language). */
export function jsonReport(reports: ProgramReport[], options: ReportOptions) {
  const { lang, strict } = options;
  return {
    checker: "tcp-udp-chat make check",
    version: 1,
    lang,
    strict,
    passed: reports.every((r) => programPassed(r, strict)),
    programs: reports.map((r) => ({
      subject: r.subject,
      command: r.label,
      cwd: r.cwd,
      network: r.network,
      port: r.port,
      terminal: r.terminal,
      notes: r.notes.map((n) => say(lang, n)),
      passed: programPassed(r, strict),
      seconds: r.ms / 1000,
      counts: {
        conversation: counts(r, "conversation"),
        robustness: counts(r, "robustness"),
      },
      scenarios: r.results.map((s) => ({
        id: s.id,
        kind: s.kind,
        status: s.status,
        title: say(lang, s.title),
        message: s.message ? say(lang, s.message) : undefined,
        hint: s.hint ? say(lang, s.hint) : undefined,
        lesson: lessonLink(s.lesson, lang),
        seconds: s.ms / 1000,
        transcripts: s.transcripts,
        wire: s.wire,
      })),
    })),
  };
}

function counts(report: ProgramReport, kind: "conversation" | "robustness") {
  const mine = report.results.filter((r) => r.kind === kind);
  const n = (status: string) => mine.filter((r) => r.status === status).length;
  return { pass: n("pass"), fail: n("fail"), asArticle: n("as-article"), skipped: n("skipped") };
}

const xml = (text: string) =>
  text
    // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 cannot hold these characters
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, "")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");

/** The whole run as JUnit XML: a testsuite per program, a testcase per scenario. */
export function junitReport(reports: ProgramReport[], options: ReportOptions): string {
  const { lang, strict } = options;
  const suites = reports.map((r) => {
    const graded = (kind: string) => strict || kind === "conversation";
    const failures = r.results.filter(
      (s) => s.status !== "pass" && s.status !== "skipped" && graded(s.kind),
    ).length;
    const skipped = r.results.filter(
      (s) => s.status === "skipped" || (s.status !== "pass" && !graded(s.kind)),
    ).length;
    const cases = r.results.map((s) => {
      const name = `${r.subject}/${s.id}: ${say(lang, s.title)}`;
      const message = [s.message, s.hint]
        .filter((x) => x !== undefined)
        .map((x) => say(lang, x))
        .join(" → ");
      const read = lessonLink(s.lesson, lang);
      let body = "";
      if (s.status === "skipped") body = `<skipped message="${xml(message)}"/>`;
      else if (s.status !== "pass" && !graded(s.kind)) {
        body = `<skipped message="${xml(`${s.status}: ${message} (robustness, graded with --strict)`)}"/>`;
      } else if (s.status !== "pass") {
        const transcript = s.transcripts
          .map(
            (tr) =>
              `--- ${tr.name} ${tr.stream} (${tr.ended})\nexpected:\n${tr.expected}\nactual:\n${tr.actual}\nstderr:\n${tr.stderr}`,
          )
          .join("\n");
        body = `<failure message="${xml(message)}" type="${s.status}">${xml(`${message}\nread: ${read}\n${transcript}`)}</failure>`;
      }
      return `    <testcase classname="${xml(`${r.subject}.${s.kind}`)}" name="${xml(name)}" time="${(s.ms / 1000).toFixed(3)}">${body}</testcase>`;
    });
    return [
      `  <testsuite name="${xml(`${r.subject}: ${r.label}`)}" tests="${r.results.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${(r.ms / 1000).toFixed(3)}">`,
      ...cases,
      "  </testsuite>",
    ].join("\n");
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="make check">\n${suites.join("\n")}\n</testsuites>\n`;
}
