/**
 * The checker speaks English and 中文. Every sentence it can print is a {@linkcode Text}, both
 * languages side by side, and the report picks one: `--lang zh`, or the terminal's locale
 * (`LC_ALL`, then `LC_MESSAGES`, then `LANG`, as POSIX orders them).
 *
 * @example
 * ```ts
 * import { langFromEnv, say, t } from "./text.ts";
 * const lang = langFromEnv({ LANG: "zh_CN.UTF-8" }); // "zh"
 * say(lang, t("passed", "通过")); // "通过"
 * ```
 * @module
 */

export type Lang = "en" | "zh";

/** One sentence in both languages. */
export interface Text {
  en: string;
  zh: string;
}

/** A sentence in English and in 中文. */
export function t(en: string, zh: string): Text {
  return { en, zh };
}

/** The sentence in `lang`. */
export function say(lang: Lang, text: Text): string {
  return text[lang];
}

/** Sentences joined by a space (English) or run together (中文), as each language writes them. */
export function join(...texts: (Text | undefined)[]): Text {
  const present = texts.filter((x): x is Text => x !== undefined);
  return t(present.map((x) => x.en).join(" "), present.map((x) => x.zh).join(""));
}

/** The language of the terminal's locale: 中文 for any `zh…` locale, English otherwise. */
export function langFromEnv(env: NodeJS.ProcessEnv): Lang {
  for (const name of ["LC_ALL", "LC_MESSAGES", "LANG"]) {
    const value = env[name];
    if (value) return /^zh/i.test(value) ? "zh" : "en";
  }
  return "en";
}
