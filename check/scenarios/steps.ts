/**
 * The steps every scenario is made of: wait for a prompt, hold the output to what a
 * faithful program prints so far, hold the bytes on the wire to what it sends, and, when the
 * program does not go on, say why in a sentence a learner can act on: it crashed (which
 * exception, and what that means here), it exited, it flooded, its prompt went to stderr, or
 * it said nothing at all.
 *
 * @example
 * ```ts
 * import { arrives, prompted, shows } from "./steps.ts";
 * await client.send("hello");
 * ctx.expect += ctx.info.shown("hello", port) + ctx.info.prompt;
 * await prompted(ctx, 1);
 * shows(ctx, "hello");
 * ctx.program.type("hi baby");
 * await arrives(ctx, client, "hi baby");
 * ```
 * @module
 */
import type { Context } from "../context.ts";
import type { Crash } from "../crash.ts";
import { outputHint, wireHint } from "../diagnose.ts";
import { LESSONS } from "../lessons.ts";
import type { TcpPeer, UdpPeer } from "../peers.ts";
import type { Program } from "../program.ts";
import { type Finding, fail } from "../scenario.ts";
import { join, type Text, t } from "../text.ts";

/** How many times `want` occurs in `text`. */
export const count = (text: string, want: string) => text.split(want).length - 1;

/** Seconds, for a sentence: "5 s". */
export const secs = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/** What an exception means for a chat program, and what to do about it. */
export function exceptionHint(crash: Crash): Text | undefined {
  switch (crash.exception) {
    case "UnicodeDecodeError":
      return t(
        "a read can end in the middle of a character, and bytes from the network need not be UTF-8: decode with an incremental decoder, codecs.getincrementaldecoder('utf-8')(errors='replace').",
        "一次读取可能停在一个字符的中间，网络上来的字节也未必是 UTF-8：请用增量解码器 codecs.getincrementaldecoder('utf-8')(errors='replace')。",
      );
    case "EOFError":
      return t(
        "input() raises EOFError when stdin ends (Ctrl-D, a closed pipe): catch it, close the socket and exit.",
        "标准输入结束时（Ctrl-D、管道关闭）input() 会抛出 EOFError：捕获它，关闭套接字后退出。",
      );
    case "KeyboardInterrupt":
      return t(
        "Ctrl-C raises KeyboardInterrupt wherever the program is: catch it around the loop, close the socket, exit.",
        "Ctrl-C 会在程序所在之处抛出 KeyboardInterrupt：在循环外捕获它，关闭套接字后退出。",
      );
    case "BrokenPipeError":
    case "ConnectionResetError":
    case "ConnectionAbortedError":
      return t(
        "the other side has gone: catch ConnectionError, close this connection, and go back to accept() (a server) or exit (a client).",
        "对方已经离开：捕获 ConnectionError，关闭这个连接，服务端回到 accept()，客户端退出。",
      );
    case "ConnectionRefusedError":
      return t(
        "nobody listens there: catch ConnectionRefusedError and say so in one line (is the server running?).",
        "那里没有程序在监听：捕获 ConnectionRefusedError，用一行话说明（服务端启动了吗？）。",
      );
    case "IndexError":
      return t(
        "an empty message (b'') has no first or last character: check `if not data:` before indexing.",
        "空消息（b''）没有第一个或最后一个字符：取下标之前先判断 `if not data:`。",
      );
    case "OSError":
      return t(
        "the port may be in use by another program, or the address may not exist here.",
        "端口可能被别的程序占用，或者这个地址在本机不存在。",
      );
    default:
      return undefined;
  }
}

/** The finding for a program that crashed: the exception, and what it means here. */
export const crashed = (crash: Crash): Finding =>
  fail(t(`it crashed: ${crash.summary}`, `它崩溃了：${crash.summary}`), exceptionHint(crash));

/** An empty message, as the program prints one: the line for "" (recv() gave b''). */
export const emptyLine = (ctx: Context) => ctx.info.shown("", ctx.port);

/**
 * Why `program` did not do what was awaited (`awaited`: "高望>>>", "its answer"): the
 * finding a scenario ends with.
 */
export async function stuck(
  ctx: Context,
  program: Program,
  awaited: Text,
  tag?: string,
): Promise<Finding> {
  await program.settle(ctx.flooded() || !program.running ? 1000 : 0);
  if (program.flooded || ctx.wire.flooded) {
    const empties = count(program.stdout, emptyLine(ctx));
    const where = program.flooded
      ? t("printed", "打印了")
      : t("sent the checker", "向检查程序发送了");
    return fail(
      t(
        `it ${where.en} more than 256 KiB without waiting for anyone: cut off.`,
        `它没有等任何人就${where.zh}超过 256 KiB 的内容：已被强行停止。`,
      ),
      empties > 100
        ? t(
            `it printed an empty message ${empties} times: recv() returns b'' again and again once the peer has closed; leave the loop when it does.`,
            `它打印了 ${empties} 次空消息：对方关闭后 recv() 会一直返回 b''；遇到 b'' 就该退出循环。`,
          )
        : t(
            "a loop that never waits for input or for the network.",
            "一个既不等输入也不等网络的循环。",
          ),
    );
  }
  const crash = program.crash();
  if (crash) {
    return fail(
      t(
        `it crashed while the checker waited for ${awaited.en}: ${crash.summary}`,
        `检查程序等待${awaited.zh}时，它崩溃了：${crash.summary}`,
      ),
      exceptionHint(crash),
    );
  }
  if (!program.running) {
    return fail(
      t(
        `it ended (${program.ended()}) while the checker waited for ${awaited.en}.`,
        `检查程序等待${awaited.zh}时，它结束了（${program.ended()}）。`,
      ),
    );
  }
  const prompt = ctx.info.prompt;
  if (
    program.terminal === "pipe" &&
    program.stderr.includes(prompt) &&
    !program.stdout.includes(prompt)
  ) {
    return fail(
      t(
        `its prompt ${prompt} went to stderr, not stdout.`,
        `它的提示符 ${prompt} 写到了 stderr，而不是 stdout。`,
      ),
      t(
        `input('${prompt}') writes the prompt to stdout, where the conversation is.`,
        `input('${prompt}') 把提示符写到 stdout，也就是对话所在的地方。`,
      ),
      tag,
    );
  }
  const cut = program.running
    ? t(" It was still running, and was cut off.", "它仍在运行，已被强行停止。")
    : t("", "");
  return fail(
    t(
      `the checker waited ${secs(ctx.deadline)} for ${awaited.en}, in vain.${cut.en}`,
      `检查程序等了 ${secs(ctx.deadline)}，没有等到${awaited.zh}。${cut.zh}`,
    ),
    undefined,
    tag,
  );
}

/** The prompt, as something awaited. */
export const promptText = (prompt: string): Text => t(`the prompt ${prompt}`, `提示符 ${prompt}`);

/** What to do about a prompt left in the output buffer, for every role's prompt. */
const BUFFERED_PROMPT = (prompt: string): Text =>
  t(
    `input('${prompt}') shows the prompt before it waits (Python flushes it); print('${prompt}', end='', flush=True) does too. In C, fflush(stdout) after printf.`,
    `input('${prompt}') 会先显示提示符再等待（Python 会刷新输出）；print('${prompt}', end='', flush=True) 也可以。C 语言里在 printf 之后调用 fflush(stdout)。`,
  );

/**
 * Wait for the program's first prompt. If it never shows, was the program waiting at a
 * prompt nobody could see? Type a line (a server's answer, a client's message) and watch
 * the wire (`sent`: the checker's peer has it): either way, end the scenario saying why.
 */
export async function firstPrompt(ctx: Context, sent: () => boolean): Promise<void> {
  const prompt = ctx.info.prompt;
  if (await ctx.until(() => count(ctx.program.stdout, prompt) >= 1)) return;
  const why = await stuck(ctx, ctx.program, promptText(prompt), "no-prompt");
  if (!ctx.program.running || ctx.flooded()) throw why;
  const server = ctx.info.side === "server";
  ctx.program.type(server ? "hi" : "hello");
  if (await ctx.until(sent, ctx.quiet)) {
    const typed = server ? t("the answer", "回答") : t("the line", "那一行");
    throw fail(
      t(
        `it never showed ${prompt}, yet it read ${typed.en} typed after it and sent it: the prompt is still in its output buffer, where nobody can see it.`,
        `它一直没有显示 ${prompt}，却读到了之后输入的${typed.zh}并发了出去：提示符还留在它的输出缓冲区里，没人看得见。`,
      ),
      BUFFERED_PROMPT(prompt),
      "no-prompt",
      LESSONS.buffering,
    );
  }
  throw why;
}

/** Wait until `program` has shown `prompt` `n` times; otherwise end the scenario saying why. */
export async function prompted(
  ctx: Context,
  n: number,
  program = ctx.program,
  prompt = ctx.info.prompt,
): Promise<void> {
  const shown = await ctx.until(() => count(program.stdout, prompt) >= n, ctx.deadline, {
    program,
  });
  if (!shown) throw await stuck(ctx, program, promptText(prompt));
}

/** `program`'s output must be exactly `expected` now (what a faithful program prints). */
export function shows(
  ctx: Context,
  sent?: string,
  program = ctx.program,
  expected = ctx.expect,
): void {
  const actual = program.stdout;
  if (actual === expected) return;
  const stream = program.terminal === "pty" ? t("terminal", "终端") : t("stdout", "stdout");
  throw fail(
    t(
      `its ${stream.en} differs from what the article's program prints.`,
      `它的 ${stream.zh} 和文章程序打印的不一样。`,
    ),
    outputHint(expected, actual, sent),
  );
}

/** Wait until `peer` has received as many bytes as `expected` (everything so far), then compare. */
export async function arrives(ctx: Context, peer: TcpPeer, expected: string): Promise<void> {
  const want = Buffer.from(expected, "utf8");
  const enough = () => peer.bytes().length >= want.length || peer.fin || peer.reset;
  const came = await ctx.until(enough, ctx.deadline, { whileRunning: false });
  let got = peer.bytes();
  if (got.equals(want)) return;
  if (got.length > want.length) {
    // more than a faithful program sends: is it still sending, flooding the wire?
    const before = got.length;
    await ctx.until(() => ctx.flooded(), ctx.quiet);
    const after = peer.bytes().length;
    if (ctx.flooded() && !ctx.wire.flooded)
      throw await stuck(ctx, ctx.program, t("it to wait", "它停下来等待"));
    if (ctx.wire.flooded || after > before) {
      throw fail(
        t(
          `it sent the checker ${after} bytes where ${want.length} were typed, and went on sending without waiting for anyone: cut off.`,
          `输入的是 ${want.length} 个字节，它却向检查程序发送了 ${after} 个字节，而且不等任何人一直发下去：已被强行停止。`,
        ),
        t(
          "a loop that never waits for input or for the network.",
          "一个既不等输入也不等网络的循环。",
        ),
      );
    }
    got = peer.bytes();
  }
  if (!came && got.length === 0) {
    throw await stuck(
      ctx,
      ctx.program,
      t(`the answer to reach the ${peer.name}`, `回答到达${peerName(peer.name)}`),
    );
  }
  throw fail(
    t(
      `the ${peer.name} did not receive what was typed, byte for byte.`,
      `${peerName(peer.name)}收到的不是输入的内容，字节不符。`,
    ),
    wireHint(want, got),
  );
}

/** Wait for the `n`th datagram at `peer` (from 1): it must hold `expected` and come from `from`. */
export async function datagram(
  ctx: Context,
  peer: UdpPeer,
  n: number,
  expected: string,
  from: number,
): Promise<void> {
  const came = await ctx.until(() => peer.datagrams.length >= n);
  const got = peer.datagrams[n - 1];
  if (!came || !got) {
    throw await stuck(
      ctx,
      ctx.program,
      t(`the answer to reach ${peer.name}`, `回答到达 ${peerName(peer.name)}`),
    );
  }
  const want = Buffer.from(expected, "utf8");
  if (!got.bytes.equals(want)) {
    throw fail(
      t(
        `${peer.name} did not receive what was typed, byte for byte.`,
        `${peerName(peer.name)}收到的不是输入的内容，字节不符。`,
      ),
      wireHint(want, got.bytes),
    );
  }
  if (got.from !== from) {
    throw fail(
      t(
        `the answer came from port ${got.from}, not from ${from}.`,
        `回答来自端口 ${got.from}，而不是 ${from}。`,
      ),
    );
  }
}

/** The checker's side, in the report's language: "client", "客户端". */
export function peerName(name: string): string {
  const zh: Record<string, string> = {
    client: "客户端",
    "client 2": "第二个客户端",
    server: "服务端",
    A: "A",
    B: "B",
    stranger: "陌生人",
  };
  return zh[name] ?? name;
}

/** A sentence with the first letter in capitals, for English. */
export const sentence = (text: Text): Text =>
  join(t(text.en.charAt(0).toUpperCase() + text.en.slice(1), text.zh));
