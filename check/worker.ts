/**
 * One scenario, run by a process of its own inside a network namespace (see network.ts):
 * there, 127.0.0.1 is a loopback of its own, so the program may use the article's port
 * while other scenarios use it in their own namespaces at the same moment. It takes the
 * scenario and its setup as one JSON argument and prints the outcome as one JSON line.
 *
 * @example
 * ```ts
 * // node check/worker.ts '{"subject":"tcp-server","id":"prompt","capMs":10000,"setup":{…}}'
 * // {"id":"prompt","status":"pass","transcripts":[…],"wire":[…],"ms":180}
 * ```
 * @module
 */
import { reapAll } from "../harness/procs.ts";
import type { Setup } from "./context.ts";
import { startScenario } from "./run-scenario.ts";
import type { Subject } from "./scenario.ts";
import { scenarioById } from "./scenarios/catalogue.ts";

/** What the checker hands a worker. */
export interface WorkerSpec {
  subject: Subject;
  id: string;
  capMs: number;
  setup: Setup;
}

const spec = JSON.parse(process.argv[2] ?? "{}") as WorkerSpec;
const scenario = scenarioById(spec.subject, spec.id);
if (!scenario) {
  process.stderr.write(`no scenario ${spec.subject}/${spec.id}\n`);
  process.exit(2);
}
const running = startScenario(scenario, spec.setup, spec.capMs);
const outcome = await running.outcome;
await reapAll();
process.stdout.write(`${JSON.stringify(outcome)}\n`);
process.exit(0);
