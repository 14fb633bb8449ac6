/**
 * The word that ends a TCP conversation in the article. A received `byebye` followed by
 * one line ending (`\n`, or `\r\n` as `nc` sends) counts too.
 *
 * @example
 * ```ts
 * import { isByebye } from "./byebye.ts";
 * isByebye("byebye\r\n"); // true
 * isByebye("byebye!"); // false
 * ```
 * @module
 */
export const BYEBYE = "byebye";

export function isByebye(text: string): boolean {
  return text === BYEBYE || text === `${BYEBYE}\n` || text === `${BYEBYE}\r\n`;
}
