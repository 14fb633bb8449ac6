/**
 * The robustness scenarios that all four programs share, written once for any role: stdin
 * ending, Ctrl-C, bytes that are not UTF-8, control characters, a character split across
 * two segments (TCP), a message longer than one 1024-byte read. Each knows what the
 * article's program does there (docs/06) and calls that "as the article's program does".
 *
 * @example
 * ```ts
 * import { commonRobustness } from "./common.ts";
 * const scenarios = commonRobustness("tcp-server"); // stdin-ends, ctrl-c, not-utf8, …
 * ```
 * @module
 */
import type { Context } from "../context.ts";
import { outputHint } from "../diagnose.ts";
import { LESSONS } from "../lessons.ts";
import { ROLES, type Role } from "../roles.ts";
import { fail, likeArticle, type Scenario } from "../scenario.ts";
import { type Text, t } from "../text.ts";
import { atPrompt, partner } from "./drive.ts";
import { count, exceptionHint, secs, stuck } from "./steps.ts";

/** After something was done to the program at its prompt, wait for it to end; judge how. */
async function endsCleanly(
  ctx: Context,
  done: Text,
  articleException: string,
  article: Text,
): Promise<void> {
  const program = ctx.program;
  const ended = await ctx.until(() => !program.running, ctx.deadline, { whileRunning: false });
  await program.settle(1000);
  const crash = program.crash();
  if (crash?.exception === articleException) throw likeArticle(article, exceptionHint(crash));
  if (crash)
    throw fail(
      t(`${done.en}, it crashed: ${crash.summary}`, `${done.zh}，它崩溃了：${crash.summary}`),
      exceptionHint(crash),
    );
  if (program.flooded) throw await stuck(ctx, program, t("it to end", "它结束"));
  if (!ended) {
    throw fail(
      t(
        `${done.en}, it was still running ${secs(ctx.deadline)} later.`,
        `${done.zh}，${secs(ctx.deadline)} 后它仍在运行。`,
      ),
      t(
        "a person who presses it means: stop. Close the socket and exit.",
        "用户按下它的意思就是：停下。关闭套接字并退出。",
      ),
    );
  }
  ctx.note = t(
    `it ended (${program.ended()}), without a traceback.`,
    `它结束了（${program.ended()}），没有打印异常栈。`,
  );
}

function stdinEnds(role: Role): Scenario {
  return {
    id: "stdin-ends",
    role,
    kind: "robustness",
    title: t(
      "stdin ends (Ctrl-D) at the prompt: the program closes and exits, without a traceback",
      "在提示符处标准输入结束（Ctrl-D）：程序关闭连接并退出，不打印异常栈",
    ),
    lesson: LESSONS.stdinEnds,
    async run(ctx) {
      await atPrompt(ctx);
      ctx.program.endInput();
      await endsCleanly(
        ctx,
        t("when stdin ended", "标准输入结束后"),
        "EOFError",
        t(
          "input() raised EOFError when stdin ended: a traceback, as the article's program prints.",
          "标准输入结束时 input() 抛出 EOFError：打印了异常栈，和文章程序一样。",
        ),
      );
    },
  };
}

function ctrlC(role: Role): Scenario {
  return {
    id: "ctrl-c",
    role,
    kind: "robustness",
    title: t(
      "Ctrl-C at the prompt: the program closes and exits, without a traceback",
      "在提示符处按 Ctrl-C：程序关闭连接并退出，不打印异常栈",
    ),
    lesson: LESSONS.ctrlC,
    async run(ctx) {
      await atPrompt(ctx);
      // a program that has just printed its prompt may not be waiting for input yet: a signal
      // that comes before its read is only noticed after it (Python's input() is one)
      await ctx.until(() => ctx.program.sleeping(), ctx.quiet);
      ctx.program.interrupt();
      const ended = () => !ctx.program.running;
      if (!(await ctx.until(ended, ctx.quiet, { whileRunning: false }))) ctx.program.interrupt(); // and a person presses again
      await endsCleanly(
        ctx,
        t("after Ctrl-C", "按下 Ctrl-C 后"),
        "KeyboardInterrupt",
        t(
          "Ctrl-C raised KeyboardInterrupt: a traceback, as the article's program prints.",
          "Ctrl-C 引发 KeyboardInterrupt：打印了异常栈，和文章程序一样。",
        ),
      );
    },
  };
}

/**
 * The partner sends `bytes`; wait until the program shows its next prompt, or ends. A
 * UnicodeDecodeError is the article's; any other crash is the program's own.
 */
async function receives(ctx: Context, bytes: Buffer, what: Text): Promise<void> {
  const other = await partner(ctx);
  const prompt = ctx.info.prompt;
  const before = count(ctx.program.stdout, prompt);
  await other.send(bytes);
  const went = await ctx.until(() => count(ctx.program.stdout, prompt) > before);
  if (went) return;
  await ctx.program.settle(1000);
  const crash = ctx.program.crash();
  if (crash?.exception === "UnicodeDecodeError") {
    throw likeArticle(
      t(
        `${what.en} ended it with UnicodeDecodeError, as the article's program ends: .decode('utf-8') is strict.`,
        `${what.zh}让它因 UnicodeDecodeError 崩溃，和文章程序一样：.decode('utf-8') 遇错即抛出异常。`,
      ),
      exceptionHint(crash),
    );
  }
  throw await stuck(
    ctx,
    ctx.program,
    t(`${prompt} after ${what.en}`, `${what.zh}之后的 ${prompt}`),
  );
}

function notUtf8(role: Role): Scenario {
  return {
    id: "not-utf8",
    role,
    kind: "robustness",
    title: t(
      "bytes that are not UTF-8 (ok\\xff\\xfe) arrive: shown somehow, and the conversation goes on",
      "收到不是 UTF-8 的字节（ok\\xff\\xfe）：总要显示出来，对话继续",
    ),
    lesson: LESSONS.notUtf8,
    async run(ctx) {
      await receives(
        ctx,
        Buffer.from([0x6f, 0x6b, 0xff, 0xfe]),
        t("bytes that are not UTF-8", "不是 UTF-8 的字节"),
      );
    },
  };
}

const HOSTILE = Buffer.from("look\x1b[2J\x07\rhidden", "latin1");

function controlChars(role: Role): Scenario {
  return {
    id: "control-chars",
    role,
    kind: "robustness",
    title: t(
      "control characters arrive (ESC [2J, BEL, CR): never written raw to the terminal",
      "收到控制字符（ESC [2J、BEL、CR）：不能原样写到终端上",
    ),
    lesson: LESSONS.control,
    async run(ctx) {
      await receives(ctx, HOSTILE, t("control characters", "控制字符"));
      const raw = [0x1b, 0x07, 0x0d].filter((b) => ctx.program.stdoutBytes.includes(b));
      if (raw.length > 0) {
        throw likeArticle(
          t(
            "it wrote the peer's ESC, BEL and CR to the terminal as they came, as the article's program does: a peer can clear your screen, ring the bell and rewrite the line you read.",
            "它把对方发来的 ESC、BEL、CR 原样写到终端，和文章程序一样：对方可以清掉你的屏幕、让终端响铃、改写你正在看的那一行。",
          ),
          t(
            "show control characters escaped before printing: text.encode('unicode_escape') or repr(), keeping \\t and \\n.",
            "打印前把控制字符转义：用 text.encode('unicode_escape') 或 repr()，保留 \\t 和 \\n。",
          ),
        );
      }
    },
  };
}

function splitChar(role: Role): Scenario {
  return {
    id: "split-char",
    role,
    kind: "robustness",
    title: t(
      "你好 arrives in two segments, 你 cut after its first two bytes: shown whole, 你好",
      "你好 分成两个报文段到达，你 的前两个字节在第一段：完整显示为 你好",
    ),
    lesson: LESSONS.split,
    async run(ctx) {
      const other = await partner(ctx);
      const bytes = Buffer.from("你好", "utf8");
      const prompt = ctx.info.prompt;
      ctx.expect += ctx.info.shown("你好", other.from) + prompt;
      const before = count(ctx.program.stdout, prompt);
      await other.send(bytes.subarray(0, 2));
      // the program has read the first part when its socket holds nothing unread
      await ctx.until(() => other.unread() === 0);
      await other.send(bytes.subarray(2));
      const shown = () =>
        ctx.program.stdout.includes("你好") && count(ctx.program.stdout, prompt) > before;
      if (await ctx.until(() => shown() || count(ctx.program.stdout, prompt) > before)) {
        if (shown()) return;
        throw fail(
          t(
            "the first two bytes of 你 were shown as a message of their own, and 你好 never whole.",
            "你 的前两个字节被单独当作一条消息显示，你好 始终没有完整显示。",
          ),
          exceptionHint({ summary: "", exception: "UnicodeDecodeError" }),
        );
      }
      await ctx.program.settle(1000);
      const crash = ctx.program.crash();
      if (crash?.exception === "UnicodeDecodeError") {
        throw likeArticle(
          t(
            "a read that ended inside 你 raised UnicodeDecodeError, as in the article's program.",
            "一次读取停在 你 的中间，引发 UnicodeDecodeError，和文章程序一样。",
          ),
          exceptionHint(crash),
        );
      }
      throw await stuck(ctx, ctx.program, t("你好", "你好"));
    },
  };
}

/** 400 × 你: 1200 bytes, so a 1024-byte read ends inside the 342nd character. */
const LONG = "你".repeat(400);

function longMessage(role: Role): Scenario {
  const udp = ROLES[role].kind === "udp";
  return {
    id: udp ? "long-datagram" : "long-message",
    role,
    kind: "robustness",
    title: udp
      ? t(
          "a 1200-byte datagram of 你 arrives: recvfrom(1024) keeps 1024 bytes, cutting a 你; no crash",
          "收到 1200 字节、全是 你 的数据报：recvfrom(1024) 只留下 1024 字节，切断了一个 你；不能崩溃",
        )
      : t(
          "a 1200-byte message of 你 arrives: recv(1024) ends inside a 你; every 你 is shown whole, over as many turns as it takes",
          "收到 1200 字节、全是 你 的消息：recv(1024) 停在一个 你 的中间；每个 你 都要完整显示，分几轮都行",
        ),
    lesson: udp ? LESSONS.udpServer : LESSONS.framing,
    async run(ctx) {
      const other = await partner(ctx);
      const prompt = ctx.info.prompt;
      const program = ctx.program;
      let prompts = count(program.stdout, prompt);
      await other.send(LONG);
      const partial = () =>
        fail(
          t(
            `only ${count(program.stdout, "你")} of the 400 你 were shown whole.`,
            `400 个 你 中只有 ${count(program.stdout, "你")} 个被完整显示。`,
          ),
          outputHint(ctx.expect, program.stdout, LONG) ??
            t(
              "keep the bytes of a character cut by the 1024-byte read for the next read: an incremental decoder does.",
              "被 1024 字节读取切断的字符，要把它的字节留到下一次读取：增量解码器就是这样做的。",
            ),
        );
      for (let turn = 0; turn < 6; turn++) {
        const went = await ctx.until(() => count(program.stdout, prompt) > prompts);
        if (!went) {
          await program.settle(1000);
          const crash = program.crash();
          if (crash?.exception === "UnicodeDecodeError") {
            throw likeArticle(
              t(
                `the ${udp ? "datagram" : "message"} was cut at byte 1024, inside a 你, and .decode('utf-8') raised UnicodeDecodeError, as in the article's program.`,
                `${udp ? "数据报" : "消息"}在第 1024 个字节处被切断，正好切在一个 你 的中间，.decode('utf-8') 抛出 UnicodeDecodeError，和文章程序一样。`,
              ),
              exceptionHint(crash),
            );
          }
          // still waiting after showing part of it: the rest is lost, or shown broken
          if (turn > 0 && program.running && !ctx.flooded()) throw partial();
          throw await stuck(
            ctx,
            program,
            t(`${prompt} after the long message`, `长消息之后的 ${prompt}`),
          );
        }
        prompts = count(program.stdout, prompt);
        if (udp || count(program.stdout, "你") >= 400) return;
        // the rest waits in the kernel: a server reads it after its answer, a client after its next line
        program.type(ROLES[role].side === "server" ? "ok" : "more");
      }
      throw partial();
    },
  };
}

/** The robustness scenarios of every role (split-char and long-message only where they apply). */
export function commonRobustness(role: Role): Scenario[] {
  const all = [stdinEnds(role), ctrlC(role), notUtf8(role), controlChars(role), longMessage(role)];
  if (ROLES[role].kind === "tcp") all.splice(4, 0, splitChar(role));
  return all;
}
