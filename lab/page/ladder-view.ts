/**
 * The ladder drawn in SVG: one lifeline per party, one arrow per segment with its label
 * written beside it and carried as text (`aria-label` and `<title>`), and a badge on a
 * lifeline where its TCP state changes.
 *
 * @example
 * ```ts
 * import { LadderView } from "./ladder-view.ts";
 * const view = new LadderView(document.querySelector("svg#ladder"));
 * view.arrow(arrow); // draws it below the last one
 * view.state("client", "ESTABLISHED");
 * const file = view.svgText(); // a standalone .svg
 * ```
 * @module
 */
import type { Arrow, PartyName } from "../events.ts";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 1000;
const TOP = 70;
/** Below an arrow: room for the state badges, then a gap. */
const BELOW = 44;
/** A lifeline's distance from the edge: room for its state badge. */
const MARGIN = 110;
/** The lines of text of an arrow, from its top. */
const LINE = 24;
const NAMES: Record<PartyName, string> = {
  client: "宝宝 · client.ts",
  client2: "宝宝 2 · client.ts",
  server: "高望 · server.ts",
};

/** The standalone file's styles (the page has its own in style.css). */
const FILE_STYLE = `text{font-family:sans-serif;font-size:19px;fill:#111}.head{font-weight:bold;font-size:21px}
.line{fill:#555;font-size:18px}.data{font-family:monospace}.lifeline{stroke:#888;stroke-width:2;stroke-dasharray:6 4}
.arrow line{stroke:#1a4fa0;stroke-width:3}.arrow.inferred line{stroke-dasharray:8 5}.arrow.kernel line{stroke:#a01a1a}
marker path{fill:#1a4fa0}.state rect{fill:#fff6d5;stroke:#b38f00}.party{font-weight:bold;font-size:22px}`;

export class LadderView {
  readonly svg: SVGSVGElement;
  #parties: PartyName[] = ["client", "server"];
  /** Where the next arrow's text begins. */
  #y = TOP;
  /** Where the next state badge goes: below the last arrow. */
  #stateY = TOP;

  constructor(svg: SVGSVGElement) {
    this.svg = svg;
    this.clear();
  }

  /** Remove every arrow and badge; the lifelines stay. */
  clear(): void {
    this.svg.replaceChildren();
    this.#y = TOP;
    this.#stateY = TOP;
    this.#drawLifelines();
  }

  /** Draw `a` below the last arrow. */
  arrow(a: Arrow): void {
    this.#ensure(a.from);
    this.#ensure(a.to);
    const y = this.#y;
    const [x1, x2] = [this.#x(a.from), this.#x(a.to)];
    const g = el("g", {
      class: `arrow${a.inferred ? " inferred" : ""}${a.kernel ? " kernel" : ""}`,
      role: "graphics-symbol",
      "aria-label": a.label,
      "data-id": String(a.id),
      "data-name": a.name,
      "data-from": a.from,
      "data-to": a.to,
    });
    g.append(el("title", {}, a.label));
    const middle = (x1 + x2) / 2;
    const head = [
      `${a.ms.toFixed(1)} ms`,
      a.flags === a.name ? a.name : `${a.name} [${a.flags}]`,
      a.seq === undefined ? "" : `seq ${a.seq}`,
      a.ack === undefined ? "" : `ack ${a.ack}`,
      `len ${a.bytes}`,
    ];
    const data = [a.address ? `from ${a.address}` : "", a.bytes > 0 ? `"${a.text}"  ${a.hex}` : ""];
    // the lines of text, the data only if any; the script line has its place even when it is
    // not known yet (see line())
    const texts: [string, string][] = [
      ["head", head.filter(Boolean).join("   ")],
      ["en", a.roles.map((r) => r.en).join("; ")],
      ["zh", a.roles.map((r) => r.zh).join("；")],
      ["data", data.filter(Boolean).join("   ")],
      ["line", a.line ? `← ${a.line}` : ""],
    ];
    const shown = texts.filter(([kind, text]) => kind !== "data" || text);
    for (const [n, [kind, text]] of shown.entries()) {
      const at = { class: kind, x: middle, y: y + 20 + n * LINE, "text-anchor": "middle" };
      g.append(el("text", at, text));
    }
    const lineY = y + shown.length * LINE + 14;
    g.append(el("line", { x1, y1: lineY - 8, x2, y2: lineY + 8, "marker-end": "url(#head)" }));
    this.svg.append(g);
    fit(g);
    this.#stateY = lineY + 14;
    this.#y = lineY + BELOW;
    this.#resize();
  }

  /** Update the label of arrow `id` once its script line is known. */
  line(id: number, line: string, label: string): void {
    const g = this.svg.querySelector(`g.arrow[data-id="${id}"]`);
    if (!g) return;
    g.setAttribute("aria-label", label);
    for (const [selector, text] of [
      ["title", label],
      ["text.line", `← ${line}`],
    ]) {
      const node = g.querySelector(selector as string);
      if (node) node.textContent = text as string;
    }
  }

  /** A badge on `party`'s lifeline: its TCP state from here on. */
  state(party: PartyName, state: string): void {
    this.#ensure(party);
    const x = this.#x(party);
    const g = el("g", {
      class: "state",
      "data-party": party,
      "aria-label": `${NAMES[party]}: ${state}`,
    });
    const width = state.length * 12 + 18;
    g.append(el("rect", { x: x - width / 2, y: this.#stateY, width, height: 28, rx: 5 }));
    g.append(el("text", { x, y: this.#stateY + 20, "text-anchor": "middle" }, state));
    this.svg.append(g);
  }

  /** The ladder as a standalone SVG file, styles included. */
  svgText(): string {
    const copy = this.svg.cloneNode(true) as SVGSVGElement;
    copy.setAttribute("xmlns", SVG);
    copy.setAttribute("width", String(WIDTH));
    copy.setAttribute("height", String(this.#height()));
    copy.prepend(el("style", {}, FILE_STYLE));
    return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(copy)}\n`;
  }

  #x(party: PartyName): number {
    const at = this.#parties.indexOf(party);
    return MARGIN + (at * (WIDTH - 2 * MARGIN)) / (this.#parties.length - 1);
  }

  /** A lifeline for `party`, clients on the left, the server on the right. */
  #ensure(party: PartyName): void {
    if (this.#parties.includes(party)) return;
    this.#parties = (["client", "client2", "server"] as const).filter(
      (p) => p === party || this.#parties.includes(p),
    );
    // the arrows drawn so far stay where they are: only new rows use the new lifelines
    this.svg.querySelectorAll(".lifeline, .party").forEach((n) => {
      n.remove();
    });
    this.#drawLifelines();
  }

  #drawLifelines(): void {
    const marker = el("marker", {
      id: "head",
      viewBox: "0 0 10 10",
      refX: 10,
      refY: 5,
      markerWidth: 9,
      markerHeight: 9,
      orient: "auto-start-reverse",
    });
    marker.append(el("path", { d: "M0,0 L10,5 L0,10 z" }));
    const defs = this.svg.querySelector("defs") ?? this.svg.appendChild(el("defs", {}));
    defs.replaceChildren(marker);
    for (const [n, party] of this.#parties.entries()) {
      const x = this.#x(party);
      this.svg.prepend(
        el("line", { class: "lifeline", x1: x, y1: 40, x2: x, y2: 40, "data-party": party }),
      );
      // the names at the edges are written inwards, so that they are not cut
      const last = this.#parties.length - 1;
      const [at, anchor] =
        n === 0 ? [10, "start"] : n === last ? [WIDTH - 10, "end"] : [x, "middle"];
      this.svg.prepend(
        el("text", { class: "party", x: at, y: 26, "text-anchor": anchor }, NAMES[party]),
      );
    }
    this.#resize();
  }

  #height(): number {
    return this.#y + 20;
  }

  #resize(): void {
    const height = this.#height();
    this.svg.setAttribute("viewBox", `0 0 ${WIDTH} ${height}`);
    for (const line of this.svg.querySelectorAll(".lifeline"))
      line.setAttribute("y2", String(height - 10));
  }
}

/** Keep each line of text inside the ladder: moved in from an edge, squeezed if too long. */
function fit(g: Element): void {
  for (const text of g.querySelectorAll<SVGTextElement>("text")) {
    const room = WIDTH - 20;
    const length = Math.min(text.getComputedTextLength(), room);
    if (length === room) {
      text.setAttribute("textLength", String(room));
      text.setAttribute("lengthAdjust", "spacingAndGlyphs");
    }
    const x = Number(text.getAttribute("x"));
    text.setAttribute("x", String(Math.min(Math.max(x, 10 + length / 2), WIDTH - 10 - length / 2)));
  }
}

function el(name: string, attributes: Record<string, string | number>, text?: string): SVGElement {
  const node = document.createElementNS(SVG, name) as SVGElement;
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}
