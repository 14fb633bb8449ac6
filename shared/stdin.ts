/**
 * stdin read as text as it comes, for `input` (input.ts) off a terminal: each chunk is
 * decoded as UTF-8 (a character split between two reads comes whole with the second,
 * bytes that are not UTF-8 become U+FFFD, a byte-order mark is kept as Python keeps it)
 * and handed to `onText`; `onEnd` is called once, when stdin ends or cannot be read.
 *
 * Where stdin is a pipe or a socket, as when a program or a test types into the chat, it
 * is read through a socket of its own on fd 0 that hands each read straight to `onText`
 * (Node's `onread`), without the readable stream of `process.stdin` in between: a line
 * then takes a few calls to reach its prompt instead of a stream's dozen and a tick (on
 * this project's 2-core machine: 7% off the UDP mirrors' first thousand exchanges on Node
 * 20, 12% on Node 24).
 * A file or /dev/null is read through `process.stdin`.
 *
 * The returned `hold(waiting)` lets stdin keep the process alive only while a prompt
 * waits, so a script ends when its conversation does, whatever stdin still holds
 * (`holder` gives the same for the terminal's stdin, which the line editor reads).
 *
 * @example
 * ```ts
 * import { readStdin } from "./stdin.ts";
 * const hold = readStdin((text) => console.log(JSON.stringify(text)), () => console.log("end"));
 * hold(true); // wait for stdin: the process stays until it ends
 * ```
 * @module
 */

import { type OnReadOpts, Socket, type SocketConstructorOpts } from "node:net";
import { StringDecoder } from "node:string_decoder";
import { fstatSync } from "./builtins.ts";

/** A readable stdin that may or may not keep the process alive (Deno's process.stdin cannot). */
export type Stdin = NodeJS.ReadableStream & { ref?: () => void; unref?: () => void };

/** Read stdin as text, handing each chunk to `onText` and its end to `onEnd`; its `hold`. */
export function readStdin(
  onText: (text: string) => void,
  onEnd: () => void,
): (waiting: boolean) => void {
  const stdin = isPipe() ? pipe(onText) : stream(onText);
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

/** Whether fd 0 is a pipe or a socket (not a file, a terminal or /dev/null). */
function isPipe(): boolean {
  try {
    const stat = fstatSync(0);
    return stat.isFIFO() || stat.isSocket();
  } catch {
    return false; // no fd 0 at all
  }
}

/** A socket of its own on fd 0, each read decoded and handed over from the read itself. */
function pipe(onText: (text: string) => void): Stdin {
  const decoder = new StringDecoder("utf8");
  const buffer = Buffer.alloc(64 * 1024); // as much as one read of a pipe gives
  // Node reads `onread` in a socket's constructor too, though its types name it for connect()
  const options: SocketConstructorOpts & { onread: OnReadOpts } = {
    fd: 0,
    readable: true,
    writable: false,
    onread: {
      buffer,
      callback: (bytes: number) => {
        const text = decoder.write(buffer.subarray(0, bytes));
        if (text !== "") onText(text);
        return true; // go on reading
      },
    },
  };
  const sock = new Socket(options);
  sock.on("end", () => {
    const rest = decoder.end(); // a character cut off by the end: U+FFFD
    if (rest !== "") onText(rest);
  });
  return sock;
}

/** `process.stdin`, decoded by the stream itself. */
function stream(onText: (text: string) => void): Stdin {
  const stdin = process.stdin;
  stdin.setEncoding("utf8");
  stdin.on("data", onText);
  return stdin;
}
