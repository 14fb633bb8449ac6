/**
 * The report a learner reads, in English or 中文: for each program, how it was run, then a
 * line per scenario (✓ pass, ✗ fail, ≈ "as the article's program does", – not run), and for
 * a failure what happened, what to do, the expected and actual transcripts side by side, the
 * bytes on the wire, and the lesson to read. It ends with the verdict the exit code carries.
 *
 * @example
 * ```ts
 * import { textReport } from "./report.ts";
 * process.stdout.write(textReport([report], { lang: "zh", strict: false }));
 * ```
 * @module
 */
import { fit, lines, sideBySide, visible } from "./columns.ts";
import { hexOf } from "./diagnose.ts";
import { lessonLink } from "./lessons.ts";
import type { WireEvent } from "./peers.ts";
import type { ProgramReport, Result } from "./runner.ts";
import type { Status } from "./scenario.ts";
import { peerName, secs } from "./scenarios/steps.ts";
import { type Lang, say, type Text, t } from "./text.ts";

export interface ReportOptions {
  lang: Lang;
  strict: boolean;
}

const MARK: Record<Status, string> = { pass: "✓", fail: "✗", "as-article": "≈", skipped: "–" };

/** Whether a program passes: every conversation scenario (with `strict`, every scenario). */
export function programPassed(report: ProgramReport, strict: boolean): boolean {
  return report.results.every((r) => r.status === "pass" || (!strict && r.kind === "robustness"));
}

/** The status in words. */
export function statusText(status: Status): Text {
  switch (status) {
    case "pass":
      return t("pass", "通过");
    case "fail":
      return t("fail", "未通过");
    case "as-article":
      return t("as the article's program does", "和文章程序一样");
    default:
      return t("not run", "未运行");
  }
}

/** The bytes on the wire: one line per read, write, datagram, FIN or reset. */
export function wireLines(events: WireEvent[], lang: Lang, max = 12): string[] {
  const merged: WireEvent[] = [];
  for (const e of events) {
    const last = merged.at(-1);
    const same = last && last.peer === e.peer && last.dir === e.dir && !last.port && !e.port;
    if (same && last?.hex !== undefined && e.hex !== undefined) {
      if (last.hex.length < 512) last.hex = (last.hex + e.hex).slice(0, 512);
      last.size = (last.size ?? 0) + (e.size ?? 0);
    } else merged.push({ ...e });
  }
  const program = say(lang, t("program", "程序"));
  const out = merged.slice(0, max).map((e) => {
    const peer = lang === "zh" ? peerName(e.peer) : e.peer;
    const arrow = e.dir === "out" ? `${peer} → ${program}` : `${program} → ${peer}`;
    const at = `${String(e.at).padStart(5)} ms`;
    if (e.hex === undefined) return `${at}  ${fit(arrow, 26)} ${e.what ?? ""}`;
    const bytes = Buffer.from(e.hex, "hex");
    const total = e.size ?? bytes.length;
    const shown = total > 16 ? `${hexOf(bytes.subarray(0, 16))} …` : hexOf(bytes) || "(0 bytes)";
    const text = visible(bytes.toString("utf8").slice(0, 40));
    const size = say(lang, t(`${total} B`, `${total} 字节`));
    return `${at}  ${fit(arrow, 26)} ${fit(size, 8)} ${fit(shown, 52)} ${JSON.stringify(text)}`;
  });
  if (merged.length > max) out.push(`… ${merged.length - max} ${say(lang, t("more", "条省略"))}`);
  return out;
}

/** How a program ended, in the report's language: "running", "exit code 1", "signal SIGINT". */
export function endedText(ended: string, lang: Lang): string {
  if (lang === "en") return ended;
  return ended
    .replace("running", "仍在运行")
    .replace("exit code", "退出码")
    .replace("signal", "信号");
}

/** A label and its colon, as each language writes it: "read: ", "阅读：". */
const label = (lang: Lang, text: Text) => (lang === "zh" ? `${text.zh}：` : `${text.en}: `);

/** The details under a scenario that did not pass. */
function details(result: Result, lang: Lang): string[] {
  const out: string[] = [];
  out.push(`${label(lang, t("checks", "检查"))}${say(lang, result.title)}`);
  if (result.hint) out.push(`→ ${say(lang, result.hint)}`);
  if (result.status === "fail") {
    for (const tr of result.transcripts) {
      const stream = tr.stream === "terminal" ? say(lang, t("terminal", "终端")) : "stdout";
      const who = result.transcripts.length > 1 ? `${tr.name} ` : "";
      const actualHead = `${say(lang, t("actual", "实际"))} (${who}${stream}, ${endedText(tr.ended, lang)})`;
      if (tr.expected !== "") {
        out.push(
          ...sideBySide(
            `${say(lang, t("expected", "应为"))} (${who}${stream})`,
            tr.expected,
            actualHead,
            tr.actual,
          ).map((l) => `  ${l}`),
        );
      } else if (tr.actual !== "") {
        out.push(
          `${actualHead}:`,
          ...lines(tr.actual)
            .slice(-10)
            .map((l) => `  ${fit(l, 76).trimEnd()}`),
        );
      }
      const err = tr.stderr.trim();
      if (err) {
        out.push(`${who}stderr:`);
        out.push(
          ...err
            .split("\n")
            .slice(-4)
            .map((l) => `  ${visible(l)}`),
        );
      }
    }
    if (result.wire.length > 0) {
      out.push(say(lang, t("on the wire:", "网络上的字节：")));
      out.push(...wireLines(result.wire, lang).map((l) => `  ${l}`));
    }
  }
  out.push(`${label(lang, t("read", "阅读"))}${lessonLink(result.lesson, lang)}`);
  return out;
}

/** How many scenarios of `kind` ended with each status, in words. */
function tally(results: Result[], lang: Lang): string {
  const parts: string[] = [];
  for (const status of ["pass", "as-article", "fail", "skipped"] as Status[]) {
    const n = results.filter((r) => r.status === status).length;
    if (n > 0) parts.push(`${n} ${say(lang, statusText(status))}`);
  }
  return parts.join(" · ");
}

/** The report of one program. */
export function programReport(report: ProgramReport, options: ReportOptions): string {
  const { lang, strict } = options;
  const out: string[] = [];
  out.push(`━━ ${report.subject}: ${report.label}`);
  out.push(`   ${label(lang, t("in", "目录"))}${report.cwd}`);
  for (const note of report.notes) out.push(`   ${say(lang, note)}`);
  const sections: [Result["kind"], Text][] = [
    [
      "conversation",
      t("conversation: the article's behaviour, byte for byte", "对话：文章程序的行为，逐字节一致"),
    ],
    [
      "robustness",
      t(
        "robustness: the pitfalls of docs/06 and the chapters after it",
        "健壮性：docs/06 及后续各章讲的陷阱",
      ),
    ],
  ];
  const idWidth = Math.max(...report.results.map((r) => r.id.length), 8) + 2;
  for (const [kind, heading] of sections) {
    const mine = report.results.filter((r) => r.kind === kind);
    if (mine.length === 0) continue;
    out.push("");
    out.push(`   ${label(lang, heading)}${tally(mine, lang)}`);
    for (const r of mine) {
      const line =
        r.status === "pass" ? say(lang, r.title) : say(lang, r.message ?? statusText(r.status));
      out.push(`   ${MARK[r.status]} ${fit(r.id, idWidth)}${line}`);
      if (r.status === "pass" && r.message) {
        const [open, close] = lang === "zh" ? ["（", "）"] : ["(", ")"];
        out.push(`${" ".repeat(idWidth + 5)}${open}${say(lang, r.message)}${close}`);
      }
      if (r.status === "fail")
        out.push(...details(r, lang).map((l) => `${" ".repeat(idWidth + 5)}${l}`));
      else if (r.status === "as-article") {
        out.push(
          `${" ".repeat(idWidth + 5)}${label(lang, t("read", "阅读"))}${lessonLink(r.lesson, lang)}`,
        );
      }
    }
  }
  out.push("");
  const passed = programPassed(report, strict);
  const verdict = passed
    ? strict
      ? t("PASS: every scenario passed (--strict).", "通过：所有场景都通过（--strict）。")
      : t(
          "PASS: every conversation scenario passed (robustness counts only with --strict).",
          "通过：所有对话场景都通过（健壮性场景只在 --strict 下计入）。",
        )
    : strict
      ? t(
          "FAIL: some scenario did not pass (--strict counts robustness too).",
          "未通过：有场景没有通过（--strict 也计入健壮性场景）。",
        )
      : t("FAIL: some conversation scenario did not pass.", "未通过：有对话场景没有通过。");
  out.push(`   ${say(lang, verdict)}  ${secs(report.ms)}`);
  return `${out.join("\n")}\n`;
}

/** The report of every program checked, and a last line for all of them. */
export function textReport(reports: ProgramReport[], options: ReportOptions): string {
  const parts = reports.map((r) => programReport(r, options));
  if (reports.length > 1) {
    const passed = reports.filter((r) => programPassed(r, options.strict)).length;
    parts.push(
      `${say(
        options.lang,
        t(
          `${passed} of ${reports.length} programs passed.`,
          `${reports.length} 个程序中有 ${passed} 个通过。`,
        ),
      )}\n`,
    );
  }
  return parts.join("\n");
}
