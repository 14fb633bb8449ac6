/**
 * Python's `print(a, b)`: the parts joined by one space, then a newline, on stdout.
 * Objects print through their `toString()`, so an {@linkcode Address} prints as a tuple.
 *
 * Like Python's buffered stdout, what is printed waits for the end of the current turn
 * of the script (or for the next prompt, or a note on stderr) and then goes out in one
 * write: the message and the prompt that follows it reach the terminal, or a pipe's
 * reader, together. The bytes are the same; there are fewer of them in flight.
 *
 * @module
 */
import { Terminal } from "./terminal.ts";

let pending = "";

/**
 * Python's `print(a, b)`: `parts` joined by one space, then a newline, on stdout, at the end
 * of this turn of the script (or with the next prompt or note).
 *
 * @example
 * ```ts
 * import { Address } from "./address.ts";
 * import { print } from "./print.ts";
 * print("来自宝宝的消息:", "你好"); // stdout: 来自宝宝的消息: 你好
 * print("你好", new Address("127.0.0.1", 8002)); // stdout: 你好 ('127.0.0.1', 8002)
 * ```
 */
export function print(...parts: unknown[]): void {
  // A resolved promise's reaction, not queueMicrotask: Node makes an async resource for each
  // call of that, a cost the chat would pay at every message.
  if (pending === "") void Promise.resolve().then(() => flush());
  pending += `${parts.map(String).join(" ")}\n`;
}

/**
 * Write what `print` holds, then `more` (a prompt), in one write: above the typing on a terminal.
 *
 * @example
 * ```ts
 * import { flush, print } from "./print.ts";
 * print("来自宝宝的消息:", "你好");
 * flush("高望>>>"); // one write on stdout: "来自宝宝的消息: 你好\n高望>>>"
 * ```
 */
export function flush(more = ""): void {
  const text = pending + more;
  pending = "";
  if (text === "") return;
  const terminal = Terminal.started();
  if (terminal) terminal.show(text);
  else process.stdout.write(text);
}
