/**
 * stdin read as text as it comes, for `input` (input.ts) off a terminal: each chunk is
 * decoded as UTF-8 (a character split between two reads comes whole with the second,
 * bytes that are not UTF-8 become U+FFFD, a byte-order mark is kept as Python keeps it)
 * and handed to `onText`; `onEnd` is called once, when stdin ends or cannot be read.
 *
 * The returned `hold(waiting)` lets stdin keep the process alive only while a prompt
 * waits, so a script ends when its conversation does, whatever stdin still holds
 * (`holder` gives the same for the terminal's stdin, which the line editor reads).
 *
 * @module
 */

/**
 * A readable stdin that may or may not keep the process alive (Deno's process.stdin cannot).
 *
 * @example
 * ```ts
 * import { holder, type Stdin } from "./stdin.ts";
 * const stdin: Stdin = process.stdin;
 * const hold = holder(stdin); // at first stdin does not keep the process alive
 * hold(true); // now it does, until:
 * hold(false);
 * ```
 */
export type Stdin = NodeJS.ReadableStream & { ref?: () => void; unref?: () => void };

/**
 * Read stdin as text, handing each chunk to `onText` and its end to `onEnd`; returns its
 * `hold(waiting)`, which lets stdin keep the process alive (`true`) or not (`false`, at first).
 *
 * @example
 * ```ts
 * import { readStdin } from "./stdin.ts";
 * const hold = readStdin(
 *   (text) => {
 *     console.log(JSON.stringify(text)); // "你好\n", as it came
 *     hold(false); // answered: the process may end
 *   },
 *   () => console.log("stdin ended"),
 * );
 * hold(true); // a prompt is open: wait for stdin
 * ```
 */
export function readStdin(
  onText: (text: string) => void,
  onEnd: () => void,
): (waiting: boolean) => void {
  const stdin = process.stdin;
  stdin.setEncoding("utf8");
  stdin.on("data", onText);
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    onEnd();
  };
  stdin.on("end", end);
  stdin.on("error", end); // stdin that cannot be read has ended
  return holder(stdin);
}

/**
 * The `hold(waiting)` of a stdin stream: ref'd while a prompt waits, unref'd otherwise, the
 * stream going on reading. Where it cannot be unref'd (Deno's process.stdin), it is paused
 * instead, once this turn is over: Deno lets go of stdin a tick after the pause, and the
 * read the stream starts after a line (to read ahead) would hold it again.
 *
 * @example
 * ```ts
 * import { holder } from "./stdin.ts";
 * const hold = holder(process.stdin); // not holding, at first
 * process.stdin.once("data", (chunk) => {
 *   console.log(`read ${chunk.length} bytes`);
 *   hold(false);
 * });
 * hold(true); // wait for stdin
 * ```
 */
export function holder(stdin: Stdin): (waiting: boolean) => void {
  let holding = true;
  const hold = (waiting: boolean) => {
    if (waiting === holding) return;
    holding = waiting;
    if (stdin.unref === undefined) {
      if (waiting) stdin.resume();
      else
        setImmediate(() => {
          if (!holding) stdin.pause();
        });
    } else if (waiting) {
      stdin.ref?.();
    } else {
      stdin.unref();
    }
  };
  hold(false);
  return hold;
}
