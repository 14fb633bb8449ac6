/**
 * The checker's command line, read into plans (what to check) and options (how). A role and
 * a command after `--`; or `--pair tcp|udp` with `--server` and `--client` command strings; or
 * `--dir DIR`, a folder holding the article's four file names, run with python3 (`--pair`
 * adds the two pairs). A command string is split into words as sh would, and run by sh when
 * it needs a shell (a pipe, `&&`, `$VAR`). A bad flag or value: usage on stderr, exit 2.
 *
 * @example
 * ```ts
 * import { readArgs } from "./args.ts";
 * readArgs(["--lang", "zh", "tcp-server", "--", "python3", "tcp_server.py"], env);
 * // { plans: [{ subject: "tcp-server", commands: { server: ["python3", "tcp_server.py"] }, … }], lang: "zh", … }
 * ```
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Timing } from "./context.ts";
import { isRole, ROLES } from "./roles.ts";
import type { Plan } from "./runner.ts";
import { type Lang, langFromEnv } from "./text.ts";

export const USAGE = `usage: make check ARGS="[options] ROLE -- COMMAND [ARG...]"
       make check ARGS="[options] --pair tcp|udp --server 'COMMAND' --client 'COMMAND'"
       make check ARGS="[options] --dir DIR [--pair both|tcp|udp]"
       make check ARGS=--list

Holds a chat program to the article's conversation and its pitfalls, playing the other side.
ROLE is tcp-server, tcp-client, udp-server or udp-client. Put {port} where the program takes
its port, if it does; otherwise it is run where the article's port (8001, 8002) is free.
  e.g.  make check ARGS="tcp-server -- python3 /home/me/homework/tcp_server.py"

options:
  --dir DIR        the article's four files in DIR (tcp_server.py, tcp_client.py, udp_server.py, udp_client.py)
  --pair KIND      tcp or udp, with --server and --client: the two programs talk to each other;
                   with --dir, also both: the folder's pairs as well as its four programs
  --in DIR         the folder the program runs in (default: where you ran the command)
  --port N         the port written into the program, when it is not the article's
  --lang en|zh     the report's language (default: from LANG / LC_ALL)
  --strict         the robustness scenarios count for the exit code too
  --json           the whole report as JSON on stdout, for grading tools
  --junit FILE     also write JUnit XML to FILE
  --only ID[,ID]   only these scenarios (make check ARGS=--list shows them)
  --timeout S      seconds to wait for what should come (default 5); the rest scales with it
  --real-port      use this machine's port even where a network namespace could be made
  --list           list every scenario, what it checks and its lesson
用法见上；报告语言默认取自 LANG / LC_ALL，--lang zh 输出中文报告。
`;

export interface Args {
  plans: Plan[];
  lang: Lang;
  strict: boolean;
  json: boolean;
  junit: string | undefined;
  list: boolean;
  only: string[] | undefined;
  timing: Timing;
  budgetMs: number;
  realPort: boolean;
  port: number | undefined;
  /** Things to say before the report (a file missing from --dir). */
  warnings: string[];
}

/** Thrown for a command line that cannot be read: the message says why. */
export class UsageError extends Error {}

/** `line` split into words as sh splits them (quotes and backslashes), or run by sh if it needs a shell. */
export function commandWords(line: string): string[] {
  if (/[|&;<>()$`*?~]/.test(line.replace(/'[^']*'|"[^"]*"/g, ""))) return ["sh", "-c", line];
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"' && i + 1 < line.length) word = (word ?? "") + line[++i];
      else word = (word ?? "") + c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= "";
    } else if (c === "\\" && i + 1 < line.length) word = (word ?? "") + line[++i];
    else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? "") + c;
  }
  if (quote) throw new UsageError(`unbalanced ${quote} in: ${line}`);
  if (word !== undefined) words.push(word);
  return words;
}

/**
 * The interpreter behind `python3`, through any shim (pyenv's is a shell script that costs
 * 0.3 s of CPU at every start), or `python3` itself if it cannot be asked.
 */
export function realPython(python = "python3", cwd?: string): string {
  const asked = spawnSync(python, ["-c", "import sys; print(sys.executable)"], {
    cwd,
    encoding: "utf8",
    timeout: 10_000,
  });
  return asked.status === 0 && asked.stdout.trim() ? asked.stdout.trim() : python;
}

/** `python3 x.py` as the interpreter python3 names here: the same program, without a shim's start-up. */
function interpreter(words: string[], cwd: string): string[] {
  const [first, ...rest] = words;
  if (!first || !/^python[\d.]*$/.test(first)) return words;
  return [realPython(first, cwd), ...rest];
}

const label = (words: string[]) =>
  words[0] === "sh" && words[1] === "-c" ? (words[2] ?? "") : words.join(" ");

/** Read the checker's command line. */
export function readArgs(argv: string[], env: NodeJS.ProcessEnv): Args {
  const dash = argv.indexOf("--");
  const [mine, command] = dash === -1 ? [argv, []] : [argv.slice(0, dash), argv.slice(dash + 1)];
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(mine);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const lang = (values.lang ?? langFromEnv(env)) as Lang;
  if (lang !== "en" && lang !== "zh") throw new UsageError(`--lang: en or zh, not ${values.lang}`);
  const seconds = Number(values.timeout ?? 5);
  if (!(seconds > 0 && seconds <= 120))
    throw new UsageError(`--timeout: seconds, more than 0, not ${values.timeout}`);
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) {
    throw new UsageError(`--port: 1 to 65535, not ${values.port}`);
  }
  const cwd = resolve(values.in ?? env.INIT_CWD ?? process.cwd());
  const deadline = seconds * 1000;
  const args: Args = {
    plans: [],
    lang,
    strict: values.strict ?? false,
    json: values.json ?? false,
    junit: values.junit,
    list: values.list ?? false,
    only: values.only?.split(",").filter(Boolean),
    timing: { deadline, quiet: Math.round(deadline * 0.4) },
    budgetMs: deadline * 3,
    realPort: values["real-port"] ?? false,
    port,
    warnings: [],
  };
  if (args.list) return args;
  const pair = values.pair;
  if (pair !== undefined && pair !== "tcp" && pair !== "udp" && !(pair === "both" && values.dir)) {
    throw new UsageError(`--pair: tcp or udp (with --dir, also both), not ${pair}`);
  }
  if (values.dir) {
    const dir = resolve(cwd, values.dir);
    const have = (file: string) => existsSync(join(dir, file));
    const python = realPython("python3", dir);
    for (const info of Object.values(ROLES)) {
      if (!have(info.file)) {
        args.warnings.push(`${join(dir, info.file)}: not there, ${info.role} not checked`);
        continue;
      }
      args.plans.push({
        subject: info.role,
        commands: { [info.side]: [python, info.file] },
        cwd: dir,
        label: `python3 ${info.file}`,
      });
    }
    if (pair !== undefined) {
      for (const kind of pair === "both" ? (["tcp", "udp"] as const) : [pair as "tcp" | "udp"]) {
        if (!have(`${kind}_server.py`) || !have(`${kind}_client.py`)) continue;
        args.plans.push({
          subject: `${kind}-pair`,
          commands: {
            server: [python, `${kind}_server.py`],
            client: [python, `${kind}_client.py`],
          },
          cwd: dir,
          label: `python3 ${kind}_server.py + python3 ${kind}_client.py`,
        });
      }
    }
    if (args.plans.length === 0)
      throw new UsageError(`--dir ${values.dir}: none of the article's four files is there`);
    return args;
  }
  if (pair === "tcp" || pair === "udp") {
    if (!values.server || !values.client)
      throw new UsageError("--pair needs --server 'COMMAND' and --client 'COMMAND'");
    const server = commandWords(values.server);
    const client = commandWords(values.client);
    args.plans.push({
      subject: `${pair}-pair`,
      commands: { server: interpreter(server, cwd), client: interpreter(client, cwd) },
      cwd,
      label: `${label(server)} + ${label(client)}`,
    });
    return args;
  }
  const [role, ...rest] = positionals;
  if (!role)
    throw new UsageError(
      "which program? give a role and its command, e.g. tcp-server -- python3 tcp_server.py",
    );
  if (!isRole(role))
    throw new UsageError(`${role}: the role is tcp-server, tcp-client, udp-server or udp-client`);
  const words = command.length > 0 ? command : rest.length > 0 ? commandWords(rest.join(" ")) : [];
  if (words.length === 0)
    throw new UsageError(
      `${role}: give its command after --, e.g. ${role} -- python3 ${ROLES[role].file}`,
    );
  args.plans.push({
    subject: role,
    commands: { [ROLES[role].side]: interpreter(words, cwd) },
    cwd,
    label: label(words),
  });
  return args;
}

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      lang: { type: "string" },
      strict: { type: "boolean" },
      json: { type: "boolean" },
      junit: { type: "string" },
      list: { type: "boolean" },
      only: { type: "string" },
      timeout: { type: "string" },
      in: { type: "string" },
      port: { type: "string" },
      "real-port": { type: "boolean" },
      dir: { type: "string" },
      pair: { type: "string" },
      server: { type: "string" },
      client: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: true,
  });
}
