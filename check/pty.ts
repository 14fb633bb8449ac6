/**
 * A pseudo-terminal for a program that behaves differently when its output is not a
 * terminal: C's stdio, for one, keeps a prompt in its buffer on a pipe and flushes it before
 * each read on a terminal. script(1) (util-linux) gives the program a terminal whose other
 * end is our pipe: what the program writes to stdout and stderr arrives merged, as on a
 * screen; what we write is what a person types. Echo is turned off and "\n" is left as it
 * is (`stty -echo -onlcr`), so what arrives is exactly what the program wrote.
 *
 * @example
 * ```ts
 * import { onTerminal } from "./pty.ts";
 * spawn(...onTerminal(["python3", "tcp_client.py"])); // script -qfec "stty …; exec 'python3' 'tcp_client.py'" /dev/null
 * ```
 * @module
 */

/** A word for sh, quoted so that it stays one word. */
export const shellWord = (word: string) =>
  /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;

/** The command line that runs `command` on a terminal of its own (80 × 24, no echo). */
export function onTerminal(command: string[]): string[] {
  const inner = `stty -echo -onlcr cols 80 rows 24 2>/dev/null; exec ${command.map(shellWord).join(" ")}`;
  return ["script", "-qfec", inner, "/dev/null"];
}

/** What a person types for Enter, Ctrl-C and Ctrl-D on a terminal. */
export const KEYS = { enter: "\r", ctrlC: "\x03", ctrlD: "\x04" } as const;
