/**
 * Where to read about each scenario: a section of a lesson in docs/ and its twin in docs/zh/,
 * named by its heading. A link is the page and GitHub's anchor for the heading, so that it
 * opens at the section on a code host and in most Markdown viewers.
 *
 * @example
 * ```ts
 * import { LESSONS, lessonLink } from "./lessons.ts";
 * lessonLink(LESSONS.stdinEnds, "en"); // "docs/06-pitfalls.md#stdin-ends"
 * lessonLink(LESSONS.stdinEnds, "zh"); // "docs/zh/06-pitfalls.md#标准输入结束"
 * ```
 * @module
 */
import type { Lang } from "./text.ts";

export interface Lesson {
  /** The page's file name, the same in docs/ and docs/zh/. */
  page: string;
  /** The section's heading in the English page (without the #s). */
  en: string;
  /** The section's heading in the 中文 page. */
  zh: string;
}

const lesson = (page: string, en: string, zh: string): Lesson => ({ page, en, zh });

export const LESSONS = {
  tcpServer: lesson("04-tcp-walkthrough.md", "The server", "服务端"),
  tcpClient: lesson("04-tcp-walkthrough.md", "The client", "客户端"),
  udpServer: lesson("05-udp-walkthrough.md", "The server", "服务端"),
  udpClient: lesson("05-udp-walkthrough.md", "The client", "客户端"),
  twoSockets: lesson(
    "11-sockets.md",
    "Two kinds of socket on port 8001",
    "8001 端口上的两种套接字",
  ),
  acceptQueue: lesson(
    "11-sockets.md",
    "The accept-queue exercise: six clients",
    "全连接队列实验：六个客户端",
  ),
  buffering: lesson("07-python-to-node.md", "The calls, one by one", "逐个调用对照"),
  gbk: lesson("16-windows.md", "3. The console: GBK and UTF-8", "3. 控制台：GBK 与 UTF-8"),
  leaves: lesson("06-pitfalls.md", "The peer leaves without byebye", "对方没说 byebye 就离开了"),
  halfClose: lesson("12-half-close.md", "What each side can still do", "每一方还能做什么"),
  stdinEnds: lesson("06-pitfalls.md", "stdin ends", "标准输入结束"),
  ctrlC: lesson("06-pitfalls.md", "Ctrl-C and SIGTERM", "Ctrl-C 与 SIGTERM"),
  split: lesson("06-pitfalls.md", "A character split across two reads", "一个字符被拆在两次读取里"),
  notUtf8: lesson("06-pitfalls.md", "Bytes that are not UTF-8", "不是 UTF-8 的字节"),
  control: lesson("06-pitfalls.md", "Control characters from the network", "来自网络的控制字符"),
  noServer: lesson(
    "06-pitfalls.md",
    "No server, port in use, bad host, privileged port",
    "没有服务端、端口被占用、主机名错误、特权端口",
  ),
  udpNobody: lesson("06-pitfalls.md", "UDP: nobody answers", "UDP：没有人回答"),
  emptyLine: lesson("06-pitfalls.md", "TCP: an empty line", "TCP：空行"),
  framing: lesson("15-framing.md", "The two standard answers", "两种标准解法"),
  stranger: lesson(
    "13-connected-udp.md",
    "Who may answer an unconnected client?",
    '谁可以"回答"一个未连接的客户端？',
  ),
} satisfies Record<string, Lesson>;

/**
 * GitHub's anchor for a heading: lower case, every character that is not a letter, a mark,
 * a digit, a connector, a space or a hyphen removed, each space a hyphen.
 */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** The lesson's page and section, in `lang`: `docs/06-pitfalls.md#stdin-ends`. */
export function lessonLink(lesson: Lesson, lang: Lang): string {
  const dir = lang === "zh" ? "docs/zh" : "docs";
  return `${dir}/${lesson.page}#${slug(lesson[lang])}`;
}
