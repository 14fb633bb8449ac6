/**
 * The page's words in English and in Chinese; the page shows one language at a time
 * (the switch in its header). The ladder's own labels carry both languages always.
 *
 * @example
 * ```ts
 * import { WORDS } from "./words.ts";
 * WORDS.pause.zh; // "暂停"
 * ```
 * @module
 */

export type Language = "en" | "zh";

export const WORDS = {
  title: {
    en: "The lab: a real conversation, segment by segment",
    zh: "实验：一次真实的对话，一个报文段一个报文段地看",
  },
  language: { en: "中文", zh: "English" },
  pause: { en: "Pause", zh: "暂停" },
  resume: { en: "Resume", zh: "继续" },
  step: { en: "Step", zh: "单步" },
  slow: { en: "Slow motion", zh: "慢动作" },
  live: { en: "Live", zh: "实时" },
  clear: { en: "Clear", zh: "清空" },
  restart: { en: "Restart", zh: "重新开始" },
  client: { en: "Another client", zh: "再开一个客户端" },
  pcap: { en: "Capture (.pcap)", zh: "抓包 (.pcap)" },
  svg: { en: "Ladder (SVG)", zh: "梯形图 (SVG)" },
  mermaid: { en: "Ladder (Mermaid)", zh: "梯形图 (Mermaid)" },
  send: { en: "Enter", zh: "回车" },
  ctrlC: { en: "Ctrl-C", zh: "Ctrl-C" },
  ctrlD: { en: "Ctrl-D", zh: "Ctrl-D" },
  typeAs: { en: "type as", zh: "以此身份输入：" },
  running: { en: "running", zh: "运行中" },
  ended: { en: "ended", zh: "已结束" },
  waiting: { en: "waiting", zh: "等待中" },
  server: { en: "高望, the server", zh: "高望（服务端）" },
  client1: { en: "宝宝, the client", zh: "宝宝（客户端）" },
  client2: { en: "宝宝 2, a second client", zh: "宝宝 2（第二个客户端）" },
  wire: {
    en: "Arrows from the wire: tcpdump on lo, every segment the kernel sent.",
    zh: "箭头来自线路：lo 上的 tcpdump，内核发出的每一个报文段。",
  },
  trace: {
    en: "Arrows from the scripts' --trace events, not from the wire: the kernel's own ACKs are not seen. To see the wire, run the lab as root (sudo make lab). No capture because:",
    zh: "箭头来自脚本的 --trace 事件，不是线路：内核自己发的 ACK 看不到。要看线路，请用 root 运行（sudo make lab）。不能抓包的原因：",
  },
  viewers: { en: "pages open on this lab:", zh: "打开本实验的页面数：" },
  noFont: {
    en: "This browser has no font for Chinese: 高望, 宝宝 and what they type show as boxes. On Debian or Ubuntu: sudo apt-get install fonts-noto-cjk (or the smaller fonts-wqy-microhei), then reload this page.",
    zh: "这个浏览器没有中文字体：高望、宝宝和他们输入的中文会显示成方框。Debian 或 Ubuntu 上：sudo apt-get install fonts-noto-cjk（或者小一些的 fonts-wqy-microhei），然后刷新页面。",
  },
  lost: {
    en: "Lost the lab: is make lab still running? Trying again…",
    zh: "与实验断开：make lab 还在运行吗？正在重试……",
  },
} as const;

export type Word = keyof typeof WORDS;
