/**
 * The lab's flags, parsed with `node:util` `parseArgs` as the scripts' are: `--udp`,
 * `--host H`, `--port N`, `--no-capture`, `--help`. `--help` prints the usage on stdout and
 * exits 0; a bad flag or value prints the usage on stderr and exits 2.
 *
 * @example
 * ```ts
 * import { labArgs } from "./args.ts";
 * labArgs(["--udp", "--port", "0"]); // { kind: "udp", host: "127.0.0.1", port: 0, capture: true }
 * ```
 * @module
 */
import { refuse, toolArgs } from "../harness/tool-args.ts";

export interface LabArgs {
  kind: "tcp" | "udp";
  host: string;
  port: number;
  capture: boolean;
}

const USAGE = `usage: make lab ARGS="[--udp] [--host H] [--port N] [--no-capture] [--help]"
  A live ladder of a real conversation between the chat scripts, in the browser.
  --udp         the UDP pair instead of the TCP pair
  --host H      address to serve the page on (default 127.0.0.1)
  --port N      port to serve the page on, 0 = any free port (default 8080)
  --no-capture  draw the arrows from the scripts' --trace, even where tcpdump could capture
  --help        print this help and exit
`;

export function labArgs(argv = process.argv.slice(2)): LabArgs {
  const values = toolArgs(
    "lab",
    USAGE,
    {
      udp: { type: "boolean", default: false },
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "8080" },
      "no-capture": { type: "boolean", default: false },
    },
    argv,
  );
  const bad = (why: string) => refuse("lab", USAGE, why);
  const port = Number(values.port);
  if (!/^\d+$/.test(String(values.port)) || port > 65535) {
    bad(`--port must be a whole number from 0 to 65535, not '${values.port}'`);
  }
  if (values.host === "") bad("--host must not be empty");
  return {
    kind: values.udp ? "udp" : "tcp",
    host: String(values.host),
    port,
    capture: !values["no-capture"],
  };
}
