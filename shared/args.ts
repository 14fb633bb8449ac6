/**
 * The flags of a script, parsed with `node:util` `parseArgs`: the four every script takes,
 * `--host H`, `--port N`, `--trace`, `--help`, and the script's own, each declared beside it
 * with its kind ({@linkcode flag}, {@linkcode seconds}, {@linkcode whole}, {@linkcode share},
 * {@linkcode choice}, {@linkcode text}) and typed by it. `--help` prints the usage on stdout
 * and exits 0; a bad flag or value prints the usage on stderr and exits 2, as Python's
 * argparse does. An option's name in camelCase is its flag in kebab-case: `maxClients` is
 * `--max-clients`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { setTrace } from "./stderr.ts";

/**
 * One flag of a script's own: how it is written in the usage (`S` in `--timeout S`, empty
 * for a switch), what it does, its default as written, and how its text becomes a value
 * (a message saying what is wrong, thrown, for a bad one). The kinds below make one each;
 * a script may write its own.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chatArgs, type Option } from "./args.ts";
 * const nick: Option<string> = {
 *   value: "NAME",
 *   about: "the name the room shows",
 *   shown: "宝宝",
 *   read: (given) => (given === undefined ? "宝宝" : String(given)),
 * };
 * const script = { script: "tcp/room-client.ts", about: "join the room", port: 8003, server: false };
 * assert.equal(chatArgs({ ...script, options: { nick } }, ["--nick", "高望"]).nick, "高望");
 * ```
 */
export interface Option<T> {
  /** How its value is written in the usage, `S` in `--timeout S`; empty for a switch. */
  readonly value: string;
  /** What it does, in a few words: its line of the usage. */
  readonly about: string;
  /** Its default as the usage shows it, `(default 10)`. @default no default shown */
  readonly shown?: string;
  /** The values it takes, when they are few: the usage line lists them (`--frame none|line|length`). @default any */
  readonly choices?: readonly string[];
  /**
   * Its value from what was given: the text after the flag, `true` for a switch, `undefined`
   * when it was not given. Throws an `Error` whose message says what is wrong with it.
   */
  read(text: string | boolean | undefined): T;
}

/**
 * A switch, `--connect`: `true` when given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { flag } from "./args.ts";
 * const connect = flag("connect the socket, to hear ICMP port unreachable");
 * assert.equal(connect.read(true), true); // --connect
 * assert.equal(connect.read(undefined), false); // not given
 * ```
 */
export function flag(about: string): Option<boolean> {
  return { value: "", about, read: (given) => given === true };
}

/**
 * A number of seconds above 0, `--timeout S`, `value` when not given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seconds } from "./args.ts";
 * const timeout = seconds(10, "seconds of silence before a hint");
 * assert.equal(timeout.read(undefined), 10);
 * assert.equal(timeout.read("0.5"), 0.5);
 * assert.throws(() => timeout.read("0"), /must be a number of seconds above 0, not '0'/);
 * ```
 */
export function seconds(value: number, about: string): Option<number> {
  return {
    value: "S",
    about,
    shown: String(value),
    read: (given) => {
      const n = given === undefined ? value : Number(given);
      if (n > 0 && Number.isFinite(n)) return n;
      throw new Error(`must be a number of seconds above 0, not '${given}'`);
    },
  };
}

/**
 * A whole number from `min` up, `--max-clients N`, `value` when not given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { whole } from "./args.ts";
 * const maxClients = whole(64, 1, "members at most");
 * assert.equal(maxClients.read("8"), 8);
 * assert.throws(() => maxClients.read("0"), /must be a whole number from 1 up, not '0'/);
 * ```
 */
export function whole(value: number, min: number, about: string): Option<number> {
  return {
    value: "N",
    about,
    shown: String(value),
    read: (given) => {
      const text = given === undefined ? String(value) : String(given);
      if (/^\d+$/.test(text) && Number(text) >= min) return Number(text);
      throw new Error(`must be a whole number from ${min} up, not '${text}'`);
    },
  };
}

/**
 * A share from 0 to 1, `--drop P`, `value` when not given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { share } from "./args.ts";
 * const drop = share(0, "lose this share of incoming datagrams on purpose");
 * assert.equal(drop.read("0.5"), 0.5);
 * assert.throws(() => drop.read("2"), /must be a number from 0 to 1, not '2'/);
 * ```
 */
export function share(value: number, about: string): Option<number> {
  return {
    value: "P",
    about: `${about}, 0 to 1`,
    shown: String(value),
    read: (given) => {
      const n = given === undefined ? value : Number(given);
      if (n >= 0 && n <= 1) return n;
      throw new Error(`must be a number from 0 to 1, not '${given}'`);
    },
  };
}

/**
 * One of `values`, `--frame K`, `value` when not given; typed as one of them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { choice } from "./args.ts";
 * const frame = choice("line", ["none", "line", "length"], "how messages are framed");
 * const kind: "none" | "line" | "length" = frame.read("length");
 * assert.equal(kind, "length");
 * assert.throws(() => frame.read("json"), /must be none, line or length, not 'json'/);
 * ```
 */
export function choice<const T extends string>(
  value: T,
  values: readonly T[],
  about: string,
): Option<T> {
  return {
    value: "K",
    about,
    shown: value,
    choices: values,
    read: (given) => {
      const text = given === undefined ? value : String(given);
      const found = values.find((v) => v === text);
      if (found !== undefined) return found;
      const or = `${values.slice(0, -1).join(", ")} or ${values.at(-1)}`;
      throw new Error(`must be ${or}, not '${text}'`);
    },
  };
}

/**
 * A word, `--nick NAME`: `undefined` unless given (`value` is how the usage writes it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { text } from "./args.ts";
 * const nick = text("NAME", "the name the room shows");
 * assert.equal(nick.read("高望"), "高望");
 * assert.equal(nick.read(undefined), undefined);
 * ```
 */
export function text(value: string, about: string): Option<string | undefined> {
  return { value, about, read: (given) => (given === undefined ? undefined : String(given)) };
}

/**
 * What a script says about itself, and its own flags.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ChatScript, chatArgs, type Option, whole } from "./args.ts";
 * const room: ChatScript<{ maxClients: Option<number> }> = {
 *   script: "tcp/room-server.ts",
 *   about: "a chat room for many",
 *   port: 8003,
 *   server: true,
 *   options: { maxClients: whole(64, 1, "members at most") },
 * };
 * assert.equal(chatArgs(room, ["--max-clients", "8"]).maxClients, 8);
 * ```
 */
export interface ChatScript<O extends Record<string, Option<unknown>>> {
  /** Path shown in the usage line, e.g. `tcp/server.ts`. */
  script: string;
  /** One line on what the script is. */
  about: string;
  /** The article's port for this script. */
  port: number;
  /** Servers accept `--port 0` (any free port); clients need a real port. */
  server: boolean;
  /** The script's own flags, by name. */
  options?: O;
}

/**
 * The flags every script has.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chatArgs, type CoreArgs } from "./args.ts";
 * const server = { script: "tcp/server.ts", about: "TCP chat server", port: 8001, server: true };
 * const core: CoreArgs = chatArgs(server, ["--port", "0"]);
 * assert.deepEqual(core, { host: "127.0.0.1", port: 0, trace: false });
 * ```
 */
export interface CoreArgs {
  /** `--host H`: the address to listen on, or the server's. @default "127.0.0.1" */
  host: string;
  /** `--port N`: 0 (any free port) for a server only. @default the script's port */
  port: number;
  /** `--trace`: one line per socket event on stderr. @default false */
  trace: boolean;
}

/**
 * The parsed flags: the core's, and the script's own, each of its own type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ChatArgs, chatArgs, type Option, seconds } from "./args.ts";
 * const client = { script: "udp/client.ts", about: "UDP chat client", port: 8002, server: false };
 * const options = { timeout: seconds(10, "seconds of silence before a hint") };
 * const args: ChatArgs<{ timeout: Option<number> }> = chatArgs({ ...client, options }, []);
 * assert.equal(args.timeout + 1, 11); // a number, no cast
 * ```
 */
export type ChatArgs<O> = CoreArgs & { [K in keyof O]: O[K] extends Option<infer T> ? T : never };

/** `maxClients` as a flag: `max-clients`. */
const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * The usage text of a script, as `--help` prints it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seconds, usage } from "./args.ts";
 * const text = usage({
 *   script: "tcp/client.ts",
 *   about: "TCP chat client",
 *   port: 8001,
 *   server: false,
 *   options: { timeout: seconds(10, "seconds of silence before a hint") },
 * });
 * assert.equal(text.split("\n")[0], "usage: tcp/client.ts [--host H] [--port N] [--trace] [--timeout S] [--help]");
 * assert.match(text, /\n  --timeout S  seconds of silence before a hint \(default 10\)\n/);
 * ```
 */
export function usage<O extends Record<string, Option<unknown>>>(s: ChatScript<O>): string {
  const own = Object.entries(s.options ?? {}) as [string, Option<unknown>][];
  const written = (name: string, o: Option<unknown>, choices = false) =>
    `--${kebab(name)}${o.value ? ` ${choices && o.choices ? o.choices.join("|") : o.value}` : ""}`;
  const line = (flagText: string, about: string) => `  ${flagText.padEnd(11)}  ${about}`;
  const lines = [
    `usage: ${s.script} [--host H] [--port N] [--trace]${own.map(([n, o]) => ` [${written(n, o, true)}]`).join("")} [--help]`,
    `  ${s.about}`,
    line("--host H", `${s.server ? "address to listen on" : "server address"} (default 127.0.0.1)`),
    line(
      "--port N",
      `${s.server ? "port to listen on, 0 = any free port" : "server port"} (default ${s.port})`,
    ),
    line("--trace", "print socket events on stderr"),
    ...own.map(([n, o]) =>
      line(written(n, o), o.shown === undefined ? o.about : `${o.about} (default ${o.shown})`),
    ),
    "  -h, --help   print this help and exit",
  ];
  return `${lines.join("\n")}\n`;
}

/**
 * Parse `argv` (`process.argv` after the script's path) for script `s`, and turn `--trace`
 * on or off. Prints the usage and exits 0 after `--help`; prints what is wrong and the usage
 * on stderr and exits 2 on a bad flag or value, as Python's argparse does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chatArgs, seconds } from "./args.ts";
 * const args = chatArgs(
 *   {
 *     script: "tcp/client.ts",
 *     about: "TCP chat client",
 *     port: 8001,
 *     server: false,
 *     options: { timeout: seconds(10, "seconds of silence before a hint") },
 *   },
 *   ["--port", "9000", "--timeout", "2.5"], // as typed after the script: node tcp/client.ts --port 9000 …
 * );
 * assert.deepEqual(args, { host: "127.0.0.1", port: 9000, trace: false, timeout: 2.5 });
 * ```
 */
export function chatArgs<O extends Record<string, Option<unknown>> = Record<never, never>>(
  s: ChatScript<O>,
  argv = process.argv.slice(2),
): ChatArgs<O> {
  const bad = (why: string): never => {
    process.stderr.write(`${s.script}: ${why}\n${usage(s)}`);
    process.exit(2);
  };
  const own = Object.entries(s.options ?? {}) as [string, Option<unknown>][];
  const options: NonNullable<Parameters<typeof parseArgs>[0]>["options"] = {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: String(s.port) },
    trace: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  };
  for (const [name, o] of own) options[kebab(name)] = { type: o.value ? "string" : "boolean" };
  let values: { [K in string]?: string | boolean | (string | boolean)[] };
  try {
    ({ values } = parseArgs({ args: joinNegative(argv, options), options, strict: true }));
  } catch (err) {
    return bad((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(usage(s));
    process.exit(0);
  }
  const host = String(values.host);
  const port = Number(values.port);
  const lowest = s.server ? 0 : 1;
  if (!/^\d+$/.test(String(values.port)) || port < lowest || port > 65535) {
    bad(`--port must be a whole number from ${lowest} to 65535, not '${values.port}'`);
  }
  if (host === "") bad("--host must not be empty");
  const parsed: Record<string, unknown> = { host, port, trace: values.trace === true };
  for (const [name, o] of own) {
    try {
      const given = values[kebab(name)];
      parsed[name] = o.read(Array.isArray(given) ? given.at(-1) : given); // the last, if given twice
    } catch (err) {
      bad(`--${kebab(name)} ${(err as Error).message}`);
    }
  }
  setTrace(values.trace === true);
  return parsed as ChatArgs<O>;
}

/**
 * `--port -1` as `--port=-1`: parseArgs takes a value that starts with a dash for another
 * flag, and its message about it would puzzle a learner; this way the value is checked
 * and refused like any other.
 */
function joinNegative(argv: string[], options: Record<string, { type: string }>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    const takesValue = options[arg.replace(/^--/, "")]?.type === "string";
    if (arg.startsWith("--") && takesValue && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i += 1;
    } else {
      out.push(arg);
    }
  }
  return out;
}
