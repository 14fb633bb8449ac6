// tcp-udp-chat: the lab, a live ladder of a real conversation, for the classroom projector.
// Run:  make lab                 (then open http://127.0.0.1:8080)
//       make lab ARGS=--udp      (the UDP pair)
// It serves a page on 127.0.0.1 that runs tcp/server.ts (高望) and tcp/client.ts (宝宝) as
// its children, shows each one's terminal, lets you type as either, and draws every segment
// between them as it happens: from tcpdump when it can capture (root), else from --trace.
// Ctrl-C ends the lab and its children.
import { createServer } from "node:http";
import { failWith } from "../shared/errors.ts";
import { hostPort } from "../shared/host-port.ts";
import { isLoopback } from "../shared/ready.ts";
import { labArgs } from "./args.ts";
import { pageFiles } from "./files.ts";
import { labHandler } from "./http.ts";
import { Lab } from "./lab.ts";

const args = labArgs();
const lab = new Lab({ kind: args.kind, capture: args.capture });
const loopback = isLoopback(args.host) || args.host === "localhost";
const server = createServer(labHandler(lab, pageFiles(), loopback));

server.on("error", (err) => failWith(err, "serve the lab on", hostPort(args.host, args.port)));
server.listen(args.port, args.host, () => {
  const { address, port } = server.address() as { address: string; port: number };
  process.stdout.write(`lab on http://${hostPort(address, port)}\n`);
  if (!loopback) {
    process.stderr.write(
      `note: ${address} is reachable from the network: anyone who can open the page can type as 高望 and 宝宝\n`,
    );
  }
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
