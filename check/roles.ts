/**
 * The four programs of the article, as the checker knows them: the protocol, the side, the
 * port the article writes into them, the prompt each shows before it reads a line, and the
 * line each prints for a message it receives. The checker plays the other side of each.
 *
 * Article: "python 网络通信协议/TCP,UD", https://www.lsjlt.com/news/180678.html (its TCP server,
 * lines 118-143; TCP client, 147-169; UDP server, 173-189; UDP client, 193-206).
 *
 * @example
 * ```ts
 * import { ROLES } from "./roles.ts";
 * ROLES["tcp-server"].prompt; // "高望>>>"
 * ROLES["udp-server"].shown("你好", 40000); // "你好 ('127.0.0.1', 40000)\n"
 * ```
 * @module
 */

export type Role = "tcp-server" | "tcp-client" | "udp-server" | "udp-client";
export type Kind = "tcp" | "udp";

export interface RoleInfo {
  role: Role;
  kind: Kind;
  side: "server" | "client";
  /** The port the article's program has written into it. */
  port: number;
  /** What it prints, with no newline, before it reads a line. */
  prompt: string;
  /** The file name the article's program has in a learner's folder (and in `--dir`). */
  file: string;
  /** The line it prints for a message `text` from 127.0.0.1:`port` (UDP prints the sender). */
  shown(text: string, port: number): string;
}

const udpShown = (text: string, port: number) => `${text} ('127.0.0.1', ${port})\n`;

export const ROLES: Record<Role, RoleInfo> = {
  "tcp-server": {
    role: "tcp-server",
    kind: "tcp",
    side: "server",
    port: 8001,
    prompt: "高望>>>",
    file: "tcp_server.py",
    shown: (text) => `来自宝宝的消息: ${text}\n`,
  },
  "tcp-client": {
    role: "tcp-client",
    kind: "tcp",
    side: "client",
    port: 8001,
    prompt: "宝宝说:",
    file: "tcp_client.py",
    shown: (text) => `来自高望的消息: ${text}\n`,
  },
  "udp-server": {
    role: "udp-server",
    kind: "udp",
    side: "server",
    port: 8002,
    prompt: "服务端说;",
    file: "udp_server.py",
    shown: udpShown,
  },
  "udp-client": {
    role: "udp-client",
    kind: "udp",
    side: "client",
    port: 8002,
    prompt: "客户端说:",
    file: "udp_client.py",
    shown: udpShown,
  },
};

/** Every prompt of the article, for telling a prompt that went where it should not. */
export const PROMPTS = Object.values(ROLES).map((r) => r.prompt);

export function isRole(word: string): word is Role {
  return Object.hasOwn(ROLES, word);
}
