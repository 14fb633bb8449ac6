/**
 * What is not chat, from the first thing a connection says: a browser's HTTP request (any
 * web page can make one to 127.0.0.1:8003 with `fetch(…, { mode: "no-cors" })`, and its
 * headers and body would become chat lines, a `/nick` in the body included), a Redis
 * client's command (RESP), a TLS handshake. The room closes such a connection with a line
 * saying why, before anything of it is heard. (Redis does the same with HTTP requests:
 * "Possible SECURITY ATTACK detected".)
 *
 * `foreignBytes` looks at the first bytes (a TLS record has no line in it);
 * `foreignLine` at the first line.
 *
 * @example
 * ```ts
 * import { foreignBytes, foreignLine } from "./not-chat.ts";
 * foreignLine("POST / HTTP/1.1"); // "an HTTP request is not a chat line: was it a web page?"
 * foreignLine("*1"); // "a Redis command (RESP) is not a chat line"
 * foreignLine("你好"); // undefined: chat
 * foreignBytes(Buffer.from([0x16, 0x03, 0x01])); // "the room speaks plain text, not TLS"
 * ```
 * @module
 */

/** An HTTP request line, as every browser and HTTP client begins. */
const REQUEST_LINE = /^[A-Z]{3,10} \S+ HTTP\/\d(\.\d)?$/;
/** A header line a client sends: `Host:`, `User-Agent:`, `Content-Type:`, `Sec-Fetch-Mode:`… */
const HEADER =
  /^(Host|User-Agent|Accept(-[A-Za-z]+)?|Content-(Type|Length)|Origin|Referer|Connection|Cookie|Upgrade|Sec-[A-Za-z-]+): /i;
/** RESP: an array of bulk strings, `*1\r\n$4\r\nPING\r\n`, as redis-cli and every client send. */
const RESP = /^\*\d{1,9}$/;

/** Why the first line `line` is not chat, or `undefined` if it may be. */
export function foreignLine(line: string): string | undefined {
  const text = line.endsWith("\r") ? line.slice(0, -1) : line;
  if (REQUEST_LINE.test(text) || HEADER.test(text)) {
    return "an HTTP request is not a chat line: was it a web page?";
  }
  if (RESP.test(text)) return "a Redis command (RESP) is not a chat line";
  return undefined;
}

/** Why a connection whose first bytes are `bytes` is not chat, or `undefined` if it may be. */
export function foreignBytes(bytes: Buffer): string | undefined {
  // a TLS record: handshake (22), version 3.x
  if (bytes[0] === 0x16 && bytes[1] === 0x03) return "the room speaks plain text, not TLS";
  return undefined;
}
