/**
 * What a scenario is (a name, what it checks, the lesson that explains it, and the steps
 * that play the other side), and what running it gives: an {@linkcode Outcome}, pass, fail,
 * "as the article's program does" or skipped, with the transcripts and the bytes on the wire
 * that show why. A step that finds a problem throws a {@linkcode Finding}.
 *
 * @example
 * ```ts
 * import { fail, type Scenario } from "./scenario.ts";
 * const hello: Scenario = {
 *   id: "hello", role: "tcp-server", kind: "conversation", lesson: LESSONS.tcpServer,
 *   title: t("says hello", "打招呼"),
 *   async run(ctx) { if (!ok) throw fail(t("no hello", "没有打招呼")); },
 * };
 * ```
 * @module
 */
import type { Context } from "./context.ts";
import type { Lesson } from "./lessons.ts";
import type { WireEvent } from "./peers.ts";
import type { Role } from "./roles.ts";
import type { Text } from "./text.ts";

export type Status = "pass" | "fail" | "as-article" | "skipped";
export type ScenarioKind = "conversation" | "robustness";
/** A single program, or a server and a client program talking to each other. */
export type Subject = Role | "tcp-pair" | "udp-pair";

export interface Scenario {
  /** Short, stable, for `--only` and for grading tools: `byebye`, `split-char`. */
  id: string;
  role: Subject;
  kind: ScenarioKind;
  /** What it checks, in one line. */
  title: Text;
  lesson: Lesson;
  /** Whether it needs the program's prompt to show (the first ones do not: where it listens). */
  needsPrompt?: boolean;
  run(ctx: Context): Promise<void>;
}

/** The transcript of one program: what a faithful program shows at that point, and what it showed. */
export interface Transcript {
  name: string;
  /** "stdout", or "terminal" when the program ran on one (stdout and stderr together). */
  stream: "stdout" | "terminal";
  expected: string;
  actual: string;
  /** The end of its stderr (a traceback), when it printed one apart. */
  stderr: string;
  /** How it ended: running, exit code N, signal S. */
  ended: string;
}

export interface Outcome {
  id: string;
  status: Status;
  /** What happened, in one line (for a pass: what was seen, if worth saying). */
  message?: Text;
  /** What to do about it. */
  hint?: Text;
  /** Why the run took another path: "no-prompt" when the prompt never showed. */
  tag?: string;
  /** The lesson for this outcome, when it is not the scenario's own. */
  lesson?: Lesson;
  transcripts: Transcript[];
  wire: WireEvent[];
  ms: number;
}

/** A problem a step found: the scenario ends with it. */
export class Finding extends Error {
  readonly status: Exclude<Status, "pass">;
  readonly text: Text;
  readonly hint: Text | undefined;
  readonly tag: string | undefined;
  /** A lesson that explains this finding better than the scenario's own. */
  lesson: Lesson | undefined;

  constructor(status: Exclude<Status, "pass">, text: Text, hint?: Text, tag?: string) {
    super(text.en);
    this.status = status;
    this.text = text;
    this.hint = hint;
    this.tag = tag;
  }
}

/** The program does not do what the article's does (or, for robustness, fails in its own way). */
export function fail(text: Text, hint?: Text, tag?: string, lesson?: Lesson): Finding {
  const finding = new Finding("fail", text, hint, tag);
  finding.lesson = lesson;
  return finding;
}

/** The program falls into the pitfall just as the article's program does (robustness only). */
export function likeArticle(text: Text, hint?: Text): Finding {
  return new Finding("as-article", text, hint);
}
