/**
 * The ladder as Mermaid text (a `sequenceDiagram`), to paste into a lesson: one message
 * per arrow, a note where a lifeline's TCP state changes. Arrows drawn from the trace,
 * not seen on the wire, are dashed.
 *
 * @example
 * ```ts
 * import { mermaid } from "./mermaid.ts";
 * mermaid(events);
 * // sequenceDiagram
 * //   participant client as 宝宝 (client)
 * //   participant server as 高望 (server)
 * //   client->>server: SYN seq 0 len 0 · first handshake / 第一次握手
 * //   Note over client: SYN-SENT
 * ```
 * @module
 */
import type { LabEvent, PartyName } from "./events.ts";

const PARTICIPANTS: [PartyName, string][] = [
  ["client", "宝宝 (client)"],
  ["server", "高望 (server)"],
  ["client2", "宝宝 2 (second client)"],
];

/** The diagram of the arrows and states among `events`, in their order. */
export function mermaid(events: LabEvent[]): string {
  const seen = new Set<PartyName>(["client", "server"]);
  const lines: string[] = [];
  for (const e of events) {
    if (e.kind === "arrow") {
      const a = e.arrow;
      seen.add(a.from).add(a.to);
      const numbers = [
        a.seq === undefined ? "" : `seq ${a.seq}`,
        a.ack === undefined ? "" : `ack ${a.ack}`,
        `len ${a.bytes}`,
      ];
      const text = [
        [a.name, ...numbers].filter(Boolean).join(" "),
        a.roles.map((r) => `${r.en} / ${r.zh}`).join(", "),
        a.bytes > 0 ? `"${a.text}"` : "",
        a.line ?? "",
      ];
      const arrow = a.inferred ? "-->>" : "->>";
      lines.push(`  ${a.from}${arrow}${a.to}: ${escapeCodes(text.filter(Boolean).join(" · "))}`);
    }
    if (e.kind === "state") lines.push(`  Note over ${e.party}: ${escapeCodes(e.state)}`);
    if (e.kind === "clear") lines.length = 0;
  }
  const heads = PARTICIPANTS.filter(([p]) => seen.has(p)).map(
    ([p, as]) => `  participant ${p} as ${as}`,
  );
  return `sequenceDiagram\n${[...heads, ...lines].join("\n")}\n`;
}

/** Mermaid reads `;` as the end of a statement and `#…;` as a character: write both as codes. */
function escapeCodes(text: string): string {
  return text.replace(/[#;]/g, (c) => `#${c.charCodeAt(0)};`);
}
