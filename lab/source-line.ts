/**
 * The statement at a script line, for the ladder: `tcp/client.ts:40` becomes
 * `tcp/client.ts:40 send(client, toServerMsg)`, the code a reader finds on that line
 * (its comment, which names the article's line, is left out).
 *
 * @example
 * ```ts
 * import { sourceLine } from "./source-line.ts";
 * sourceLine("tcp/client.ts:40"); // "tcp/client.ts:40 send(client, toServerMsg)"
 * ```
 * @module
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./root.ts";

const files = new Map<string, string[]>();

export function sourceLine(at: string): string {
  const [file = "", number = "0"] = at.split(":");
  if (!files.has(file)) {
    let lines: string[] = [];
    try {
      lines = readFileSync(join(ROOT, file), "utf8").split("\n");
    } catch {
      // a script we cannot read: the place alone will do
    }
    files.set(file, lines);
  }
  const code = (files.get(file)?.[Number(number) - 1] ?? "").replace(/\s*\/\/.*$/, "").trim();
  const statement = code.replace(/^(?:const|let) .*? = (?:await )?|^await |;$/g, "");
  return statement ? `${at} ${statement}` : at;
}
