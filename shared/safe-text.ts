/**
 * Make text that came from the network safe to write to a terminal: every control
 * character is shown escaped as `\xNN` instead of being obeyed. Controls are C0 except
 * tab and newline (so `\r` too), DEL, and C1 (U+0080 to U+009F). Everything else,
 * Chinese and emoji included, passes unchanged.
 *
 * Without this a peer could send `\x1b[2J` and clear the learner's screen, or ring
 * the bell, or hide text with `\r`.
 *
 * @example
 * ```ts
 * import { safeText } from "./safe-text.ts";
 * safeText("hi\x1b[31m 你好\t!\n"); // "hi\\x1b[31m 你好\t!\n"
 * ```
 * @module
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

export function safeText(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
