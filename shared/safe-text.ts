/**
 * Make text that came from the network safe to write to a terminal: every control or
 * format character is shown escaped instead of being obeyed. Escaped as `\xNN`: C0 except
 * tab and newline (so `\r` too), DEL, and C1 (U+0080 to U+009F). Escaped as `\uNNNN` (or
 * `\u{NNNNN}`): the invisible format characters (Unicode category Cf: the direction
 * overrides U+202A-U+202E and isolates U+2066-U+2069, zero-width spaces and joiners, the
 * byte-order mark, …) and the line and paragraph separators U+2028 and U+2029.
 * Everything else, Chinese, emoji and combining accents included, passes unchanged; so
 * does a zero-width joiner between two pictographs, which makes one emoji of them (👩‍💻).
 *
 * Without this a peer could send `\x1b[2J` and clear the learner's screen, ring the bell,
 * hide text with `\r`, or reorder what a line seems to say with a direction override
 * ("Trojan Source").
 *
 * @module
 */
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /(\p{Extended_Pictographic}[\u{1f3fb}-\u{1f3ff}\ufe0f]?\u200d)(?=\p{Extended_Pictographic})|[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\p{Cf}]/gu;

/**
 * `text` with every control or format character shown escaped (`\x1b`, `\u202e`) instead
 * of obeyed; all else, Chinese and emoji included, unchanged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { safeText } from "./safe-text.ts";
 * assert.equal(safeText("hi\x1b[2J 你好\t!\n"), "hi\\x1b[2J 你好\t!\n"); // no screen cleared
 * assert.equal(safeText("abc\u202edef"), "abc\\u202edef"); // no text reversed
 * assert.equal(safeText("👩‍💻"), "👩‍💻");
 * ```
 */
export function safeText(text: string): string {
  return text.replace(UNSAFE, (c: string, emoji: string | undefined) => emoji ?? escaped(c));
}

function escaped(c: string): string {
  const code = c.codePointAt(0) as number;
  const hex = code.toString(16);
  if (code <= 0xff) return `\\x${hex.padStart(2, "0")}`;
  return code <= 0xffff ? `\\u${hex.padStart(4, "0")}` : `\\u{${hex}}`;
}
