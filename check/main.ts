// tcp-udp-chat: make check, the pair harness turned outward. Any chat program (the article's
// Python, your homework in any language, the mirrors) held to the article's conversation and
// its pitfalls, with the checker playing the other side.
// Run:  make check ARGS="tcp-server -- python3 tcp_server.py"     (make check ARGS=--help)
//
// Exit code: 0 when every conversation scenario of every program passed (--strict: every
// scenario), 1 otherwise, 2 for a command line it cannot read.
import { writeFileSync } from "node:fs";
import { reapAll } from "../harness/procs.ts";
import { type Args, readArgs, USAGE, UsageError } from "./args.ts";
import { jsonReport, junitReport } from "./formats.ts";
import { lessonLink } from "./lessons.ts";
import { programPassed, textReport } from "./report.ts";
import { checkProgram, type ProgramReport } from "./runner.ts";
import type { Subject } from "./scenario.ts";
import { scenariosFor } from "./scenarios/catalogue.ts";
import { say } from "./text.ts";

/** Exit once stdout has taken everything written to it (a pipe takes a long report in pieces). */
function finish(code: number): never {
  process.stdout.write("", () => process.exit(code));
  return undefined as never;
}

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  process.stdout.write(USAGE);
  process.exit(0);
}

let args: Args;
try {
  args = readArgs(process.argv.slice(2), process.env);
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`check: ${err.message}\n${USAGE}`);
  process.exit(2);
}

if (args.list) {
  const subjects: Subject[] = [
    "tcp-server",
    "tcp-client",
    "udp-server",
    "udp-client",
    "tcp-pair",
    "udp-pair",
  ];
  for (const subject of subjects) {
    process.stdout.write(`${subject}\n`);
    for (const s of scenariosFor(subject)) {
      process.stdout.write(
        `  ${s.kind.padEnd(12)} ${s.id.padEnd(15)} ${say(args.lang, s.title)}\n`,
      );
      process.stdout.write(`  ${"".padEnd(28)} ${lessonLink(s.lesson, args.lang)}\n`);
    }
  }
  finish(0);
} else {
  await check(args);
}

async function check(args: Args): Promise<void> {
  for (const warning of args.warnings) process.stderr.write(`check: ${warning}\n`);
  const reports: ProgramReport[] = [];
  const options = { lang: args.lang, strict: args.strict };
  for (const plan of args.plans) {
    if (!args.json) process.stderr.write(`checking ${plan.subject}: ${plan.label} …\n`);
    const report = await checkProgram(plan, {
      timing: args.timing,
      only: args.only,
      realPort: args.realPort,
      port: args.port,
      budgetMs: args.budgetMs,
      jobs: 8,
    });
    await reapAll();
    reports.push(report);
    if (!args.json) process.stdout.write(`${textReport([report], options)}\n`);
  }
  if (args.json) process.stdout.write(`${JSON.stringify(jsonReport(reports, options), null, 2)}\n`);
  else if (reports.length > 1) process.stdout.write(summary());
  if (args.junit) writeFileSync(args.junit, junitReport(reports, options));
  finish(reports.every((r) => programPassed(r, args.strict)) ? 0 : 1);

  function summary(): string {
    const passed = reports.filter((r) => programPassed(r, args.strict)).length;
    return args.lang === "zh"
      ? `${reports.length} 个程序中有 ${passed} 个通过。\n`
      : `${passed} of ${reports.length} programs passed.\n`;
  }
}
