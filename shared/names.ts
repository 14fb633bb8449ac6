/**
 * Names in the chat room that cannot lie. A name is compared folded: NFKC (so fullwidth
 * ａ and mathematical 𝐚 are a), then lower case. It is refused when it holds something
 * invisible (a Hangul filler, a zero-width or format character), when it mixes scripts
 * (Cyrillic а among Latin letters), or when it looks like the name of someone present:
 * the same skeleton (Unicode TS #39), as аlice (Cyrillic а) has with alice. A member
 * may change the case of their own name.
 *
 * @example
 * ```ts
 * import { nameProblem } from "./names.ts";
 * nameProblem("宝宝", ["alice"]); // undefined: a good name
 * nameProblem("аlice", ["alice"]); // "it mixes scripts (Cyrillic, Latin)"
 * nameProblem("ALICE", ["alice"]); // "alice is here: pick another name"
 * nameProblem("Alice", ["alice"], "alice"); // undefined: your own name in another case
 * ```
 * @module
 */
import { skeleton } from "./confusables.ts";

/** What a name may hold: letters, digits, marks (as in é typed as e + ◌́), `_` and `-`. */
export const NAME_RULE = "letters, digits, _ or -, up to 16";
const SHAPE = /^[\p{L}\p{N}_-][\p{L}\p{M}\p{N}_-]{0,31}$/u;
const MAX_CHARS = 16;
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Z}]/u;

/** The scripts a name may combine (UTS #39 "highly restrictive"): Japanese, Chinese, Korean with Latin. */
const MIXES = [
  ["Latin", "Han", "Hiragana", "Katakana"],
  ["Latin", "Han", "Bopomofo"],
  ["Latin", "Han", "Hangul"],
];
const SCRIPTS = [
  "Latin",
  "Greek",
  "Cyrillic",
  "Armenian",
  "Hebrew",
  "Arabic",
  "Devanagari",
  "Bengali",
  "Thai",
  "Georgian",
  "Hangul",
  "Hiragana",
  "Katakana",
  "Bopomofo",
  "Han",
  "Ethiopic",
  "Cherokee",
].map((name) => ({ name, re: new RegExp(`\\p{Script=${name}}`, "u") }));

/** A name folded for comparison: NFKC, lower case, NFD. */
export function fold(name: string): string {
  return name.normalize("NFKC").toLowerCase().normalize("NFD");
}

/** The scripts of a name's letters, in order of first use (digits, `_`, `-` belong to none). */
export function scriptsOf(name: string): string[] {
  const found = new Set<string>();
  for (const c of name) {
    if (!/\p{L}/u.test(c)) continue;
    found.add(SCRIPTS.find((s) => s.re.test(c))?.name ?? "another script");
  }
  return [...found];
}

/**
 * Why `name` cannot be taken while `present` are in the room, or `undefined` when it can.
 * `own` is the name the asker holds now: its case may change.
 */
export function nameProblem(
  name: string,
  present: Iterable<string>,
  own?: string,
): string | undefined {
  const nfc = name.normalize("NFC");
  if (INVISIBLE.test(nfc)) return "it holds invisible or blank characters";
  if (!SHAPE.test(nfc) || [...nfc].length > MAX_CHARS) return `a name is ${NAME_RULE}`;
  const scripts = scriptsOf(nfc);
  if (scripts.length > 1 && !MIXES.some((mix) => scripts.every((s) => mix.includes(s)))) {
    return `it mixes scripts (${scripts.join(", ")})`;
  }
  const key = fold(nfc);
  const look = skeleton(key);
  for (const other of present) {
    if (other === own) continue;
    const otherKey = fold(other);
    if (otherKey === key) return `${other} is here: pick another name`;
    if (skeleton(otherKey) === look) return `it looks like ${other}, who is here`;
  }
  return undefined;
}
