/**
 * Two transcripts side by side, as a terminal shows them: each line of what a faithful
 * program prints beside the same line of what this one printed, a mark between them where
 * they differ. Chinese and emoji take two columns; a newline shows as ⏎ so that a missing or
 * extra one is visible; control characters show as \xNN, never raw.
 *
 * @example
 * ```ts
 * import { sideBySide } from "./columns.ts";
 * sideBySide("expected", "来自宝宝的消息: 你好\n高望>>>", "actual", "来自宝宝的消息: 浣犲ソ\n高望>>>");
 * // expected              │ actual
 * // 来自宝宝的消息: 你好⏎  ≠ 来自宝宝的消息: 浣犲ソ⏎
 * // 高望>>>               │ 高望>>>
 * ```
 * @module
 */

/** How many terminal columns `char` takes: two for East Asian wide and fullwidth characters. */
export function charWidth(char: string): number {
  const code = char.codePointAt(0) ?? 0;
  if (code < 0x20 || (code >= 0x7f && code < 0xa0)) return 0;
  if (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf && code !== 0x303f) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  )
    return 2;
  if (/\p{M}/u.test(char) || code === 0x200d || (code >= 0xfe00 && code <= 0xfe0f)) return 0;
  return 1;
}

/** The width of `text` on a terminal. */
export function width(text: string): number {
  let w = 0;
  for (const char of text) w += charWidth(char);
  return w;
}

/** A line as the report shows it: control characters escaped. */
export function visible(line: string): string {
  return line.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
    /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

/** `text` cut to at most `max` columns (with … when cut), then padded to `max`. */
export function fit(text: string, max: number): string {
  let out = "";
  let w = 0;
  for (const char of text) {
    const cw = charWidth(char);
    if (w + cw > max - (width(text) > max ? 1 : 0)) {
      out += "…";
      w += 1;
      break;
    }
    out += char;
    w += cw;
  }
  return out + " ".repeat(Math.max(0, max - w));
}

/** A transcript's lines, each with ⏎ where the program wrote a newline. */
export function lines(text: string): string[] {
  if (text === "") return [];
  const parts = text.split("\n");
  return parts
    .map((p, n) => visible(p) + (n < parts.length - 1 ? "⏎" : ""))
    .filter((l, n) => l !== "" || n < parts.length - 1);
}

/** Two transcripts side by side under their headings; at most `rows` rows, each side `cols` wide. */
export function sideBySide(
  leftHead: string,
  left: string,
  rightHead: string,
  right: string,
  cols = 38,
  rows = 14,
): string[] {
  const a = lines(left);
  const b = lines(right);
  const out = [`${fit(leftHead, cols)} │ ${rightHead}`];
  const count = Math.max(a.length, b.length);
  // show the end of long transcripts: where they part is usually near it
  const from = Math.max(0, Math.min(firstDiff(a, b), count - rows));
  if (from > 0) out.push(`${fit("…", cols)} │ …`);
  for (let i = from; i < Math.min(count, from + rows); i++) {
    const mark = a[i] === b[i] ? "│" : "≠";
    out.push(`${fit(a[i] ?? "", cols)} ${mark} ${fit(b[i] ?? "", cols + 20).trimEnd()}`);
  }
  if (from + rows < count) out.push(`${fit("…", cols)} │ …`);
  return out;
}

function firstDiff(a: string[], b: string[]): number {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return Math.max(0, i - 2);
}
