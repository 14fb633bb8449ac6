/**
 * The TCP client's scenarios: the checker is 高望's server on the wire and 宝宝 at the
 * client's keyboard. The conversation of the article's lines 147-169 (the prompt, each line
 * sent as typed, each answer shown, UTF-8 both ways, byebye ending it), and the pitfalls of a
 * server that is not there, that exits, half-closes or resets, and of an empty line.
 *
 * @example
 * ```ts
 * import { TCP_CLIENT } from "./tcp-client.ts";
 * TCP_CLIENT.find((s) => s.id === "byebye")?.title.en;
 * ```
 * @module
 */
import type { Context } from "../context.ts";
import { LESSONS } from "../lessons.ts";
import type { TcpListener, TcpPeer } from "../peers.ts";
import { fail, likeArticle, type Scenario } from "../scenario.ts";
import { t } from "../text.ts";
import { commonRobustness } from "./common.ts";
import { accepted } from "./drive.ts";
import {
  arrives,
  count,
  crashed,
  emptyLine,
  exceptionHint,
  firstPrompt,
  prompted,
  secs,
  shows,
  stuck,
} from "./steps.ts";

const role = "tcp-client";
const PROMPT = "宝宝说:";

/** The checker's server is listening; the client program starts and shows its prompt. */
async function started(ctx: Context): Promise<TcpListener> {
  const listener = await ctx.listen();
  ctx.start();
  ctx.expect += PROMPT;
  await prompted(ctx, 1);
  return listener;
}

/** 宝宝 types `ask` at the `n`th prompt; the server answers; the client shows it and prompts again. */
async function turn(
  ctx: Context,
  server: TcpPeer,
  n: number,
  ask: string,
  answer: string,
  said: { bytes: string },
) {
  ctx.program.type(ask);
  said.bytes += ask;
  await arrives(ctx, server, said.bytes);
  await server.send(answer);
  ctx.expect += ctx.info.shown(answer, ctx.port) + PROMPT;
  await prompted(ctx, n + 1);
  shows(ctx, answer);
}

const prompt: Scenario = {
  id: "prompt",
  role,
  kind: "conversation",
  title: t(
    "it connects to 127.0.0.1 at its port and shows 宝宝说: with no newline, at once",
    "连接 127.0.0.1 的端口，并立即显示 宝宝说:，不换行",
  ),
  lesson: LESSONS.tcpClient,
  async run(ctx) {
    const listener = await ctx.listen();
    ctx.start();
    ctx.expect += PROMPT;
    await firstPrompt(ctx, () => (listener.accepted[0]?.bytes().length ?? 0) > 0);
    shows(ctx);
    await accepted(ctx, listener);
  },
};

/** Two turns of the conversation: `first` typed, `answer` from the server, then the second pair. */
function twoTurns(
  id: string,
  title: Scenario["title"],
  lesson: Scenario["lesson"],
  [first, answer, second, secondAnswer]: [string, string, string, string],
): Scenario {
  return {
    id,
    role,
    kind: "conversation",
    title,
    lesson,
    async run(ctx) {
      const listener = await started(ctx);
      ctx.program.type(first);
      const server = await accepted(ctx, listener);
      const said = { bytes: first };
      await arrives(ctx, server, said.bytes);
      await server.send(answer);
      ctx.expect += ctx.info.shown(answer, ctx.port) + PROMPT;
      await prompted(ctx, 2);
      shows(ctx, answer);
      await turn(ctx, server, 2, second, secondAnswer, said);
    },
  };
}

const english = twoTurns(
  "english",
  t(
    "two turns in English: each line sent as typed, byte for byte (no newline added), each answer shown",
    "两轮英文对话：每行按输入的字节原样发送（不加换行），每个回答都显示",
  ),
  LESSONS.tcpClient,
  ["hello", "hi baby", "how are you?", "fine, thanks"],
);

const chinese = twoTurns(
  "chinese",
  t(
    "两轮中文: UTF-8 both ways, Chinese, English and emoji, byte for byte",
    "两轮中文对话：收发都是 UTF-8，中文、英文和 emoji，字节一致",
  ),
  LESSONS.gbk,
  ["你好 hello 🌙", "你好呀 宝宝", "吃饭了吗？", "吃了 👍 thanks"],
);

const byebye: Scenario = {
  id: "byebye",
  role,
  kind: "conversation",
  title: t(
    "宝宝 types byebye: it is sent, the client closes the connection (FIN) and exits with code 0",
    "宝宝 输入 byebye：发送出去，客户端关闭连接（FIN）并以退出码 0 结束",
  ),
  lesson: LESSONS.tcpClient,
  async run(ctx) {
    const listener = await started(ctx);
    ctx.program.type("hello");
    const server = await accepted(ctx, listener);
    await arrives(ctx, server, "hello");
    await server.send("hi baby");
    ctx.expect += ctx.info.shown("hi baby", ctx.port) + PROMPT;
    await prompted(ctx, 2);
    ctx.program.type("byebye");
    await arrives(ctx, server, "hellobyebye");
    const program = ctx.program;
    await ctx.until(() => !program.running || count(program.stdout, PROMPT) >= 3, ctx.deadline, {
      whileRunning: false,
    });
    if (program.running && count(program.stdout, PROMPT) >= 3) {
      throw fail(
        t(
          `after byebye it showed ${PROMPT} again: the conversation should end there.`,
          `输入 byebye 之后它又显示了 ${PROMPT}：对话本该在这里结束。`,
        ),
        t(
          "after sending 'byebye', break out of the loop and close the socket.",
          "发送 'byebye' 之后跳出循环并关闭套接字。",
        ),
      );
    }
    if (program.running)
      throw await stuck(ctx, program, t("it to exit after byebye", "它在 byebye 之后退出"));
    await program.settle(1000);
    const crash = program.crash();
    if (crash)
      throw fail(
        t(`it crashed after byebye: ${crash.summary}`, `byebye 之后它崩溃了：${crash.summary}`),
        exceptionHint(crash),
      );
    if (
      !(await ctx.until(() => server.fin || server.reset, ctx.deadline, { whileRunning: false }))
    ) {
      throw fail(
        t("it exited, but no FIN reached the server.", "它退出了，但服务端没有收到 FIN。"),
      );
    }
    if (program.exit?.code !== 0) {
      throw fail(
        t(
          `it ended with ${program.ended()}; the article's client ends with code 0.`,
          `它以 ${program.ended()} 结束；文章的客户端以退出码 0 结束。`,
        ),
      );
    }
    shows(ctx);
  },
};

// Robustness: no server; the server exits, half-closes, resets; an empty line.

const noServer: Scenario = {
  id: "no-server",
  role,
  kind: "robustness",
  needsPrompt: false,
  title: t(
    "nobody listens at the port: one line says so, no traceback, and the client ends",
    "端口上没有程序在监听：用一行话说明，不打印异常栈，客户端结束",
  ),
  lesson: LESSONS.noServer,
  async run(ctx) {
    const program = ctx.start();
    await ctx.until(() => !program.running || program.stdout.includes(PROMPT), ctx.deadline, {
      whileRunning: false,
    });
    if (program.running && program.stdout.includes(PROMPT)) program.type("hello"); // it may connect only now
    await ctx.until(() => !program.running, ctx.deadline, { whileRunning: false });
    await program.settle(1000);
    const crash = program.crash();
    if (crash?.exception === "ConnectionRefusedError") {
      throw likeArticle(
        t(
          `connect() was refused and the program ended with a traceback: ${crash.summary}, as the article's client does.`,
          `connect() 被拒绝，程序打印异常栈后结束：${crash.summary}，和文章的客户端一样。`,
        ),
        exceptionHint(crash),
      );
    }
    if (crash) throw crashed(crash);
    if (program.running) {
      throw fail(
        t(
          `${secs(ctx.deadline)} after it started with no server to connect to, it was still running.`,
          `没有服务端可连，启动 ${secs(ctx.deadline)} 后它仍在运行。`,
        ),
      );
    }
    const said = (program.stdout.replace(PROMPT, "") + program.stderr).trim();
    if (said === "") {
      throw fail(
        t(
          "it ended without a word: the person at the keyboard cannot tell why.",
          "它一声不响就结束了：键盘前的人不知道为什么。",
        ),
        t(
          "say which host and port refused, and what to do: is the server running?",
          "说明是哪个主机和端口拒绝了连接，以及怎么办：服务端启动了吗？",
        ),
      );
    }
    ctx.note = t(`it said: ${said.split("\n")[0]}`, `它说：${said.split("\n")[0]}`);
  },
};

/** 宝宝 has typed hi and the server has read it: the client waits for the answer. */
async function waitingForAnswer(ctx: Context): Promise<TcpPeer> {
  const listener = await started(ctx);
  ctx.program.type("hi");
  const server = await accepted(ctx, listener);
  await arrives(ctx, server, "hi");
  return server;
}

const printedEmpty = (ctx: Context) => ctx.program.stdout.includes(emptyLine(ctx));

const serverExits: Scenario = {
  id: "server-exits",
  role,
  kind: "robustness",
  title: t(
    "the server exits while the client waits for its answer: no empty message; the client notices and ends",
    "客户端等待回答时服务端退出：不打印空消息；客户端察觉并结束",
  ),
  lesson: LESSONS.leaves,
  async run(ctx) {
    const server = await waitingForAnswer(ctx);
    server.exit();
    const program = ctx.program;
    await ctx.until(() => !program.running || count(program.stdout, PROMPT) >= 2, ctx.deadline, {
      whileRunning: false,
    });
    if (count(program.stdout, PROMPT) >= 2 && printedEmpty(ctx)) {
      throw likeArticle(
        t(
          "at the server's FIN, recv() gave b'', which it printed as an empty message before asking for the next line, as the article's client does.",
          "收到服务端的 FIN 时 recv() 返回 b''，它把它当空消息打印出来，然后要求输入下一行，和文章的客户端一样。",
        ),
        t(
          "recv() returning b'' means the server has finished: say so, close, exit.",
          "recv() 返回 b'' 表示服务端说完了：说明一下，关闭连接，退出。",
        ),
      );
    }
    await program.settle(1000);
    const crash = program.crash();
    if (crash) throw crashed(crash);
    if (program.running) {
      throw fail(
        t(
          `the server closed the connection and ${secs(ctx.deadline)} later the client had not ended.`,
          `服务端关闭连接 ${secs(ctx.deadline)} 后，客户端仍未结束。`,
        ),
      );
    }
  },
};

const halfClose: Scenario = {
  id: "half-close",
  role,
  kind: "robustness",
  title: t(
    "the server answers, then half-closes: the answer is shown, the FIN is no message, the client ends",
    "服务端回答后半关闭：回答照常显示，FIN 不是消息，客户端结束",
  ),
  lesson: LESSONS.halfClose,
  async run(ctx) {
    const server = await waitingForAnswer(ctx);
    await server.send("bye for now");
    server.halfClose();
    const program = ctx.program;
    await ctx.until(() => !program.running || count(program.stdout, PROMPT) >= 2, ctx.deadline, {
      whileRunning: false,
    });
    if (program.running) {
      ctx.expect += ctx.info.shown("bye for now", ctx.port) + PROMPT;
      shows(ctx, "bye for now");
      program.type("ok, bye");
      await ctx.until(() => !program.running || count(program.stdout, PROMPT) >= 3, ctx.deadline, {
        whileRunning: false,
      });
      if (count(program.stdout, PROMPT) >= 3 && printedEmpty(ctx)) {
        throw likeArticle(
          t(
            "after the server's FIN each recv() gives b'', which it prints as an empty message, asking again and again, as the article's client does.",
            "收到服务端的 FIN 之后每次 recv() 都返回 b''，它当空消息打印，一遍又一遍地提问，和文章的客户端一样。",
          ),
          t(
            "recv() returning b'' means the server sends no more: end the conversation.",
            "recv() 返回 b'' 表示服务端不会再发送：结束对话。",
          ),
        );
      }
    }
    await program.settle(1000);
    const crash = program.crash();
    if (crash) throw crashed(crash);
    if (program.running)
      throw await stuck(ctx, program, t("it to end the conversation", "它结束对话"));
    if (!program.stdout.includes("bye for now")) {
      throw fail(
        t(
          "it ended without showing the server's last answer.",
          "它结束了，却没有显示服务端最后的回答。",
        ),
      );
    }
  },
};

const reset: Scenario = {
  id: "reset",
  role,
  kind: "robustness",
  title: t(
    "the server resets the connection while the client waits: one line, no traceback, the client ends",
    "客户端等待时服务端重置连接：一行说明，不打印异常栈，客户端结束",
  ),
  lesson: LESSONS.leaves,
  async run(ctx) {
    const server = await waitingForAnswer(ctx);
    server.resetNow();
    const program = ctx.program;
    await ctx.until(() => !program.running || count(program.stdout, PROMPT) >= 2, ctx.deadline, {
      whileRunning: false,
    });
    await program.settle(program.running ? 0 : 1000);
    const crash = program.crash();
    if (crash?.exception === "ConnectionResetError") {
      throw likeArticle(
        t(
          `recv() raised ConnectionResetError and the client ended with a traceback: ${crash.summary}, as the article's client does.`,
          `recv() 抛出 ConnectionResetError，客户端打印异常栈后结束：${crash.summary}，和文章的客户端一样。`,
        ),
        exceptionHint(crash),
      );
    }
    if (crash) throw crashed(crash);
    if (program.running) {
      throw fail(
        t(
          "the server reset the connection, yet the client went on as if it could still talk.",
          "服务端已经重置了连接，客户端却像还能对话一样继续下去。",
        ),
        exceptionHint({ summary: "", exception: "ConnectionResetError" }),
      );
    }
  },
};

const emptyLine_: Scenario = {
  id: "empty-line",
  role,
  kind: "robustness",
  title: t(
    "宝宝 types an empty line: the client asks again (or sends something); zero bytes would leave both waiting",
    "宝宝 输入空行：客户端应再次提问（或发送点什么）；发送零字节会让双方都一直等下去",
  ),
  lesson: LESSONS.emptyLine,
  async run(ctx) {
    const listener = await started(ctx);
    ctx.program.type("");
    const sent = () => (listener.accepted[0]?.bytes().length ?? 0) > 0;
    if (await ctx.until(() => count(ctx.program.stdout, PROMPT) >= 2 || sent(), ctx.quiet)) return;
    if (!ctx.program.running)
      throw await stuck(ctx, ctx.program, t("the prompt again", "再次出现的提示符"));
    throw likeArticle(
      t(
        `an empty line put zero bytes on the wire (send(b'') sends nothing): ${secs(ctx.quiet)} later the client still waits for an answer to a message the server never got, as the article's client does.`,
        `空行在网络上发送了零个字节（send(b'') 什么也不发）：${secs(ctx.quiet)} 后客户端仍在等一个回答，而服务端根本没收到消息，和文章的客户端一样。`,
      ),
      t(
        "if the line is empty, say so and ask again (continue) instead of sending it.",
        "如果输入为空，提示一下并重新提问（continue），不要发送。",
      ),
    );
  },
};

export const TCP_CLIENT: Scenario[] = [
  prompt,
  english,
  chinese,
  byebye,
  noServer,
  serverExits,
  halfClose,
  reset,
  emptyLine_,
  ...commonRobustness(role),
];
