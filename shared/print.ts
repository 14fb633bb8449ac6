/**
 * Python's `print(a, b)`: the parts joined by one space, then a newline, on stdout.
 * Objects print through their `toString()`, so an {@linkcode Address} prints as a tuple.
 *
 * @example
 * ```ts
 * import { print } from "./print.ts";
 * print("来自宝宝的消息:", "你好"); // stdout: "来自宝宝的消息: 你好\n"
 * ```
 * @module
 */
export function print(...parts: unknown[]): void {
  process.stdout.write(`${parts.map(String).join(" ")}\n`);
}
