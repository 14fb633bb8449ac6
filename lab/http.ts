/**
 * The lab's web server, `node:http` alone: the page's own files, the live events
 * (`GET /events`, Server-Sent Events), the commands (`POST /command`, JSON), and the
 * downloads (`/capture.pcap`, `/ladder.mmd`). Any other path is 404.
 *
 * A command must come as `application/json` from the page's own origin, so that another
 * web site open in the same browser cannot type into the lab (a form cannot send JSON,
 * and a script of another origin would need a CORS preflight the lab never answers).
 * When the lab serves only loopback, a request must also name it in its Host header, so
 * that a name that points to 127.0.0.1 (DNS rebinding) cannot reach it either.
 *
 * @example
 * ```ts
 * import { labHandler } from "./http.ts";
 * createServer(labHandler(lab, pageFiles(), true)).listen(8080, "127.0.0.1");
 * ```
 * @module
 */
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Command, PartyName } from "./events.ts";
import type { PageFile } from "./files.ts";
import type { Lab } from "./lab.ts";

/** A command is a few hundred bytes; anything bigger is refused. */
const MAX_BODY = 8192;
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
const LOOPBACK_HOST = /^(?:127\.\d+\.\d+\.\d+|localhost|\[::1\])(?::\d+)?$/;

const HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "content-security-policy":
    "default-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'",
};

export function labHandler(lab: Lab, files: Map<string, PageFile>, loopbackOnly: boolean) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? "/").split("?")[0] as string;
    const method = req.method ?? "GET";
    const file = files.get(path);
    const allowed = ROUTES[path] ?? (file ? "GET" : undefined);
    if (loopbackOnly && !LOOPBACK_HOST.test(req.headers.host ?? "")) {
      reply(res, 403, "this lab answers only to 127.0.0.1 and localhost\n");
    } else if (!allowed) {
      reply(res, 404, "not found\n");
    } else if (method !== allowed && !(allowed === "GET" && method === "HEAD")) {
      res.setHeader("allow", allowed);
      reply(res, 405, `${path} takes ${allowed}\n`);
    } else if (path === "/events") {
      lab.watch(res);
    } else if (path === "/command") {
      void command(lab, req, res);
    } else if (path === "/ladder.mmd") {
      download(res, "ladder.mmd", "text/plain; charset=utf-8", lab.mermaid());
    } else if (path === "/capture.pcap") {
      const pcap = lab.pcap();
      if (pcap) download(res, "lab.pcap", "application/vnd.tcpdump.pcap", pcap);
      else reply(res, 404, "no capture: the arrows come from the scripts' --trace\n");
    } else if (file) {
      send(res, 200, { "content-type": file.type }, readFileSync(file.path), method === "HEAD");
    }
  };
}

async function command(lab: Lab, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!(req.headers["content-type"] ?? "").startsWith("application/json")) {
    reply(res, 415, "a command is JSON: content-type application/json\n");
    return;
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host}`) {
    reply(res, 403, "commands come only from the lab's own page\n");
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
  if (refused) {
    send(res, 409, { "content-type": "application/json" }, Buffer.from(JSON.stringify(refused)));
  } else {
    res.writeHead(204, HEADERS).end();
  }
}

/** The command in `json`, or what is wrong with it. */
function parseCommand(json: string): Command | string {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return "not JSON";
  }
  const c = (value ?? {}) as Record<string, unknown>;
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

function reply(res: ServerResponse, status: number, text: string): void {
  send(res, status, { "content-type": "text/plain; charset=utf-8" }, Buffer.from(text));
}

function download(res: ServerResponse, name: string, type: string, body: string | Buffer): void {
  const disposition = `attachment; filename="${name}"`;
  send(res, 200, { "content-type": type, "content-disposition": disposition }, Buffer.from(body));
}

function send(res: ServerResponse, status: number, headers: object, body: Buffer, head = false) {
  res.writeHead(status, { ...HEADERS, ...headers, "content-length": body.length });
  res.end(head ? undefined : body);
}
