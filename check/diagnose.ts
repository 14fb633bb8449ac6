/**
 * From a difference to a sentence a learner can act on. Given what a faithful program would
 * have printed or sent and what this one did, it recognises the usual mistakes: UTF-8 bytes
 * decoded as GBK (or sent as GBK), the bytes printed instead of the text, the newline sent
 * with the message, the prompt sent over the socket or followed by a newline, a full-width
 * colon, a missing space; otherwise it names the first place where the two part.
 *
 * @example
 * ```ts
 * import { outputHint, wireHint } from "./diagnose.ts";
 * wireHint(Buffer.from("hi baby"), Buffer.from("hi baby\n")).en; // "it sends a newline after the message …"
 * outputHint("来自宝宝的消息: 你好\n", "来自宝宝的消息: 浣犲ソ\n", "你好").en; // "… decodes them as GBK …"
 * ```
 * @module
 */
import { PROMPTS } from "./roles.ts";
import { type Text, t } from "./text.ts";

/** `bytes` decoded as `encoding` (a TextDecoder label), or undefined if it cannot be. */
function decodeAs(bytes: Buffer, encoding: string): string | undefined {
  try {
    return new TextDecoder(encoding, { fatal: false }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Python's repr of bytes, as `print(data)` shows undecoded bytes: b'\xe4\xbd\xa0'. */
function pythonBytes(bytes: Buffer): string {
  let out = "";
  for (const b of bytes) {
    if (b === 0x5c) out += "\\\\";
    else if (b === 0x27) out += "\\'";
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else if (b === 0x0a) out += "\\n";
    else out += `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return `b'${out}'`;
}

/** Why the program's output differs, when `sent` is the message it received (if any). */
export function outputHint(expected: string, actual: string, sent?: string): Text | undefined {
  if (sent !== undefined && /[^\p{ASCII}]/u.test(sent)) {
    const bytes = Buffer.from(sent, "utf8");
    const gbk = decodeAs(bytes, "gbk");
    if (gbk && actual.includes(gbk.slice(0, 2))) {
      const shown = gbk.length > 12 ? `${gbk.slice(0, 12)}…` : gbk;
      return t(
        `the message arrived as UTF-8 bytes (${hexOf(bytes.subarray(0, 6))} …) and your program decodes them as GBK (${shown}): decode with .decode('utf-8'), as the article does, whatever your console's code page.`,
        `消息以 UTF-8 字节到达（${hexOf(bytes.subarray(0, 6))} …），你的程序却按 GBK 解码（${shown}）：请像文章那样用 .decode('utf-8') 解码，不管控制台用什么代码页。`,
      );
    }
    const latin = decodeAs(bytes, "latin1");
    if (latin && actual.includes(latin.slice(0, 2))) {
      return t(
        "your program decodes the UTF-8 bytes as Latin-1: decode with .decode('utf-8').",
        "你的程序把 UTF-8 字节按 Latin-1 解码了：请用 .decode('utf-8')。",
      );
    }
  }
  if (sent !== undefined && actual.includes(pythonBytes(Buffer.from(sent, "utf8")).slice(0, 6))) {
    return t(
      "your program prints the bytes object (b'…'), not the text: decode it first, data.decode('utf-8').",
      "你的程序打印的是 bytes 对象（b'…'），不是文字：先解码，data.decode('utf-8')。",
    );
  }
  for (const prompt of PROMPTS) {
    if (
      expected.includes(prompt) &&
      actual.includes(`${prompt}\n`) &&
      !expected.includes(`${prompt}\n`)
    ) {
      return t(
        `a newline follows the prompt ${prompt}: print() adds one; input('${prompt}') shows the prompt and waits on the same line.`,
        `提示符 ${prompt} 后面多了换行：print() 会加换行；input('${prompt}') 显示提示符后就在同一行等待输入。`,
      );
    }
    const wide = prompt.replace(":", "：").replace(";", "；");
    if (expected.includes(prompt) && !actual.includes(prompt) && actual.includes(wide)) {
      return t(
        `the prompt should be ${prompt}, with the ASCII '${prompt.at(-1)}'; yours has the full-width '${wide.at(-1)}'.`,
        `提示符应为 ${prompt}，用半角的 '${prompt.at(-1)}'；你的程序用了全角的 '${wide.at(-1)}'。`,
      );
    }
  }
  if (/消息: /.test(expected) && /消息:[^ ]/.test(actual)) {
    return t(
      "print('来自宝宝的消息:', text) puts one space between its two parts; your line has none.",
      "print('来自宝宝的消息:', text) 会在两部分之间加一个空格；你的输出没有这个空格。",
    );
  }
  if (actual.startsWith(expected) && actual.length > expected.length) {
    return t(
      `after what the article's program prints, yours printed more: ${JSON.stringify(actual.slice(expected.length, expected.length + 40))}.`,
      `在文章程序该打印的内容之后，你的程序还多打印了：${JSON.stringify(actual.slice(expected.length, expected.length + 40))}。`,
    );
  }
  return firstDifference(expected, actual);
}

/** Where two texts part: line and column, and what each has there. */
export function firstDifference(expected: string, actual: string): Text | undefined {
  if (expected === actual) return undefined;
  let at = 0;
  while (at < expected.length && expected[at] === actual[at]) at++;
  const before = expected.slice(0, at);
  const line = before.split("\n").length;
  const column = at - before.lastIndexOf("\n");
  const show = (s: string) => (s === "" ? "(nothing)" : JSON.stringify(s.slice(0, 24)));
  const showZh = (s: string) => (s === "" ? "（没有内容）" : JSON.stringify(s.slice(0, 24)));
  return t(
    `they part at line ${line}, column ${column}: expected ${show(expected.slice(at))}, got ${show(actual.slice(at))}.`,
    `两者从第 ${line} 行第 ${column} 列开始不同：应为 ${showZh(expected.slice(at))}，实际为 ${showZh(actual.slice(at))}。`,
  );
}

/** Why the bytes the checker received differ from the ones a faithful program sends. */
export function wireHint(expected: Buffer, actual: Buffer): Text | undefined {
  if (actual.equals(expected)) return undefined;
  const text = expected.toString("utf8");
  if (actual.length === 0) {
    return t("nothing arrived.", "什么也没有收到。");
  }
  for (const end of ["\n", "\r\n"]) {
    if (actual.equals(Buffer.concat([expected, Buffer.from(end)]))) {
      return t(
        `it sends ${JSON.stringify(end)} after the message: input() strips the newline, and the article sends only what was typed (to_client_msg.encode('utf-8')).`,
        `它在消息后面多发了 ${JSON.stringify(end)}：input() 已去掉换行，文章只发送输入的内容（to_client_msg.encode('utf-8')）。`,
      );
    }
  }
  const got = actual.toString("utf8");
  const prompt = PROMPTS.find((p) => got.includes(p) && !text.includes(p));
  if (prompt) {
    return t(
      `the prompt ${prompt} went over the socket: it is for your own terminal only (input('${prompt}')); send only what was typed.`,
      `提示符 ${prompt} 被发到了网络上：提示符只给自己的终端看（input('${prompt}')）；只发送输入的内容。`,
    );
  }
  if (/[^\p{ASCII}]/u.test(text) && decodeAs(actual, "gbk") === text) {
    return t(
      "it sends GBK bytes: the article encodes with .encode('utf-8'), and the other side decodes UTF-8.",
      "它发送的是 GBK 字节：文章用 .encode('utf-8') 编码，对方按 UTF-8 解码。",
    );
  }
  return t(
    `expected ${expected.length} bytes (${JSON.stringify(text.slice(0, 40))}), got ${actual.length} (${JSON.stringify(got.slice(0, 40))}).`,
    `应收到 ${expected.length} 个字节（${JSON.stringify(text.slice(0, 40))}），实际收到 ${actual.length} 个（${JSON.stringify(got.slice(0, 40))}）。`,
  );
}

/** Bytes as hex pairs: "e4 bd a0". */
export function hexOf(bytes: Buffer): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");
}
