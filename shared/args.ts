/**
 * The flags every script takes, parsed with `node:util` `parseArgs`:
 * `--host H`, `--port N`, `--trace`, `--help`, and `--timeout S` where a script asks
 * for it. `--help` prints the usage on stdout and exits 0; a bad flag or value prints
 * the usage on stderr and exits 2, as Python's argparse does.
 *
 * @example
 * ```ts
 * import { chatArgs } from "./args.ts";
 * const args = chatArgs({ script: "tcp/server.ts", about: "TCP chat server", port: 8001, server: true });
 * // args.host === "127.0.0.1", args.port === 8001 unless --host / --port say otherwise
 * ```
 * @module
 */
import type { ParseArgsConfig } from "node:util";
import { parseArgs } from "./builtins.ts";
import { setTrace } from "./stderr.ts";

/** What a script says about itself. */
export interface ChatScript {
  /** Path shown in the usage line, e.g. `tcp/server.ts`. */
  script: string;
  /** One line on what the script is. */
  about: string;
  /** The article's port for this script. */
  port: number;
  /** Servers accept `--port 0` (any free port); clients need a real port. */
  server: boolean;
  /** Default seconds for `--timeout`; the flag exists only when this is set. */
  timeout?: number;
  /** Default for `--max-clients`; the flag exists only when this is set. */
  maxClients?: number;
  /** Whether the script takes `--nick NAME`. */
  nick?: boolean;
  /** Whether the script takes `--connect` (the UDP client). */
  connect?: boolean;
  /** Whether the script takes `--drop P` (the UDP server). */
  drop?: boolean;
  /** Whether the script takes `--frame KIND` (the framing demo pair). */
  frame?: boolean;
  /** Whether the script takes `--split` (the framing demo's client). */
  split?: boolean;
  /** Whole-number flags of this script alone (the chat room's limits), with their defaults. */
  numbers?: NumberFlag[];
}

/** A whole-number flag such as `--rate N`: its name, default, lowest value and help line. */
export interface NumberFlag {
  name: string;
  value: number;
  min: number;
  about: string;
}

/** How a byte stream is cut into messages: not at all (as the article), by `\n`, or by a length first. */
export type Frame = "none" | "line" | "length";
const FRAMES: Frame[] = ["none", "line", "length"];

/** The parsed flags. */
export interface ChatArgs {
  host: string;
  port: number;
  trace: boolean;
  /** Seconds to wait for a reply before a hint; only for scripts with `--timeout`. */
  timeout: number;
  /** Most members at once; only for scripts with `--max-clients`. */
  maxClients: number;
  /** The name to take on joining, if `--nick` was given. */
  nick: string | undefined;
  /** `--connect`: a connected UDP socket, which hears ICMP port unreachable. */
  connect: boolean;
  /** `--drop P`: the share of incoming datagrams to lose on purpose, 0 to 1. */
  drop: number;
  /** The script's own whole-number flags, by name. */
  numbers: Record<string, number>;
  /** `--frame KIND`: how messages are marked in the stream. @default "none" */
  frame: Frame;
  /** `--split`: send the bytes in two parts, cut in the middle. */
  split: boolean;
}

/** The usage text of a script. */
export function usage(s: ChatScript): string {
  const timeout = s.timeout === undefined ? "" : " [--timeout S]";
  const max = s.maxClients === undefined ? "" : " [--max-clients N]";
  const nick = s.nick ? " [--nick NAME]" : "";
  const connect = s.connect ? " [--connect]" : "";
  const drop = s.drop ? " [--drop P]" : "";
  const numbers = (s.numbers ?? []).map((f) => ` [--${f.name} N]`).join("");
  const frame = `${s.frame ? " [--frame none|line|length]" : ""}${s.split ? " [--split]" : ""}`;
  const lines = [
    `usage: ${s.script} [--host H] [--port N] [--trace]${timeout}${max}${nick}${connect}${drop}${frame}${numbers} [--help]`,
    `  ${s.about}`,
    `  --host H     ${s.server ? "address to listen on" : "server address"} (default 127.0.0.1)`,
    `  --port N     ${s.server ? "port to listen on, 0 = any free port" : "server port"} (default ${s.port})`,
    "  --trace      print socket events on stderr",
  ];
  if (s.timeout !== undefined) {
    lines.push(
      `  --timeout S  seconds of silence before a hint, when nothing better is known (default ${s.timeout})`,
    );
  }
  if (s.connect) {
    lines.push("  --connect    connect the UDP socket: a refusal (ICMP) is heard at once");
  }
  if (s.drop) {
    lines.push(
      "  --drop P     lose this share of incoming datagrams on purpose, 0 to 1 (default 0)",
    );
  }
  if (s.frame) {
    lines.push(
      "  --frame K    how messages are marked: none (as the article), line (\\n), length (4 bytes first); default none",
    );
  }
  if (s.split) {
    lines.push(
      "  --split      send the bytes in two parts, the second once the server has read the first",
    );
  }
  if (s.maxClients !== undefined) {
    lines.push(`  --max-clients N  most members at once (default ${s.maxClients})`);
  }
  if (s.nick) lines.push("  --nick NAME  the name to take on joining");
  for (const f of s.numbers ?? []) lines.push(`  --${f.name} N  ${f.about} (default ${f.value})`);
  lines.push("  -h, --help   print this help and exit");
  return `${lines.join("\n")}\n`;
}

/** Parse `process.argv` for script `s`; exits 0 after `--help`, 2 on a bad flag or value. */
export function chatArgs(s: ChatScript, argv = process.argv.slice(2)): ChatArgs {
  const bad = (why: string): never => {
    process.stderr.write(`${s.script}: ${why}\n${usage(s)}`);
    process.exit(2);
  };
  const options: ParseArgsConfig["options"] = {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: String(s.port) },
    trace: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  };
  if (s.timeout !== undefined) options.timeout = { type: "string", default: String(s.timeout) };
  if (s.maxClients !== undefined) {
    options["max-clients"] = { type: "string", default: String(s.maxClients) };
  }
  if (s.nick) options.nick = { type: "string" };
  if (s.connect) options.connect = { type: "boolean", default: false };
  if (s.drop) options.drop = { type: "string", default: "0" };
  for (const f of s.numbers ?? []) options[f.name] = { type: "string", default: String(f.value) };
  if (s.frame) options.frame = { type: "string", default: "none" };
  if (s.split) options.split = { type: "boolean", default: false };
  let values: { [K in string]?: unknown };
  try {
    ({ values } = parseArgs({
      args: joinNegative(argv, options),
      options,
      strict: true,
      allowPositionals: false,
    }));
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
  const timeout = Number(values.timeout ?? s.timeout ?? 0);
  if (s.timeout !== undefined && !(timeout > 0 && Number.isFinite(timeout))) {
    bad(`--timeout must be a number of seconds above 0, not '${values.timeout}'`);
  }
  const maxClients = Number(values["max-clients"] ?? 1);
  if (!/^\d+$/.test(String(values["max-clients"] ?? 1)) || maxClients < 1) {
    bad(`--max-clients must be a whole number from 1 up, not '${values["max-clients"]}'`);
  }
  const nick = values.nick === undefined ? undefined : String(values.nick);
  const numbers: Record<string, number> = {};
  for (const f of s.numbers ?? []) {
    const text = String(values[f.name]);
    numbers[f.name] = Number(text);
    if (!/^\d+$/.test(text) || Number(text) < f.min) {
      bad(`--${f.name} must be a whole number from ${f.min} up, not '${text}'`);
    }
  }
  setTrace(values.trace === true);
  const connect = values.connect === true;
  const drop = Number(values.drop ?? 0);
  if (s.drop && !(drop >= 0 && drop <= 1))
    bad(`--drop must be a number from 0 to 1, not '${values.drop}'`);
  const frame = String(values.frame ?? "none") as Frame;
  if (!FRAMES.includes(frame)) bad(`--frame must be none, line or length, not '${frame}'`);
  const split = values.split === true;
  return {
    host,
    port,
    trace: values.trace === true,
    timeout,
    maxClients,
    nick,
    connect,
    drop,
    frame,
    split,
    numbers,
  };
}

/**
 * `--port -1` as `--port=-1`: parseArgs takes a value that starts with a dash for another
 * flag, and its message about it would puzzle a learner; this way the value is checked
 * and refused like any other.
 */
function joinNegative(argv: string[], options: ParseArgsConfig["options"]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    const takesValue = options?.[arg.replace(/^--/, "")]?.type === "string";
    if (arg.startsWith("--") && takesValue && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i += 1;
    } else {
      out.push(arg);
    }
  }
  return out;
}
