// tcp-udp-chat: the lab, a live ladder of a real conversation, for the classroom projector.
// Run:  make lab                 (then open http://127.0.0.1:8080)
//       make lab ARGS=--udp      (the UDP pair)
// It serves a page on 127.0.0.1 that runs tcp/server.ts (高望) and tcp/client.ts (宝宝) as
// its children, shows each one's terminal, lets you type as either, and draws every segment
// between them as it happens: from tcpdump when it can capture (root), else from --trace.
// Ctrl-C ends the lab and its children; so does any other end of the lab (they die with it).
import { createServer } from "node:http";
import { failWith } from "../shared/errors.ts";
import { hostPort } from "../shared/host-port.ts";
import { labArgs, refuse } from "./args.ts";
import { exposedUrls, hostNames, resolveHost } from "./binding.ts";
import { pageFiles } from "./files.ts";
import { labHandler } from "./http.ts";
import { Lab } from "./lab.ts";
import { scriptRunner } from "./run-as.ts";

/** How long a client may take to send a whole request (a command is one small POST). */
const REQUEST_MS = 10_000;
/** Connections at once: pages, their commands, downloads. More are closed as they come. */
const MAX_CONNECTIONS = 256;

const args = labArgs();
const bound = await resolveHost(args.host);
if (typeof bound === "string") refuse(`--host ${args.host}: ${bound}`);
if (!bound.loopback && !args.expose) {
  refuse(
    `--host ${args.host} is reachable from other machines (${bound.address} is not loopback): add --expose to serve the lab to them`,
  );
}
const files = pageFiles(undefined, (path, why) => say(`lab: ${path}: ${why}`));
const runner = scriptRunner();
if (typeof runner === "string") {
  process.stderr.write(`lab: ${runner}\n`);
  process.exit(1);
}
if (runner.warning) say(`note: ${runner.warning}`);
process.on("exit", () => runner.dispose()); // however the lab ends, but SIGKILL
const lab = new Lab({ kind: args.kind, capture: args.capture, runner });

/** The names the lab answers to: known once it listens (its port may be any free one). */
const names = new Set<string>();
const server = createServer(
  { requestTimeout: REQUEST_MS, headersTimeout: REQUEST_MS, connectionsCheckingInterval: 1000 },
  labHandler(lab, files, names),
);
server.maxConnections = MAX_CONNECTIONS;
server.on("error", (err) => failWith(err, "serve the lab on", hostPort(args.host, args.port)));
server.listen(args.port, bound.address, () => {
  const { address, port } = server.address() as { address: string; port: number };
  for (const name of hostNames(args.host, bound, port)) names.add(name);
  process.stdout.write(`lab on http://${hostPort(address, port)}\n`);
  say(`the scripts run as ${runner.who}`);
  if (!bound.loopback) {
    const urls = exposedUrls(names)
      .map((u) => `  ${u}\n`)
      .join("");
    say(
      `note: --expose: the lab is open to other machines, at\n${urls}anyone who can open it can type as 高望 and 宝宝, restart them, and download the capture`,
    );
  }
  void lab.restart(); // the conversation starts with the lab, not with a page
});

// Ctrl-C, SIGTERM or a closed terminal: end the scripts and tcpdump, then the lab.
for (const [signal, code] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
  ["SIGHUP", 129],
] as const) {
  process.once(signal, async () => {
    await lab.stop();
    server.closeAllConnections();
    server.close();
    process.exit(code);
  });
}

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}
