/**
 * The word that ends a TCP conversation in the article.
 *
 * @module
 */

/**
 * The word that ends a TCP conversation in the article: the client sends it, and both
 * sides close.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BYEBYE } from "./byebye.ts";
 * const toServerMsg = "byebye"; // typed at the client's prompt
 * assert.ok(toServerMsg === BYEBYE); // if to_server_msg == 'byebye': break
 * ```
 */
export const BYEBYE = "byebye";

/**
 * Whether a received `text` is {@linkcode BYEBYE}: the word alone, or followed by one line
 * ending (`\n`, or `\r\n` as `nc -C` sends it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isByebye } from "./byebye.ts";
 * assert.equal(isByebye("byebye"), true);
 * assert.equal(isByebye("byebye\r\n"), true);
 * assert.equal(isByebye("byebye!"), false);
 * ```
 */
export function isByebye(text: string): boolean {
  return text === BYEBYE || text === `${BYEBYE}\n` || text === `${BYEBYE}\r\n`;
}
