/**
 * Every scenario the checker knows, by what it checks: a role's own, or a pair's. The
 * catalogue is also what `make check ARGS=--list` prints and what the lesson describes.
 *
 * @example
 * ```ts
 * import { scenariosFor } from "./catalogue.ts";
 * scenariosFor("udp-client").filter((s) => s.kind === "conversation").length; // 4
 * ```
 * @module
 */
import type { Scenario, Subject } from "../scenario.ts";
import { PAIRS } from "./pair.ts";
import { TCP_CLIENT } from "./tcp-client.ts";
import { TCP_SERVER } from "./tcp-server.ts";
import { UDP_CLIENT } from "./udp-client.ts";
import { UDP_SERVER } from "./udp-server.ts";

export const ALL_SCENARIOS: Scenario[] = [
  ...TCP_SERVER,
  ...TCP_CLIENT,
  ...UDP_SERVER,
  ...UDP_CLIENT,
  ...PAIRS,
];

/** The scenarios of `subject`, conversation first, in the catalogue's order. */
export function scenariosFor(subject: Subject): Scenario[] {
  const mine = ALL_SCENARIOS.filter((s) => s.role === subject);
  return [
    ...mine.filter((s) => s.kind === "conversation"),
    ...mine.filter((s) => s.kind === "robustness"),
  ];
}

/** One scenario, by its subject and id. */
export function scenarioById(subject: Subject, id: string): Scenario | undefined {
  return ALL_SCENARIOS.find((s) => s.role === subject && s.id === id);
}
