/**
 * The lab's flags, parsed with `node:util` `parseArgs` as the scripts' are: `--udp`,
 * `--host H`, `--port N`, `--expose`, `--no-capture`, `--help`. `--help` prints the usage on
 * stdout and exits 0; a bad flag or value prints why and the usage on stderr and exits 2.
 *
 * @example
 * ```ts
 * import { labArgs } from "./args.ts";
 * labArgs(["--udp", "--port", "0"]); // { kind: "udp", host: "127.0.0.1", port: 0, expose: false, capture: true }
 * ```
 * @module
 */
import { parseArgs } from "node:util";

export interface LabArgs {
  kind: "tcp" | "udp";
  host: string;
  port: number;
  /** Serve beyond loopback: required for a `--host` other machines can reach. */
  expose: boolean;
  capture: boolean;
}

export const USAGE = `usage: make lab ARGS="[--udp] [--host H] [--port N] [--expose] [--no-capture] [--help]"
  A live ladder of a real conversation between the chat scripts, in the browser.
  --udp         the UDP pair instead of the TCP pair
  --host H      address to serve the page on (default 127.0.0.1)
  --port N      port to serve the page on, 0 = any free port (default 8080)
  --expose      allow a --host that other machines can reach: anyone who can open the
                page can then type as 高望 and 宝宝
  --no-capture  draw the arrows from the scripts' --trace, even where tcpdump could capture
  --help        print this help and exit
`;

export function labArgs(argv = process.argv.slice(2)): LabArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        udp: { type: "boolean", default: false },
        host: { type: "string", default: "127.0.0.1" },
        port: { type: "string", default: "8080" },
        expose: { type: "boolean", default: false },
        "no-capture": { type: "boolean", default: false },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return refuse((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const port = Number(values.port);
  if (!/^\d+$/.test(String(values.port)) || port > 65535) {
    refuse(`--port must be a whole number from 0 to 65535, not '${values.port}'`);
  }
  if (values.host === "") refuse("--host must not be empty");
  return {
    kind: values.udp ? "udp" : "tcp",
    host: String(values.host),
    port,
    expose: values.expose === true,
    capture: !values["no-capture"],
  };
}

/** Say why the flags were refused, then the usage, on stderr; exit 2. */
export function refuse(why: string): never {
  process.stderr.write(`lab: ${why}\n${USAGE}`);
  process.exit(2);
}
