/**
 * The flags of a script, parsed with `node:util` `parseArgs`: the four every script takes,
 * `--host H`, `--port N`, `--trace`, `--help`, and the script's own, each declared beside it
 * with its kind ({@linkcode flag}, {@linkcode seconds}, {@linkcode whole}, {@linkcode share},
 * {@linkcode choice}, {@linkcode text}) and typed by it. `--help` prints the usage on stdout
 * and exits 0; a bad flag or value prints the usage on stderr and exits 2, as Python's
 * argparse does. An option's name in camelCase is its flag in kebab-case: `maxClients` is
 * `--max-clients`.
 *
 * @example
 * ```ts
 * import { chatArgs, seconds } from "./args.ts";
 * const args = chatArgs({
 *   script: "tcp/client.ts",
 *   about: "TCP chat client",
 *   port: 8001,
 *   server: false,
 *   options: { timeout: seconds(10, "seconds of silence before a hint") },
 * });
 * args.host; // "127.0.0.1" unless --host says otherwise
 * args.timeout; // 10, a number, unless --timeout says otherwise
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { setTrace } from "./stderr.ts";

/**
 * One flag of a script's own: how it is written in the usage (`S` in `--timeout S`, empty
 * for a switch), what it does, its default as written, and how its text becomes a value
 * (a message saying what is wrong, thrown, for a bad one).
 */
export interface Option<T> {
  readonly value: string;
  readonly about: string;
  readonly shown?: string;
  /** The values it takes, when they are few: the usage line lists them (`--frame none|line|length`). */
  readonly choices?: readonly string[];
  read(text: string | boolean | undefined): T;
}

/** A switch, `--connect`: `true` when given. */
export function flag(about: string): Option<boolean> {
  return { value: "", about, read: (given) => given === true };
}

/** A number of seconds above 0, `--timeout S`. */
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

/** A whole number from `min` up, `--max-clients N`. */
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

/** A share from 0 to 1, `--drop P`. */
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

/** One of `values`, `--frame K`. */
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

/** A word, `--nick NAME`: `undefined` unless given. */
export function text(value: string, about: string): Option<string | undefined> {
  return { value, about, read: (given) => (given === undefined ? undefined : String(given)) };
}

/** What a script says about itself, and its own flags. */
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

/** The flags every script has. */
export interface CoreArgs {
  host: string;
  port: number;
  trace: boolean;
}

/** The parsed flags: the core's, and the script's own, each of its own type. */
export type ChatArgs<O> = CoreArgs & { [K in keyof O]: O[K] extends Option<infer T> ? T : never };

/** `maxClients` as a flag: `max-clients`. */
const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The usage text of a script. */
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

/** Parse `process.argv` for script `s`; exits 0 after `--help`, 2 on a bad flag or value. */
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
