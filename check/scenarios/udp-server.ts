/**
 * The UDP server's scenarios: the checker is the clients A and B on the wire, and the
 * person at the server's keyboard. The conversation of the article's lines 173-189 (where
 * it is bound, each datagram shown with its sender, the answer going back to the sender of
 * the datagram just shown, datagram boundaries kept), and the pitfalls of an empty or a
 * long datagram, stdin ending and Ctrl-C.
 *
 * @example
 * ```ts
 * import { UDP_SERVER } from "./udp-server.ts";
 * UDP_SERVER.map((s) => s.id); // ["bind", "prompt", "english", "chinese", "last-sender", …]
 * ```
 * @module
 */
import type { Context } from "../context.ts";
import { LESSONS } from "../lessons.ts";
import type { UdpPeer } from "../peers.ts";
import { fail, type Scenario } from "../scenario.ts";
import { t } from "../text.ts";
import { commonRobustness } from "./common.ts";
import { boundWhere, startServer } from "./drive.ts";
import { count, datagram, exceptionHint, firstPrompt, prompted, shows, stuck } from "./steps.ts";

const role = "udp-server";
const PROMPT = "服务端说;";

/** `from` sends `ask`; the server shows it with the sender and prompts (the `n`th); its person answers. */
async function turn(
  ctx: Context,
  from: UdpPeer,
  n: number,
  ask: string,
  answer: string,
  nth: number,
) {
  await from.send(ask, ctx.port);
  ctx.expect += ctx.info.shown(ask, from.port) + PROMPT;
  await prompted(ctx, n);
  shows(ctx, ask);
  ctx.program.type(answer);
  await datagram(ctx, from, nth, answer, ctx.port);
}

const bind: Scenario = {
  id: "bind",
  role,
  kind: "conversation",
  needsPrompt: false,
  title: t(
    "is bound to 127.0.0.1 at its port, as the article's server: reachable from this machine only",
    "和文章的服务端一样绑定在 127.0.0.1 上：只有本机能发来数据报",
  ),
  lesson: LESSONS.udpServer,
  async run(ctx) {
    await startServer(ctx);
    const where = boundWhere(ctx);
    const wide = where.find((a) => a === "0.0.0.0" || a === "::");
    if (wide) {
      throw fail(
        t(
          `it is bound to ${wide}:${ctx.port}, every address of this machine: any computer that can reach it may send it datagrams.`,
          `它绑定在 ${wide}:${ctx.port}，也就是本机的所有地址：任何能访问这台机器的电脑都能给它发数据报。`,
        ),
        t(
          `bind ('127.0.0.1', ${ctx.port}), as the article does.`,
          `像文章那样绑定 ('127.0.0.1', ${ctx.port})。`,
        ),
      );
    }
    if (!where.includes("127.0.0.1")) {
      throw fail(
        t(
          `it is bound to ${where.join(", ")}, not to 127.0.0.1.`,
          `它绑定在 ${where.join("、")}，而不是 127.0.0.1。`,
        ),
      );
    }
    ctx.note = t(`bound to 127.0.0.1:${ctx.port}`, `绑定在 127.0.0.1:${ctx.port}`);
  },
};

const prompt: Scenario = {
  id: "prompt",
  role,
  kind: "conversation",
  title: t(
    "a datagram arrives: it prints the text and the sender ('127.0.0.1', port), then 服务端说; with no newline, at once",
    "收到数据报：打印内容和发送方 ('127.0.0.1', 端口)，然后立即显示 服务端说;，不换行",
  ),
  lesson: LESSONS.udpServer,
  async run(ctx) {
    await startServer(ctx);
    const a = await ctx.udp("A");
    await a.send("hello", ctx.port);
    ctx.expect += ctx.info.shown("hello", a.port) + PROMPT;
    await firstPrompt(ctx, () => a.datagrams.length > 0);
    shows(ctx, "hello");
  },
};

const english: Scenario = {
  id: "english",
  role,
  kind: "conversation",
  title: t(
    "two turns in English: each datagram shown with its sender, each answer one datagram of the bytes typed",
    "两轮英文对话：每个数据报连同发送方一起显示，每个回答是一个数据报，内容为输入的字节",
  ),
  lesson: LESSONS.udpServer,
  async run(ctx) {
    await startServer(ctx);
    const a = await ctx.udp("A");
    await turn(ctx, a, 1, "hello", "hi", 1);
    await turn(ctx, a, 2, "how are you?", "fine, thanks", 2);
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
    const a = await ctx.udp("A");
    await turn(ctx, a, 1, "你好 udp 🌙", "你好呀", 1);
    await turn(ctx, a, 2, "吃饭了吗？", "吃了 👍 thanks", 2);
  },
};

const lastSender: Scenario = {
  id: "last-sender",
  role,
  kind: "conversation",
  title: t(
    "A, then B, send a datagram: each answer goes to the sender of the datagram just shown (B's to B, not to A)",
    "A 和 B 先后发来数据报：每个回答都发给刚显示的那个数据报的发送方（给 B 的发给 B，不是 A）",
  ),
  lesson: LESSONS.udpServer,
  async run(ctx) {
    await startServer(ctx);
    const a = await ctx.udp("A");
    const b = await ctx.udp("B");
    await turn(ctx, a, 1, "我是 A", "给 A", 1);
    await b.send("我是 B", ctx.port);
    ctx.expect += ctx.info.shown("我是 B", b.port) + PROMPT;
    await prompted(ctx, 2);
    shows(ctx, "我是 B");
    ctx.program.type("给 B");
    await ctx.until(() => b.datagrams.length > 0 || a.datagrams.length > 1);
    if (a.datagrams.length > 1) {
      throw fail(
        t(
          `the answer meant for B went to A (port ${a.port}), the first sender: it answers an address it kept, not the one recvfrom() returned this time.`,
          `给 B 的回答发给了 A（端口 ${a.port}），也就是第一个发送方：它用的是之前记下的地址，而不是这次 recvfrom() 返回的地址。`,
        ),
        t(
          "answer to client_addr as recvfrom() returns it for the datagram you just printed, as the article does.",
          "像文章那样，回答发给刚打印的那个数据报由 recvfrom() 返回的 client_addr。",
        ),
      );
    }
    await datagram(ctx, b, 1, "给 B", ctx.port);
  },
};

const boundaries: Scenario = {
  id: "boundaries",
  role,
  kind: "conversation",
  title: t(
    "two datagrams sent back to back are two messages: each shown and answered on its own turn",
    "连续发出的两个数据报是两条消息：各自显示、各自在自己那一轮得到回答",
  ),
  lesson: LESSONS.udpServer,
  async run(ctx) {
    await startServer(ctx);
    const a = await ctx.udp("A");
    await a.send("第一", ctx.port);
    await a.send("第二", ctx.port);
    ctx.expect += ctx.info.shown("第一", a.port) + PROMPT;
    await prompted(ctx, 1);
    shows(ctx, "第一");
    ctx.program.type("收到一");
    await datagram(ctx, a, 1, "收到一", ctx.port);
    ctx.expect += ctx.info.shown("第二", a.port) + PROMPT;
    await prompted(ctx, 2);
    shows(ctx, "第二");
    ctx.program.type("收到二");
    await datagram(ctx, a, 2, "收到二", ctx.port);
  },
};

const emptyDatagram: Scenario = {
  id: "empty-datagram",
  role,
  kind: "robustness",
  title: t(
    "an empty datagram (zero bytes) arrives: a real message in UDP, shown, and the server goes on",
    "收到一个空数据报（零字节）：在 UDP 里这是一条真实的消息，要显示出来，服务端继续运行",
  ),
  lesson: LESSONS.udpServer,
  async run(ctx) {
    await startServer(ctx);
    const a = await ctx.udp("A");
    await a.send(Buffer.alloc(0), ctx.port);
    if (await ctx.until(() => count(ctx.program.stdout, PROMPT) >= 1)) return;
    await ctx.program.settle(1000);
    const crash = ctx.program.crash();
    if (crash) {
      throw fail(
        t(
          `a datagram of zero bytes crashed it: ${crash.summary}`,
          `一个零字节的数据报让它崩溃了：${crash.summary}`,
        ),
        exceptionHint(crash) ??
          t(
            "an empty datagram is a real message: b'' decodes to ''.",
            "空数据报是一条真实的消息：b'' 解码得到 ''。",
          ),
      );
    }
    throw await stuck(
      ctx,
      ctx.program,
      t(`${PROMPT} after an empty datagram`, `空数据报之后的 ${PROMPT}`),
    );
  },
};

export const UDP_SERVER: Scenario[] = [
  bind,
  prompt,
  english,
  chinese,
  lastSender,
  boundaries,
  emptyDatagram,
  ...commonRobustness(role),
];
