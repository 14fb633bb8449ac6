/**
 * The lab's page: listens to the lab's events (`/events`), shows each party's terminal,
 * sends what is typed (`POST /command`), and draws the ladder, live, in slow motion, or
 * one step at a time.
 *
 * @example
 * ```ts
 * // loaded by index.html: <script type="module" src="app.js"></script>
 * ```
 * @module
 */
import type { Arrow, Command, LabEvent, PartyName } from "../events.ts";
import { LadderView } from "./ladder-view.ts";
import { type Language, WORDS, type Word } from "./words.ts";

/** Slow motion: one arrow or state every this many milliseconds. */
const SLOW_MS = 1500;

const $ = <T extends Element>(selector: string, root: ParentNode = document) =>
  root.querySelector(selector) as T;

const view = new LadderView($<SVGSVGElement>("#ladder"));
let language: Language =
  (localStorage.getItem("lab-language") as Language) ??
  (navigator.language.startsWith("zh") ? "zh" : "en");

/** The ladder's events not drawn yet (paused or slow), and how they are drawn. */
type LadderEvent =
  | { kind: "arrow"; arrow: Arrow }
  | { kind: "state"; party: PartyName; state: string };
const waiting: LadderEvent[] = [];
let pace: "live" | "slow" | "paused" = "live";
let slowTimer: number | undefined;

// ---- the panes ----------------------------------------------------------------------

const PANE_WORD: Record<PartyName, Word> = {
  server: "server",
  client: "client1",
  client2: "client2",
};

function pane(party: PartyName): HTMLElement {
  return $<HTMLElement>(`#pane-${party}`);
}

for (const party of ["client", "client2", "server"] as const) {
  const p = pane(party);
  p.append($<HTMLTemplateElement>("#pane").content.cloneNode(true) as DocumentFragment);
  $(".who", p).setAttribute("data-word", PANE_WORD[party]);
  const input = $<HTMLInputElement>(".line", p);
  $<HTMLFormElement>("form", p).addEventListener("submit", (e) => {
    e.preventDefault();
    void command({ do: "type", party, text: input.value });
    input.value = "";
  });
  $(".ctrl-c", p).addEventListener("click", () => command({ do: "ctrl-c", party }));
  $(".ctrl-d", p).addEventListener("click", () => command({ do: "ctrl-d", party }));
  input.addEventListener("keydown", (e) => {
    const selected = input.selectionStart !== input.selectionEnd;
    if (e.ctrlKey && e.key === "d") void command({ do: "ctrl-d", party });
    else if (e.ctrlKey && e.key === "c" && !selected) void command({ do: "ctrl-c", party });
    else return;
    e.preventDefault();
  });
}

function print(party: PartyName, stream: "stdout" | "stderr" | "stdin", text: string): void {
  const screen = $<HTMLPreElement>(".screen", pane(party));
  const span = document.createElement("span");
  span.className = stream === "stderr" && text.startsWith("[trace") ? "stderr trace" : stream;
  span.textContent = text;
  screen.append(span);
  screen.scrollTop = screen.scrollHeight;
}

// ---- the events from the lab -----------------------------------------------------------

function handle(e: LabEvent): void {
  switch (e.kind) {
    case "replay":
      reset();
      for (const event of e.events) handle(event);
      break;
    case "session": {
      $("#mode").textContent = e.mode.toUpperCase();
      const source = $("#source");
      source.className = `source ${e.source}`;
      source.setAttribute("data-source", e.source);
      source.setAttribute("data-word", e.source);
      source.setAttribute("data-why", e.why);
      const pcap = $<HTMLAnchorElement>("#pcap");
      pcap.setAttribute("aria-disabled", String(e.source !== "wire"));
      translate();
      break;
    }
    case "party": {
      const p = pane(e.party);
      p.hidden = false;
      p.dataset.running = String(e.running);
      const status = e.running ? `${e.script} · pid ${e.pid}` : `${e.script} · ${e.exit}`;
      $(".status", p).textContent = status;
      $<HTMLInputElement>(".line", p).disabled = !e.running;
      if (e.running) $(".screen", p).replaceChildren();
      break;
    }
    case "output":
      print(e.party, e.stream, e.text);
      break;
    case "arrow":
    case "state":
      waiting.push(e);
      pump();
      break;
    case "line": {
      const queued = waiting.find((w) => w.kind === "arrow" && w.arrow.id === e.id);
      if (queued?.kind === "arrow") Object.assign(queued.arrow, { line: e.line, label: e.label });
      else view.line(e.id, e.line, e.label);
      break;
    }
    case "note":
      note(e[language]);
      break;
    case "viewers":
      $("#notes").querySelector(".viewers")?.remove();
      if (e.count > 1) note(`${WORDS.viewers[language]} ${e.count}`, "viewers");
      break;
    case "clear":
      waiting.length = 0;
      view.clear();
      break;
  }
  showWaiting();
}

function reset(): void {
  waiting.length = 0;
  view.clear();
  $("#notes").replaceChildren();
  for (const party of ["client", "client2", "server"] as const) {
    $(".screen", pane(party)).replaceChildren();
    $(".state", pane(party)).textContent = "";
  }
  pane("client2").hidden = true;
}

function draw(e: LadderEvent): void {
  if (e.kind === "arrow") view.arrow(e.arrow);
  else {
    view.state(e.party, e.state);
    $(".state", pane(e.party)).textContent = e.state;
  }
  const ladder = $<HTMLElement>(".ladder");
  ladder.scrollTop = ladder.scrollHeight;
}

// ---- pace: live, slow motion, paused -----------------------------------------------------

function pump(): void {
  if (pace === "live") for (let e = waiting.shift(); e; e = waiting.shift()) draw(e);
  if (pace === "slow" && slowTimer === undefined && waiting.length > 0) {
    slowTimer = window.setTimeout(() => {
      slowTimer = undefined;
      const e = waiting.shift();
      if (e && pace === "slow") draw(e);
      showWaiting();
      pump();
    }, SLOW_MS);
  }
}

function setPace(next: typeof pace): void {
  pace = next;
  $("#pause").setAttribute("aria-pressed", String(pace === "paused"));
  $("#slow").setAttribute("aria-pressed", String(pace === "slow"));
  $("#pause").setAttribute("data-word", pace === "paused" ? "resume" : "pause");
  translate();
  pump();
  showWaiting();
}

function showWaiting(): void {
  $("#queued").textContent = waiting.length > 0 ? `+${waiting.length}` : "";
}

$("#pause").addEventListener("click", () => setPace(pace === "paused" ? "live" : "paused"));
$("#slow").addEventListener("click", () => setPace(pace === "slow" ? "live" : "slow"));
$("#step").addEventListener("click", () => {
  if (pace === "live") setPace("paused");
  const e = waiting.shift();
  if (e) draw(e);
  showWaiting();
});
$("#clear").addEventListener("click", () => command({ do: "clear" }));
$("#restart").addEventListener("click", () => command({ do: "restart" }));
$("#another").addEventListener("click", () => command({ do: "client" }));
$("#svg").addEventListener("click", () => {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([view.svgText()], { type: "image/svg+xml" }));
  link.download = "ladder.svg";
  link.click();
  URL.revokeObjectURL(link.href);
});

// ---- talking to the lab ----------------------------------------------------------------

async function command(c: Command): Promise<void> {
  const res = await fetch("command", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(c),
  }).catch(() => undefined);
  if (!res) return note(WORDS.lost[language]);
  if (res.status === 409) {
    const why = (await res.json()) as Record<Language, string>;
    note(why[language]);
  } else if (!res.ok) note(await res.text());
}

/** A message above the panes; the newest first, three at most, none twice in a row. */
function note(text: string, kind = ""): void {
  if ($("#notes").firstElementChild?.textContent === text) return;
  const item = document.createElement("li");
  item.textContent = text;
  item.className = kind;
  const notes = $("#notes");
  notes.prepend(item);
  while (notes.children.length > 3) notes.lastElementChild?.remove();
}

/**
 * Whether this browser can draw Chinese: 你 drawn in the page's font differs from a character
 * that no font has (U+10FFFD), which every browser draws as its empty box.
 */
function drawsChinese(): boolean {
  const canvas = document.createElement("canvas");
  canvas.width = 32;
  canvas.height = 32;
  const pen = canvas.getContext("2d");
  if (!pen) return true; // cannot tell: say nothing
  const drawn = (text: string) => {
    pen.clearRect(0, 0, 32, 32);
    pen.font = `24px ${getComputedStyle(document.body).fontFamily}`;
    pen.fillText(text, 2, 26);
    return pen.getImageData(0, 0, 32, 32).data.join(",");
  };
  return drawn("你") !== drawn("\u{10FFFD}");
}
$<HTMLElement>("#no-font").hidden = drawsChinese();

const events = new EventSource("events");
events.onmessage = (m) => handle(JSON.parse(m.data) as LabEvent);
events.onerror = () => note(WORDS.lost[language]);

// ---- English and 中文 ------------------------------------------------------------------

function translate(): void {
  document.documentElement.lang = language === "zh" ? "zh-CN" : "en";
  $("#language").setAttribute("lang", language === "zh" ? "en" : "zh"); // it names the other one
  for (const node of document.querySelectorAll("[data-word]")) {
    const word = WORDS[node.getAttribute("data-word") as Word];
    if (!word) continue;
    const why = node.getAttribute("data-why");
    node.textContent = why ? `${word[language]} ${why}` : word[language];
  }
  for (const party of ["client", "client2", "server"] as const) {
    const input = $<HTMLInputElement>(".line", pane(party));
    const label = `${WORDS.typeAs[language]} ${WORDS[PANE_WORD[party]][language]}`;
    input.setAttribute("aria-label", label);
    input.placeholder = label;
  }
}

$("#language").addEventListener("click", () => {
  language = language === "en" ? "zh" : "en";
  localStorage.setItem("lab-language", language);
  translate();
});
translate();
