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
 * import { NameBook } from "./names.ts";
 * const names = new NameBook();
 * names.add("alice");
 * names.problem("宝宝"); // undefined: a good name
 * names.problem("аlice"); // "it mixes scripts (Cyrillic, Latin)"
 * names.problem("ALICE"); // "alice is here: pick another name"
 * names.problem("Alice", "alice"); // undefined: your own name in another case
 * lookOf("аlice") === lookOf("alice"); // true: what a room of many servers claims
 * ```
 * @module
 */
import { CONFUSABLES } from "./confusables.ts";

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

let prototypes: Map<string, string> | undefined;

/** A folded name's skeleton (UTS #39): each character by the prototype it looks like. */
export function skeleton(folded: string): string {
  prototypes ??= new Map(
    CONFUSABLES.trim()
      .split(/\s+/)
      .map((entry) => {
        const chars = (points: string) =>
          String.fromCodePoint(...points.split(".").map((p) => Number.parseInt(p, 16)));
        const [from = "", to = ""] = entry.split(":");
        return [chars(from), chars(to)];
      }),
  );
  let out = "";
  for (const c of folded) out += prototypes.get(c) ?? c;
  return out.normalize("NFD");
}

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
 * What a name is compared by: folded, and its skeleton (what it looks like), accents and
 * other combining marks left out: ali̇ce (i with a dot above) and aḷice look like alice.
 */
function keys(name: string): { key: string; look: string } {
  const key = fold(name);
  return { key, look: skeleton(key).replace(/\p{M}/gu, "") };
}

/**
 * What a name looks like: its skeleton, marks left out (ali̇ce and аlice look like alice).
 * A room of many servers claims this in Redis (tcp/room/presence.ts), so that no two of
 * its servers ever hold two names that look alike.
 */
export function lookOf(name: string): string {
  return keys(name.normalize("NFC")).look;
}

/** Why `name` cannot be taken while `holder` holds a name that looks like it. */
export function heldBy(name: string, holder: string): string {
  return fold(name.normalize("NFC")) === fold(holder)
    ? `${holder} is here: pick another name`
    : `it looks like ${holder}, who is here`;
}

/** More marks on one letter than any language writes (Vietnamese stacks two): "zalgo". */
const STACKED = /\p{M}{3,}/u;

/** The names in use, each found by its folded form and by its skeleton. */
export class NameBook {
  readonly #byKey = new Map<string, string>();
  readonly #byLook = new Map<string, string>();

  /** Note that `name` is in use. */
  add(name: string): void {
    const { key, look } = keys(name);
    this.#byKey.set(key, name);
    this.#byLook.set(look, name);
  }

  /** Note that `name` is free again. */
  delete(name: string): void {
    const { key, look } = keys(name);
    if (this.#byKey.get(key) === name) this.#byKey.delete(key);
    if (this.#byLook.get(look) === name) this.#byLook.delete(look);
  }

  /**
   * Why `name` cannot be taken now, or `undefined` when it can. `own` is the name the
   * asker holds: its case may change.
   */
  problem(name: string, own?: string): string | undefined {
    const nfc = name.normalize("NFC");
    if (INVISIBLE.test(nfc)) return "it holds invisible or blank characters";
    if (!SHAPE.test(nfc) || [...nfc].length > MAX_CHARS) return `a name is ${NAME_RULE}`;
    if (STACKED.test(nfc.normalize("NFD"))) return "it stacks more than two accents on a letter";
    const scripts = scriptsOf(nfc);
    if (scripts.length > 1 && !MIXES.some((mix) => scripts.every((s) => mix.includes(s)))) {
      return `it mixes scripts (${scripts.join(", ")})`;
    }
    const { key, look } = keys(nfc);
    const same = this.#byKey.get(key) ?? this.#byLook.get(look);
    if (same !== undefined && same !== own) return heldBy(nfc, same);
    return undefined;
  }
}
