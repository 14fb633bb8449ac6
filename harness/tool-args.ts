/**
 * The flags of a lesson tool (make demo, make capture, make lab), parsed with
 * `node:util` `parseArgs` the way the scripts' flags are: `-h`/`--help` prints `usage` on
 * stdout and exits 0; an unknown flag or a bad value prints why and the usage on stderr
 * and exits 2, never a stack trace.
 *
 * @example
 * ```ts
 * import { toolArgs } from "./tool-args.ts";
 * const { udp } = toolArgs("demo", USAGE, { udp: { type: "boolean" } });
 * ```
 * @module
 */
import { type ParseArgsConfig, parseArgs } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;
type Values = { [K in string]?: string | boolean };

/** Parse this process's arguments for the tool `name`; exits on --help and on a bad flag. */
export function toolArgs(
  name: string,
  usage: string,
  options: Options,
  argv = process.argv.slice(2),
): Values {
  let values: Values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { ...options, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return refuse(name, usage, (err as Error).message);
  }
  if (values.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  return values;
}

/** Say why the flags were refused, then the usage, on stderr; exit 2. */
export function refuse(name: string, usage: string, why: string): never {
  process.stderr.write(`${name}: ${why}\n${usage}`);
  process.exit(2);
}
