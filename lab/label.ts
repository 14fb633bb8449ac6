/**
 * The text of an arrow, all on one line: what a screen reader says for it (its
 * `aria-label` and `<title>`), what a test reads, and what the Mermaid export shows.
 *
 * @example
 * ```ts
 * import { arrowLabel } from "./label.ts";
 * arrowLabel(arrow);
 * // 'client → server: PSH-ACK [P.] seq 1 ack 1 len 6 · data: 6 bytes from the client / 数据：客户端发来 6 字节 ·
 * //  "你好" e4 bd a0 e5 a5 bd · tcp/client.ts:40 send(client, toServerMsg)'
 * ```
 * @module
 */
import type { Arrow } from "./events.ts";

/** Data bytes shown in hex; the rest is cut with `…`. */
const HEX_BYTES = 24;

export function arrowLabel(a: Omit<Arrow, "label">): string {
  const numbers = [
    a.seq === undefined ? "" : `seq ${a.seq}`,
    a.ack === undefined ? "" : `ack ${a.ack}`,
    `len ${a.bytes}`,
  ];
  const flags = a.flags === a.name ? "" : `[${a.flags}]`;
  const from = a.kernel ? "kernel" : a.from;
  return [
    `${from} → ${a.to}: ${[a.name, flags, ...numbers].filter(Boolean).join(" ")}`,
    a.address ? `from ${a.address}` : "",
    a.roles.map((r) => `${r.en} / ${r.zh}`).join("; "),
    a.bytes > 0 ? `"${a.text}" ${a.hex}` : "",
    a.line ?? "",
    a.inferred ? "from the --trace, not seen on the wire" : "",
  ]
    .filter(Boolean)
    .join(" · ");
}

/** `bytes` in hex, two digits each, space between: `e4 bd a0`. */
export function hex(bytes: Buffer): string {
  const shown = [...bytes.subarray(0, HEX_BYTES)].map((b) => b.toString(16).padStart(2, "0"));
  return `${shown.join(" ")}${bytes.length > HEX_BYTES ? " …" : ""}`;
}
