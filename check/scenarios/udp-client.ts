/**
 * The UDP client's scenarios: the checker is the server on the wire (and a stranger), and
 * the person at the client's keyboard. The conversation of the article's lines 193-206 (the
 * prompt, each line one datagram of the bytes typed, each answer shown with the server's
 * address, one datagram per answer), and the pitfalls of no server, a stranger's datagram,
 * an empty line, stdin ending and Ctrl-C.
 *
 * @example
 * ```ts
 * import { UDP_CLIENT } from "./udp-client.ts";
 * UDP_CLIENT.map((s) => s.id); // ["prompt", "english", "chinese", "boundaries", "no-server", …]
 * ```
 * @module
 */
import type { Context } from "../context.ts";
import { wireHint } from "../diagnose.ts";
import { LESSONS } from "../lessons.ts";
import type { UdpPeer } from "../peers.ts";
import { fail, likeArticle, type Scenario } from "../scenario.ts";
import { t } from "../text.ts";
import { commonRobustness } from "./common.ts";
import { count, crashed, firstPrompt, prompted, secs, shows, stuck } from "./steps.ts";

const role = "udp-client";
const PROMPT = "客户端说:";

/** The checker's server is bound; the client program starts and shows its prompt. */
async function started(ctx: Context): Promise<UdpPeer> {
  const server = await ctx.udp("server", ctx.port);
  ctx.start();
  ctx.expect += PROMPT;
  await prompted(ctx, 1);
  return server;
}

/** Wait for the `n`th datagram the client sends the server: it must hold `expected`. Its port. */
async function sent(ctx: Context, server: UdpPeer, n: number, expected: string): Promise<number> {
  const came = await ctx.until(() => server.datagrams.length >= n);
  const got = server.datagrams[n - 1];
  if (!came || !got) throw await stuck(ctx, ctx.program, t("its datagram", "它发出的数据报"));
  if (!got.bytes.equals(Buffer.from(expected, "utf8"))) {
    throw fail(
      t(
        "the server did not receive what was typed, byte for byte.",
        "服务端收到的不是输入的内容，字节不符。",
      ),
      wireHint(Buffer.from(expected, "utf8"), got.bytes),
    );
  }
  return got.from;
}

/** 宝宝 types `ask` at the `n`th prompt; the server answers; the client shows it with the server's address. */
async function turn(ctx: Context, server: UdpPeer, n: number, ask: string, answer: string) {
  ctx.program.type(ask);
  const from = await sent(ctx, server, n, ask);
  await server.send(answer, from);
  ctx.expect += ctx.info.shown(answer, ctx.port) + PROMPT;
  await prompted(ctx, n + 1);
  shows(ctx, answer);
}

const prompt: Scenario = {
  id: "prompt",
  role,
  kind: "conversation",
  title: t("it shows 客户端说: with no newline, at once", "立即显示 客户端说:，不换行"),
  lesson: LESSONS.udpClient,
  async run(ctx) {
    const server = await ctx.udp("server", ctx.port);
    ctx.start();
    ctx.expect += PROMPT;
    await firstPrompt(ctx, () => server.datagrams.length > 0);
    shows(ctx);
  },
};

const english: Scenario = {
  id: "english",
  role,
  kind: "conversation",
  title: t(
    "two turns in English: each line one datagram of the bytes typed, each answer shown with the server's address",
    "两轮英文对话：每行是一个数据报，内容为输入的字节；每个回答连同服务端地址一起显示",
  ),
  lesson: LESSONS.udpClient,
  async run(ctx) {
    const server = await started(ctx);
    await turn(ctx, server, 1, "hello", "hi");
    await turn(ctx, server, 2, "how are you?", "fine, thanks");
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
    const server = await started(ctx);
    await turn(ctx, server, 1, "你好 udp 🌙", "你好呀");
    await turn(ctx, server, 2, "吃饭了吗？", "吃了 👍 thanks");
  },
};

const boundaries: Scenario = {
  id: "boundaries",
  role,
  kind: "conversation",
  title: t(
    "the server answers with two datagrams: recvfrom() takes one; the second is shown after the next line, on its own",
    "服务端用两个数据报回答：recvfrom() 一次只取一个；第二个在下一行发出后单独显示",
  ),
  lesson: LESSONS.udpClient,
  async run(ctx) {
    const server = await started(ctx);
    ctx.program.type("hello");
    const from = await sent(ctx, server, 1, "hello");
    await server.send("第一", from);
    await server.send("第二", from);
    ctx.expect += ctx.info.shown("第一", ctx.port) + PROMPT;
    await prompted(ctx, 2);
    shows(ctx, "第一");
    ctx.program.type("next");
    await sent(ctx, server, 2, "next");
    ctx.expect += ctx.info.shown("第二", ctx.port) + PROMPT;
    await prompted(ctx, 3);
    shows(ctx, "第二");
  },
};

const noServer: Scenario = {
  id: "no-server",
  role,
  kind: "robustness",
  title: t(
    "nobody is bound at the port: after a line is sent, the client says something (or ends with one line), not silence",
    "端口上没有服务端：发出一行之后，客户端要说点什么（或用一行话说明后结束），而不是一声不响",
  ),
  lesson: LESSONS.udpNobody,
  async run(ctx) {
    const program = ctx.start();
    ctx.expect += PROMPT;
    await prompted(ctx, 1);
    program.type("anyone there?");
    const said = () =>
      program.stdout !== PROMPT || program.stderr.trim() !== "" || !program.running;
    await ctx.until(said, ctx.quiet, { whileRunning: false });
    await program.settle(program.running ? 0 : 1000);
    const crash = program.crash();
    if (crash) throw crashed(crash);
    if (!said()) {
      throw likeArticle(
        t(
          `${secs(ctx.quiet)} after its datagram went to a port nobody has, it still waits in silence, as the article's client does: the kernel's ICMP port unreachable never reaches an unconnected UDP socket on Linux.`,
          `数据报发往一个没人使用的端口 ${secs(ctx.quiet)} 后，它仍在默默等待，和文章的客户端一样：在 Linux 上，内核的 ICMP 端口不可达消息不会交给未连接的 UDP 套接字。`,
        ),
        t(
          "set a timeout (settimeout) and say what the silence may mean; or connect() the socket, and recv() raises ConnectionRefusedError.",
          "设置超时（settimeout），说明没有回音可能意味着什么；或者对套接字调用 connect()，recv() 就会抛出 ConnectionRefusedError。",
        ),
      );
    }
    const words = (program.stdout.replace(PROMPT, "") + program.stderr).trim().split("\n")[0];
    if (!words) {
      throw fail(
        t(
          "it ended without a word: the person at the keyboard cannot tell why.",
          "它一声不响就结束了：键盘前的人不知道为什么。",
        ),
      );
    }
    ctx.note = t(`it said: ${words}`, `它说：${words}`);
  },
};

const stranger: Scenario = {
  id: "stranger",
  role,
  kind: "robustness",
  title: t(
    "a stranger's datagram arrives first: shown with the stranger's own address, or ignored; never as the server's",
    "陌生人的数据报先到：要么连同陌生人自己的地址显示，要么忽略；绝不能当成服务端的回答",
  ),
  lesson: LESSONS.stranger,
  async run(ctx) {
    const server = await started(ctx);
    ctx.program.type("hi");
    const from = await sent(ctx, server, 1, "hi");
    const stranger = await ctx.udp("stranger");
    await stranger.send("我不是服务端", from);
    const shown = () => ctx.program.stdout.includes("我不是服务端");
    if (await ctx.until(shown, ctx.quiet)) {
      if (ctx.program.stdout.includes(ctx.info.shown("我不是服务端", stranger.port))) {
        ctx.note = t(
          "it showed the stranger's datagram with the stranger's address: the person can tell.",
          "它显示了陌生人的数据报和陌生人的地址：用户看得出来。",
        );
        return;
      }
      throw fail(
        t(
          `it showed a stranger's datagram (from port ${stranger.port}) without the stranger's address: it reads as the server's answer.`,
          `它显示了陌生人（端口 ${stranger.port}）的数据报，却没有显示陌生人的地址：看起来就像服务端的回答。`,
        ),
        t(
          "print the address recvfrom() returned with the datagram, as the article does (server_addr), not the one you sent to.",
          "像文章那样打印 recvfrom() 随数据报返回的地址（server_addr），而不是你发往的地址。",
        ),
      );
    }
    if (!ctx.program.running) {
      await ctx.program.settle(1000);
      throw await stuck(ctx, ctx.program, t("the server's answer", "服务端的回答"));
    }
    await server.send("真的回答", from);
    ctx.expect += ctx.info.shown("真的回答", ctx.port) + PROMPT;
    await prompted(ctx, 2);
    ctx.note = t(
      "it ignored the stranger and showed the server's answer.",
      "它忽略了陌生人，显示了服务端的回答。",
    );
  },
};

const emptyLine: Scenario = {
  id: "empty-line",
  role,
  kind: "robustness",
  title: t(
    "宝宝 types an empty line: an empty datagram is a real message in UDP; it is sent (or the client asks again)",
    "宝宝 输入空行：在 UDP 里空数据报是一条真实的消息；要么发出去，要么重新提问",
  ),
  lesson: LESSONS.udpClient,
  async run(ctx) {
    const server = await started(ctx);
    ctx.program.type("");
    const moved = () => server.datagrams.length > 0 || count(ctx.program.stdout, PROMPT) >= 2;
    if (await ctx.until(moved, ctx.quiet)) return;
    if (!ctx.program.running || ctx.flooded()) {
      throw await stuck(
        ctx,
        ctx.program,
        t("an empty datagram, or the prompt again", "一个空数据报，或再次出现的提示符"),
      );
    }
    throw fail(
      t(
        `${secs(ctx.quiet)} after an empty line it had neither sent an empty datagram nor asked again.`,
        `输入空行 ${secs(ctx.quiet)} 后，它既没有发出空数据报，也没有重新提问。`,
      ),
    );
  },
};

export const UDP_CLIENT: Scenario[] = [
  prompt,
  english,
  chinese,
  boundaries,
  noServer,
  stranger,
  emptyLine,
  ...commonRobustness(role),
];
