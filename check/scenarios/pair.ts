/**
 * Two programs talking to each other, a server and a client (`--pair`): the checker types
 * at both keyboards and reads both screens, and holds each to the article's transcript. TCP:
 * 宝宝 says 你好 hello, 高望 answers, 宝宝 says byebye, and a second client is served. UDP:
 * two turns, each answer back to the client, each line naming the other's address.
 *
 * @example
 * ```ts
 * import { PAIRS } from "./pair.ts";
 * PAIRS.map((s) => `${s.role}/${s.id}`); // ["tcp-pair/conversation", "udp-pair/conversation"]
 * ```
 * @module
 */
import { LESSONS } from "../lessons.ts";
import { fail, type Scenario } from "../scenario.ts";
import { t } from "../text.ts";
import { startServer } from "./drive.ts";
import { exceptionHint, prompted, shows, stuck } from "./steps.ts";

const tcpPair: Scenario = {
  id: "conversation",
  role: "tcp-pair",
  kind: "conversation",
  title: t(
    "your client and your server: a turn, byebye, and a second client served; both screens as the article's",
    "你的客户端和你的服务端：一轮对话、byebye、再接待第二个客户端；双方屏幕都和文章程序一样",
  ),
  lesson: LESSONS.tcpServer,
  async run(ctx) {
    const server = await startServer(ctx, "server", "server");
    const client = ctx.start("client", "client");
    ctx.expectClient = "宝宝说:";
    await prompted(ctx, 1, client, "宝宝说:");
    client.type("你好 hello");
    ctx.expect = "来自宝宝的消息: 你好 hello\n高望>>>";
    await prompted(ctx, 1, server, "高望>>>");
    shows(ctx, "你好 hello", server, ctx.expect);
    server.type("hi baby");
    ctx.expectClient += "来自高望的消息: hi baby\n宝宝说:";
    await prompted(ctx, 2, client, "宝宝说:");
    shows(ctx, "hi baby", client, ctx.expectClient);
    client.type("byebye");
    await ctx.until(() => !client.running, ctx.deadline, { program: client, whileRunning: false });
    await client.settle(1000);
    const crash = client.crash();
    if (crash)
      throw fail(
        t(
          `the client crashed after byebye: ${crash.summary}`,
          `byebye 之后客户端崩溃了：${crash.summary}`,
        ),
        exceptionHint(crash),
      );
    if (client.running)
      throw await stuck(
        ctx,
        client,
        t("the client to exit after byebye", "客户端在 byebye 之后退出"),
      );
    shows(ctx, undefined, client, ctx.expectClient);
    const second = ctx.start("client", "client 2");
    await prompted(ctx, 1, second, "宝宝说:");
    second.type("我是第二个");
    ctx.expect += "来自宝宝的消息: byebye\n来自宝宝的消息: 我是第二个\n高望>>>";
    await prompted(ctx, 2, server, "高望>>>");
    shows(ctx, "我是第二个", server, ctx.expect);
  },
};

const udpPair: Scenario = {
  id: "conversation",
  role: "udp-pair",
  kind: "conversation",
  title: t(
    "your client and your server: two turns, each line naming the other side's address; both screens as the article's",
    "你的客户端和你的服务端：两轮对话，每行都写明对方地址；双方屏幕都和文章程序一样",
  ),
  lesson: LESSONS.udpServer,
  async run(ctx) {
    const server = await startServer(ctx, "server", "server");
    const client = ctx.start("client", "client");
    ctx.expectClient = "客户端说:";
    await prompted(ctx, 1, client, "客户端说:");
    client.type("你好 udp");
    await prompted(ctx, 1, server, "服务端说;");
    // the client's port is its kernel's choice: read it from the server's line
    const port = /^你好 udp \('127\.0\.0\.1', (\d+)\)\n/.exec(server.stdout)?.[1] ?? "?";
    ctx.expect = `你好 udp ('127.0.0.1', ${port})\n服务端说;`;
    shows(ctx, "你好 udp", server, ctx.expect);
    server.type("hi udp");
    ctx.expectClient += `hi udp ('127.0.0.1', ${ctx.port})\n客户端说:`;
    await prompted(ctx, 2, client, "客户端说:");
    shows(ctx, "hi udp", client, ctx.expectClient);
    client.type("再见");
    ctx.expect += `再见 ('127.0.0.1', ${port})\n服务端说;`;
    await prompted(ctx, 2, server, "服务端说;");
    shows(ctx, "再见", server, ctx.expect);
    server.type("再见 👋");
    ctx.expectClient += `再见 👋 ('127.0.0.1', ${ctx.port})\n客户端说:`;
    await prompted(ctx, 3, client, "客户端说:");
    shows(ctx, "再见 👋", client, ctx.expectClient);
  },
};

export const PAIRS: Scenario[] = [tcpPair, udpPair];
