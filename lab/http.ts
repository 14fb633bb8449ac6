/**
 * The lab's web server, `node:http` alone: the page's own files, the live events
 * (`GET /events`, Server-Sent Events), the commands (`POST /command`, JSON), and the
 * downloads (`/capture.pcap`, `/ladder.mmd`). Any other path is 404. Only a command
 * changes anything; a GET never does.
 *
 * The lab runs as root, for tcpdump, and a browser runs every web site its user opens: so
 * every request is checked before it is looked at.
 * - Its `Host` header must be one of the names the lab serves, exactly (see binding.ts):
 *   a name that points to 127.0.0.1 (DNS rebinding) is refused, on any address.
 * - A request a browser sends for another site is refused, but for opening the page
 *   itself: its `Origin`, when it has one, must be the lab's own, and its `Sec-Fetch-Site`,
 *   when it has one, `same-origin` or `none` (typed, or a bookmark).
 * - A command must come as `application/json` (which a form cannot send, and a script of
 *   another origin could send only after a CORS preflight the lab never answers), at most
 *   {@linkcode MAX_BODY} bytes.
 * Whatever a client does (a body cut short, a reset, bad JSON, a slow or vanished client),
 * its request ends in an answer or a closed connection, never in an error the lab dies of.
 *
 * @example
 * ```ts
 * import { labHandler } from "./http.ts";
 * createServer(labHandler(lab, pageFiles(), new Set(["127.0.0.1:8080"]))).listen(8080, "127.0.0.1");
 * ```
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream";
import type { Command, PartyName } from "./events.ts";
import type { PageFile } from "./files.ts";
import type { Lab } from "./lab.ts";

/** A command is a few hundred bytes; anything bigger is refused. */
export const MAX_BODY = 8192;
/** The longest line a party may be made to type. */
const MAX_TEXT = 2000;
const ACTIONS = new Set<Command["do"]>(["type", "ctrl-c", "ctrl-d", "restart", "client", "clear"]);
const PARTIES = new Set<PartyName>(["server", "client", "client2"]);
/** The paths that are not files, and the method each takes. */
const ROUTES: Record<string, string> = {
  "/events": "GET",
  "/command": "POST",
  "/capture.pcap": "GET",
  "/ladder.mmd": "GET",
};

const HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "cross-origin-resource-policy": "same-origin",
  "referrer-policy": "no-referrer",
  "content-security-policy":
    "default-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'",
};

/** The request handler; `names`: the `Host` values the lab answers to, lowercase. */
export function labHandler(lab: Lab, files: Map<string, PageFile>, names: Set<string>) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    req.on("error", () => res.destroy()); // a reset, a body cut short
    res.on("error", () => {}); // a page gone while it was being answered
    try {
      route(lab, files, names, req, res);
    } catch (err) {
      failed(res, err);
    }
  };
}

function route(
  lab: Lab,
  files: Map<string, PageFile>,
  names: Set<string>,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const path = (req.url ?? "/").split("?")[0] as string;
  const method = req.method ?? "GET";
  const host = (req.headers.host ?? "").toLowerCase();
  const file = files.get(path);
  const allowed = ROUTES[path] ?? (file ? "GET" : undefined);
  if (!names.has(host)) {
    reply(res, 403, "this lab answers only to the names it was started with\n");
  } else if (!ownPage(req, host, file !== undefined)) {
    reply(res, 403, "the lab answers only its own page\n");
  } else if (!allowed) {
    reply(res, 404, "not found\n");
  } else if (method !== allowed && !(file && method === "HEAD")) {
    res.setHeader("allow", allowed);
    reply(res, 405, `${path} takes ${allowed}\n`);
  } else if (path === "/events") {
    if (!lab.watch(res)) reply(res, 503, "too many pages are open on this lab\n");
  } else if (path === "/command") {
    command(lab, req, res).catch((err) => failed(res, err));
  } else if (path === "/ladder.mmd") {
    download(res, "ladder.mmd", "text/plain; charset=utf-8", Buffer.from(lab.mermaid()));
  } else if (path === "/capture.pcap") {
    capture(lab, res);
  } else if (file) {
    send(res, 200, { "content-type": file.type }, file.body, method === "HEAD");
  }
}

/** The capture, streamed from its file; or why there is none. */
function capture(lab: Lab, res: ServerResponse): void {
  const pcap = lab.pcap();
  if (!pcap) {
    reply(res, 404, "no capture: the arrows come from the scripts' --trace\n");
    return;
  }
  res.writeHead(200, {
    ...HEADERS,
    "content-type": "application/vnd.tcpdump.pcap",
    "content-disposition": 'attachment; filename="lab.pcap"',
  });
  pipeline(pcap, res, () => {});
}

/**
 * Whether a browser sent `req` for the lab's own page (or for no page: a program, a typed
 * address). Another site may only open the page itself (a link to it), never read or change
 * anything: its requests carry its `Origin`, or `Sec-Fetch-Site: cross-site`/`same-site`.
 */
function ownPage(req: IncomingMessage, host: string, isFile: boolean): boolean {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) return false;
  const site = req.headers["sec-fetch-site"];
  if (site === undefined || site === "same-origin" || site === "none") return true;
  return isFile && req.method === "GET" && req.headers["sec-fetch-mode"] === "navigate";
}

async function command(lab: Lab, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!(req.headers["content-type"] ?? "").startsWith("application/json")) {
    reply(res, 415, "a command is JSON: content-type application/json\n");
    return;
  }
  if (Number(req.headers["content-length"] ?? 0) > MAX_BODY) {
    reply(res, 413, `a command is at most ${MAX_BODY} bytes\n`);
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return reply(res, 413, `a command is at most ${MAX_BODY} bytes\n`);
    chunks.push(chunk as Buffer);
  }
  const parsed = parseCommand(Buffer.concat(chunks).toString("utf8"));
  if (typeof parsed === "string") return reply(res, 400, `${parsed}\n`);
  const refused = await lab.command(parsed).catch((err: Error) => {
    process.stderr.write(`lab: ${parsed.do} failed: ${err.stack}\n`); // a bug: shown in full
    return { en: `${parsed.do} failed: ${err.message}`, zh: `${parsed.do} 失败：${err.message}` };
  });
  if (res.destroyed) return;
  if (refused) {
    send(res, 409, { "content-type": "application/json" }, Buffer.from(JSON.stringify(refused)));
  } else {
    res.writeHead(204, HEADERS).end();
  }
}

/** The command in `json`, or what is wrong with it. */
export function parseCommand(json: string): Command | string {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return "not JSON";
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "a command is a JSON object";
  }
  const c = value as Record<string, unknown>;
  if (!ACTIONS.has(c.do as Command["do"])) return `"do" must be one of ${[...ACTIONS].join(", ")}`;
  if (c.party !== undefined && !PARTIES.has(c.party as PartyName)) {
    return `"party" must be one of ${[...PARTIES].join(", ")}`;
  }
  if (
    c.text !== undefined &&
    (typeof c.text !== "string" || /[\r\n]/.test(c.text) || c.text.length > MAX_TEXT)
  ) {
    return `"text" must be one line of at most ${MAX_TEXT} characters`;
  }
  return {
    do: c.do as Command["do"],
    party: c.party as PartyName | undefined,
    text: c.text as string | undefined,
  };
}

/** A request that went wrong on the lab's side: said on its terminal, a 500 if it can still be. */
function failed(res: ServerResponse, err: unknown): void {
  const code = (err as NodeJS.ErrnoException).code;
  const client = code === "ECONNRESET" || code === "ERR_STREAM_PREMATURE_CLOSE";
  if (!client && (err as Error).message !== "aborted") {
    process.stderr.write(`lab: a request failed: ${(err as Error).stack ?? err}\n`);
  }
  if (!res.headersSent && !res.destroyed) reply(res, 500, "the lab failed to answer\n");
  else res.destroy();
}

/** A short answer; a refusal also closes the connection, so that it holds no place. */
function reply(res: ServerResponse, status: number, text: string): void {
  const close = status >= 400 ? { connection: "close" } : {};
  send(res, status, { "content-type": "text/plain; charset=utf-8", ...close }, Buffer.from(text));
}

function download(res: ServerResponse, name: string, type: string, body: Buffer): void {
  const disposition = `attachment; filename="${name}"`;
  send(res, 200, { "content-type": type, "content-disposition": disposition }, body);
}

function send(res: ServerResponse, status: number, headers: object, body: Buffer, head = false) {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(status, { ...HEADERS, ...headers, "content-length": body.length });
  res.end(head ? undefined : body);
}
