/**
 * Run one scenario against one program, however it ends: it passes, a step finds a problem,
 * or it is cut off at its cap. The result is an {@linkcode Outcome} that can cross a pipe as
 * JSON (a scenario run in a network namespace of its own reports this way): the verdict, the
 * transcripts of every program it started, and the bytes on the wire. Every process and
 * socket of the scenario is gone when it returns.
 *
 * @example
 * ```ts
 * import { runScenario } from "./run-scenario.ts";
 * const outcome = await runScenario(TCP_SERVER[0], setup, 10_000);
 * outcome.status; // "pass"
 * ```
 * @module
 */
import { Context, type Setup } from "./context.ts";
import type { Lesson } from "./lessons.ts";
import { Finding, type Outcome, type Scenario, type Status, type Transcript } from "./scenario.ts";
import { secs } from "./scenarios/steps.ts";
import { type Text, t } from "./text.ts";

/** A scenario on its way, which can be cut off before it ends. */
export interface Running {
  outcome: Promise<Outcome>;
  /** Cut it off now (its outcome says so). */
  cancel(): void;
}

const tail = (text: string, n: number) => (text.length > n ? `…${text.slice(-n)}` : text);

/** Start `scenario`; it is cut off after `capMs`, or when `cancel()` is called. */
export function startScenario(scenario: Scenario, setup: Setup, capMs: number): Running {
  const ctx = new Context(setup);
  const started = Date.now();
  let cut: (why: Text) => void = () => {};
  const cutOff = new Promise<Text>((resolve) => {
    cut = resolve;
  });
  const timer = setTimeout(
    () =>
      cut(
        t(
          `cut off after ${secs(capMs)}: the scenario had not ended.`,
          `${secs(capMs)} 后被强行停止：场景还没有结束。`,
        ),
      ),
    capMs,
  );
  const outcome = (async (): Promise<Outcome> => {
    let status: Status = "pass";
    let message: Text | undefined;
    let hint: Text | undefined;
    let tag: string | undefined;
    let lesson: Lesson | undefined;
    const run = scenario.run(ctx);
    run.catch(() => {}); // once cut off, whatever it throws later is no longer news
    try {
      const why = await Promise.race([run.then(() => undefined), cutOff]);
      if (why) [status, message] = ["fail", why];
      else message = ctx.note;
    } catch (err) {
      if (err instanceof Finding) {
        [status, message, hint, tag, lesson] = [
          err.status,
          err.text,
          err.hint,
          err.tag,
          err.lesson,
        ];
      } else {
        status = "fail";
        const said = (err as Error).message ?? String(err);
        message = t(`the checker could not go on: ${said}`, `检查程序无法继续：${said}`);
      }
    }
    clearTimeout(timer);
    const transcripts: Transcript[] = ctx.programs.map((program, n) => ({
      name: program.name,
      stream: program.terminal === "pty" ? "terminal" : "stdout",
      expected: n === 0 ? ctx.expect : program.name === "client" ? ctx.expectClient : "",
      actual: tail(program.stdout, 4000),
      stderr: tail(program.stderr, 1500),
      ended: program.ended(),
    }));
    await ctx.close();
    return {
      id: scenario.id,
      status,
      message,
      hint,
      tag,
      lesson,
      transcripts,
      wire: ctx.wire.events,
      ms: Date.now() - started,
    };
  })();
  return {
    outcome,
    cancel: () =>
      cut(
        t("stopped: the checker no longer needed this run.", "已停止：检查程序不再需要这次运行。"),
      ),
  };
}
