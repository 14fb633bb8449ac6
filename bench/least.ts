/**
 * The least Node can do for the mirror exchange (bench/exchange.ts): one side of the
 * article's chat, TCP or UDP, server or client, cut down to its socket, stdin and stdout.
 * It prints the same prompts as the mirrors and answers the same driver, with none of a
 * mirror's work around them: no `await`, no prompt that opens and closes, no inbox, no
 * note when nobody answers, no escaping, no fault handling. Beside the mirrors in
 * `make bench` it splits their distance from Python in two: its own distance is what Node
 * costs, the rest is what the mirrors' helpers cost. It is a yardstick, not a chat program:
 * nothing else runs it.
 *
 * @example
 * ```sh
 * node .cache/build/bench/least.js udp server --port 8002 &
 * node .cache/build/bench/least.js udp client --port 8002   # type a line: the server shows it
 * ```
 * @module
 */
import { createSocket, type RemoteInfo } from "node:dgram";
import { connect, createServer, type Socket } from "node:net";

const [kind, role] = process.argv.slice(2) as ["tcp" | "udp", "server" | "client"];
const port = Number(process.argv[process.argv.indexOf("--port") + 1]);
const HOST = "127.0.0.1";
const prompt = {
  tcp: { server: "高望>>>", client: "宝宝说:" },
  udp: { server: "服务端说;", client: "客户端说:" },
}[kind][role];

/** Show what came, then the prompt, in one write: the driver counts the prompts. */
const show = (text: string) => process.stdout.write(`${text}\n${prompt}`);

/** Where each line typed goes; set once there is somebody to send it to. */
let send: (line: string) => void = () => {};

if (kind === "udp") {
  const sock = createSocket("udp4");
  let peer: RemoteInfo | undefined;
  sock.on("message", (msg, from) => {
    peer = from;
    show(`${msg} ('${from.address}', ${from.port})`);
  });
  if (role === "server") {
    sock.bind(port, HOST);
    send = (line) => peer && sock.send(line, peer.port, peer.address);
  } else {
    send = (line) => sock.send(line, port, HOST);
    process.stdout.write(prompt);
  }
} else if (role === "server") {
  createServer((conn) => {
    conn.setEncoding("utf8");
    conn.on("data", show);
    send = (line) => conn.write(line);
  }).listen(port, HOST);
} else {
  const conn: Socket = connect(port, HOST, () => process.stdout.write(prompt));
  conn.setEncoding("utf8");
  conn.on("data", show);
  send = (line) => conn.write(line);
}

let rest = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (text: string) => {
  rest += text;
  for (let end = rest.indexOf("\n"); end >= 0; end = rest.indexOf("\n")) {
    send(rest.slice(0, end));
    rest = rest.slice(end + 1);
  }
});
process.on("SIGTERM", () => process.exit(0)); // the driver ends it; a profiler can still write
