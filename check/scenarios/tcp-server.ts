/**
 * The TCP server's scenarios: the checker is 宝宝's client on the wire and 高望 at the
 * server's keyboard. The conversation of the article's lines 118-143 (where it listens, the
 * prompt after each message, the answer's bytes, UTF-8 both ways, byebye, the next client),
 * and the pitfalls of a client that leaves, half-closes or resets, an empty answer, a
 * second client while the first is served.
 *
 * @example
 * ```ts
 * import { TCP_SERVER } from "./tcp-server.ts";
 * TCP_SERVER.map((s) => s.id); // ["listen", "prompt", "english", …]
 * ```
 * @module
 */
import type { Context } from "../context.ts";
import { LESSONS } from "../lessons.ts";
import type { TcpPeer } from "../peers.ts";
import { fail, likeArticle, type Scenario } from "../scenario.ts";
import { t } from "../text.ts";
import { commonRobustness } from "./common.ts";
import { boundWhere, startServer } from "./drive.ts";
import {
  arrives,
  count,
  emptyLine,
  exceptionHint,
  firstPrompt,
  prompted,
  secs,
  shows,
  stuck,
} from "./steps.ts";

const role = "tcp-server";
const PROMPT = "高望>>>";

/** The client sends `ask`; the server shows it and its prompt (the `n`th); its person answers. */
async function turn(
  ctx: Context,
  client: TcpPeer,
  n: number,
  ask: string,
  answer: string,
  said: { bytes: string },
) {
  await client.send(ask);
  ctx.expect += ctx.info.shown(ask, ctx.port) + PROMPT;
  await prompted(ctx, n);
  shows(ctx, ask);
  ctx.program.type(answer);
  said.bytes += answer;
  await arrives(ctx, client, said.bytes);
}

const listen: Scenario = {
  id: "listen",
  role,
  kind: "conversation",
  needsPrompt: false,
  title: t(
    "listens on 127.0.0.1 at its port, as the article's server: reachable from this machine only",
    "和文章的服务端一样在 127.0.0.1 上监听：只有本机能连上",
  ),
  lesson: LESSONS.twoSockets,
  async run(ctx) {
    await startServer(ctx);
    const where = boundWhere(ctx);
    const wide = where.find((a) => a === "0.0.0.0" || a === "::");
    if (wide) {
      throw fail(
        t(
          `it listens on ${wide}:${ctx.port}, every address of this machine: any computer that can reach it may connect, not only this one.`,
          `它在 ${wide}:${ctx.port} 上监听，也就是本机的所有地址：任何能访问这台机器的电脑都能连上来，不只是本机。`,
        ),
        t(
          `bind ('127.0.0.1', ${ctx.port}), as the article does; 0.0.0.0 is for a server you mean to open to the network.`,
          `像文章那样绑定 ('127.0.0.1', ${ctx.port})；0.0.0.0 只用于你确实要向网络开放的服务端。`,
        ),
      );
    }
    if (!where.includes("127.0.0.1")) {
      throw fail(
        t(
          `it listens on ${where.join(", ")}, not on 127.0.0.1.`,
          `它在 ${where.join("、")} 上监听，而不是 127.0.0.1。`,
        ),
      );
    }
    ctx.note = t(`listens on 127.0.0.1:${ctx.port}`, `在 127.0.0.1:${ctx.port} 上监听`);
  },
};

const prompt: Scenario = {
  id: "prompt",
  role,
  kind: "conversation",
  title: t(
    "a message arrives: it prints 来自宝宝的消息: and the text, then 高望>>> with no newline, at once",
    "收到消息：打印 来自宝宝的消息: 和消息内容，然后立即显示 高望>>>，不换行",
  ),
  lesson: LESSONS.tcpServer,
  async run(ctx) {
    await startServer(ctx);
    const client = await ctx.connect("client");
    await client.send("hello");
    ctx.expect += ctx.info.shown("hello", ctx.port) + PROMPT;
    await firstPrompt(ctx, () => client.bytes().length > 0);
    shows(ctx, "hello");
  },
};

const english: Scenario = {
  id: "english",
  role,
  kind: "conversation",
  title: t(
    "two turns in English: each message shown, each answer sent as typed, byte for byte (no newline added)",
    "两轮英文对话：每条消息都显示，每个回答按输入的字节原样发送（不加换行）",
  ),
  lesson: LESSONS.tcpServer,
  async run(ctx) {
    await startServer(ctx);
    const client = await ctx.connect("client");
    const said = { bytes: "" };
    await turn(ctx, client, 1, "hello", "hi baby", said);
    await turn(ctx, client, 2, "how are you?", "fine, thanks", said);
  },
};

const chinese: Scenario = {
  id: "chinese",
  role,
  kind: "conversation",
  title: t(
    "两轮中文: UTF-8 both ways, Chinese, English and emoji, byte for byte",
    "两轮中文对话：收发都是 UTF-8，中文、英文和 emoji，字节一致",
  ),
  lesson: LESSONS.gbk,
  async run(ctx) {
    await startServer(ctx);
    const client = await ctx.connect("client");
    const said = { bytes: "" };
    await turn(ctx, client, 1, "你好 hello 🌙", "你好呀 宝宝", said);
    await turn(ctx, client, 2, "吃饭了吗？", "吃了 👍 thanks", said);
  },
};

/** One turn, then byebye: the line is printed, no prompt, and the server closes the connection. */
async function byebyeAfterTurn(ctx: Context): Promise<TcpPeer> {
  await startServer(ctx);
  const client = await ctx.connect("client");
  await turn(ctx, client, 1, "hello", "hi baby", { bytes: "" });
  await client.send("byebye");
  ctx.expect += ctx.info.shown("byebye", ctx.port);
  const closed = () => client.fin || client.reset || client.closed;
  await ctx.until(() => closed() || count(ctx.program.stdout, PROMPT) >= 2);
  if (count(ctx.program.stdout, PROMPT) >= 2) {
    throw fail(
      t(
        `after byebye it showed ${PROMPT} again and waits for an answer: the conversation should end there.`,
        `收到 byebye 之后它又显示了 ${PROMPT}，等着回答：对话本该在这里结束。`,
      ),
      t(
        "compare the decoded message with 'byebye' and break out of the loop, then close the connection (conn.close()).",
        "把解码后的消息和 'byebye' 比较，相等就跳出循环，再关闭连接（conn.close()）。",
      ),
    );
  }
  if (!closed()) {
    throw await stuck(
      ctx,
      ctx.program,
      t("it to close the connection after byebye (a FIN)", "它在 byebye 之后关闭连接（FIN）"),
    );
  }
  return client;
}

const byebye: Scenario = {
  id: "byebye",
  role,
  kind: "conversation",
  title: t(
    "the client says byebye: the server prints it, asks nothing, and closes the connection (FIN)",
    "客户端说 byebye：服务端打印它，不再提问，并关闭连接（FIN）",
  ),
  lesson: LESSONS.tcpServer,
  async run(ctx) {
    await byebyeAfterTurn(ctx);
    // what it printed last may wait in its buffer until its next prompt: a next client brings it
    const next = await ctx.connect("client 2");
    await next.send("我是第二个");
    ctx.expect += ctx.info.shown("我是第二个", ctx.port) + PROMPT;
    await prompted(ctx, 2);
    shows(ctx, "我是第二个");
  },
};

const nextOne: Scenario = {
  id: "next-client",
  role,
  kind: "conversation",
  title: t(
    "after byebye the server takes the next client and talks to it the same way",
    "byebye 之后服务端接待下一个客户端，照样对话",
  ),
  lesson: LESSONS.acceptQueue,
  async run(ctx) {
    const first = await byebyeAfterTurn(ctx);
    const next = await ctx.connect("client 2");
    const said = { bytes: "" };
    await turn(ctx, next, 2, "我是第二个", "欢迎 welcome", said);
    await next.send("byebye");
    ctx.expect += ctx.info.shown("byebye", ctx.port);
    if (!(await ctx.until(() => next.fin || next.reset))) {
      throw await stuck(
        ctx,
        ctx.program,
        t("it to close the second connection after byebye", "它在 byebye 之后关闭第二个连接"),
      );
    }
    if (first.bytes().toString() !== "hi baby") {
      throw fail(
        t(
          "the first client received more than its own answer.",
          "第一个客户端收到的不只是给它的回答。",
        ),
      );
    }
  },
};

// Robustness: the client leaves, half-closes, resets; an empty answer; a second client.

/** The server starts, a client connects and says `text`; the server shows it and its prompt. */
async function clientSaid(ctx: Context, text: string): Promise<TcpPeer> {
  await startServer(ctx);
  const client = await ctx.connect("client");
  await client.send(text);
  ctx.expect += ctx.info.shown(text, ctx.port) + PROMPT;
  await prompted(ctx, 1);
  return client;
}

/** A next client connects and says "next" (if the server is still there to accept it). */
async function nextClient(ctx: Context): Promise<void> {
  try {
    const next = await ctx.connect("client 2");
    await next.send("next");
  } catch {
    // refused: the server has gone; what it printed says why
  }
}

/** The empty message the article's server prints when recv() gives b'': is it there? */
const printedEmpty = (ctx: Context) => ctx.program.stdout.includes(emptyLine(ctx));

const peerExits: Scenario = {
  id: "peer-exits",
  role,
  kind: "robustness",
  title: t(
    "the client exits while 高望>>> waits: no empty message, no crash at the answers typed, the next client is served",
    "高望>>> 等待时客户端退出：不打印空消息，输入回答时不崩溃，下一个客户端照常接待",
  ),
  lesson: LESSONS.leaves,
  async run(ctx) {
    const client = await clientSaid(ctx, "hi");
    client.exit(); // its FIN; whatever comes now is answered with RST by its kernel
    ctx.program.type("are you there?");
    await nextClient(ctx);
    const served = () => ctx.program.stdout.includes(ctx.info.shown("next", ctx.port) + PROMPT);
    await ctx.until(() => served() || count(ctx.program.stdout, PROMPT) >= 2);
    if (!served() && printedEmpty(ctx) && ctx.program.running) {
      ctx.program.type("hello?"); // the second answer, to the connection that is gone
      await ctx.until(() => !ctx.program.running, ctx.deadline, { whileRunning: false });
    }
    await ctx.program.settle(ctx.program.running ? 0 : 1000);
    const crash = ctx.program.crash();
    const gone =
      crash &&
      /^(ConnectionResetError|BrokenPipeError|ConnectionAbortedError)$/.test(crash.exception ?? "");
    if (!served() && (printedEmpty(ctx) || gone)) {
      const empty = printedEmpty(ctx);
      throw likeArticle(
        crash
          ? t(
              `${empty ? "when the client left it printed an empty message, and at the next answer crashed" : "an answer to the client that had left crashed it"}: ${crash.summary}, as the article's server does.`,
              `${empty ? "客户端离开时它打印了一条空消息，再输入回答时崩溃" : "给已经离开的客户端回答时它崩溃了"}：${crash.summary}，和文章的服务端一样。`,
            )
          : t(
              "when the client left it printed an empty message (recv() gave b'') and asked for an answer nobody will read.",
              "客户端离开时它打印了一条空消息（recv() 返回 b''），还要求输入一个没人会读的回答。",
            ),
        t(
          "recv() returning b'' means the peer has finished: break out of the conversation, close, accept the next client; catch ConnectionError around send().",
          "recv() 返回 b'' 表示对方说完了：跳出这段对话，关闭连接，接待下一个客户端；send() 外面捕获 ConnectionError。",
        ),
      );
    }
    if (!served())
      throw await stuck(ctx, ctx.program, t("the next client's message", "下一个客户端的消息"));
    if (printedEmpty(ctx)) {
      throw fail(
        t("it printed an empty message when the client left.", "客户端离开时它打印了一条空消息。"),
        t(
          "recv() returning b'' means the peer has finished: nothing to print.",
          "recv() 返回 b'' 表示对方说完了：没有什么要打印的。",
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
    "the client half-closes (shutdown SHUT_WR, nc -N): its FIN is not a message; the conversation ends",
    "客户端半关闭（shutdown SHUT_WR，nc -N）：FIN 不是消息；对话结束",
  ),
  lesson: LESSONS.halfClose,
  async run(ctx) {
    const client = await clientSaid(ctx, "hi");
    client.halfClose();
    ctx.program.type("still heard");
    const ended = () => client.fin || client.reset || client.closed;
    await ctx.until(() => ended() || count(ctx.program.stdout, PROMPT) >= 2);
    if (count(ctx.program.stdout, PROMPT) >= 2 && printedEmpty(ctx)) {
      throw likeArticle(
        t(
          "after the client's FIN every recv() gives b'', which it prints as an empty message, then asks again: for ever, as the article's server does.",
          "收到客户端的 FIN 之后，每次 recv() 都返回 b''，它把它当空消息打印，然后再次提问：永无止境，和文章的服务端一样。",
        ),
        t(
          "recv() returning b'' means the peer sends no more: end the conversation.",
          "recv() 返回 b'' 表示对方不会再发送：结束这段对话。",
        ),
      );
    }
    if (!ended())
      throw await stuck(ctx, ctx.program, t("it to close the connection", "它关闭连接"));
    const heard = client.bytes().toString() === "still heard";
    ctx.note = heard
      ? t(
          "the answer still reached the half-closed client, then the server closed.",
          "回答仍然送到了半关闭的客户端，然后服务端关闭了连接。",
        )
      : t(
          "the server closed the connection at the client's FIN.",
          "服务端在收到客户端的 FIN 时关闭了连接。",
        );
  },
};

const reset: Scenario = {
  id: "reset",
  role,
  kind: "robustness",
  title: t(
    "the client resets the connection while 高望>>> waits: no crash at the answer, the next client is served",
    "高望>>> 等待时客户端重置连接：输入回答时不崩溃，下一个客户端照常接待",
  ),
  lesson: LESSONS.leaves,
  async run(ctx) {
    const client = await clientSaid(ctx, "hi");
    client.resetNow();
    ctx.program.type("too late");
    await nextClient(ctx);
    const served = () => ctx.program.stdout.includes(ctx.info.shown("next", ctx.port) + PROMPT);
    await ctx.until(served);
    if (served()) return;
    await ctx.program.settle(1000);
    const crash = ctx.program.crash();
    if (crash && /^(ConnectionResetError|BrokenPipeError)$/.test(crash.exception ?? "")) {
      throw likeArticle(
        t(
          `the answer to a client that had reset the connection crashed it: ${crash.summary}, as the article's server does.`,
          `给已经重置连接的客户端回答时它崩溃了：${crash.summary}，和文章的服务端一样。`,
        ),
        exceptionHint(crash),
      );
    }
    throw await stuck(ctx, ctx.program, t("the next client's message", "下一个客户端的消息"));
  },
};

const emptyAnswer: Scenario = {
  id: "empty-line",
  role,
  kind: "robustness",
  title: t(
    "高望 types an empty line: the server asks again (or sends something); zero bytes would leave both waiting",
    "高望 输入空行：服务端应再次提问（或发送点什么）；发送零字节会让双方都一直等下去",
  ),
  lesson: LESSONS.emptyLine,
  async run(ctx) {
    const client = await clientSaid(ctx, "hi");
    ctx.program.type("");
    const moved = () => count(ctx.program.stdout, PROMPT) >= 2 || client.bytes().length > 0;
    if (await ctx.until(moved, ctx.quiet)) return;
    if (!ctx.program.running)
      throw await stuck(ctx, ctx.program, t("the prompt again", "再次出现的提示符"));
    throw likeArticle(
      t(
        `an empty line put zero bytes on the wire (send(b'') sends nothing): ${secs(ctx.quiet)} later the client still waits for an answer and the server for a message, as with the article's programs.`,
        `空行在网络上发送了零个字节（send(b'') 什么也不发）：${secs(ctx.quiet)} 后客户端仍在等回答，服务端仍在等消息，和文章的程序一样。`,
      ),
      t(
        "if the line is empty, say so and ask again (continue) instead of sending it.",
        "如果输入为空，提示一下并重新提问（continue），不要发送。",
      ),
    );
  },
};

const secondClient: Scenario = {
  id: "second-client",
  role,
  kind: "robustness",
  title: t(
    "a second client connects while the first is served: it waits, nothing of it lost or mixed, and is served after byebye",
    "第一个客户端正在对话时第二个客户端连上来：它排队等待，消息不丢也不混，byebye 之后得到接待",
  ),
  lesson: LESSONS.acceptQueue,
  async run(ctx) {
    const first = await clientSaid(ctx, "一号");
    const second = await ctx.connect("client 2");
    await second.send("二号");
    ctx.program.type("给一号");
    await arrives(ctx, first, "给一号");
    if (second.bytes().length > 0) {
      throw fail(
        t(
          "the second client received the answer meant for the first.",
          "第二个客户端收到了给第一个客户端的回答。",
        ),
      );
    }
    await first.send("byebye");
    ctx.expect += ctx.info.shown("byebye", ctx.port) + ctx.info.shown("二号", ctx.port) + PROMPT;
    await prompted(ctx, 2);
    shows(ctx, "二号");
    ctx.program.type("给二号");
    await arrives(ctx, second, "给二号");
  },
};

export const TCP_SERVER: Scenario[] = [
  listen,
  prompt,
  english,
  chinese,
  byebye,
  nextOne,
  peerExits,
  halfClose,
  reset,
  emptyAnswer,
  secondClient,
  ...commonRobustness(role),
];
