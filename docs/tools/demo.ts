// tcp-udp-chat: a scripted conversation through the real scripts, both sides shown
// interleaved and labelled, with their --trace events, paced so a class can follow.
// Run:  make demo          (the TCP pair)
//       make demo-udp      (the UDP pair)
// Add --fast (ARGS=--fast) to skip the pauses; the tests do.
import { type Proc, reapAll, spawnScript, startServer } from "../../harness/procs.ts";

const udp = process.argv.includes("--udp");
const pause = process.argv.includes("--fast") ? 0 : 1500;

process.stdout.on("error", () => process.exit(0)); // the reader left (| head): nothing to show

const shown = new Map<string, number>();

/** Print what `proc` wrote on `stream` since the last call, each line labelled. */
function flush(proc: Proc, who: string): void {
  for (const stream of ["stderr", "stdout"] as const) {
    const key = `${who} ${stream}`;
    const text = proc[stream];
    const fresh = text.slice(shown.get(key) ?? 0);
    shown.set(key, text.length);
    for (const line of fresh.split("\n").filter(Boolean)) {
      const label = stream === "stdout" ? `${who.padEnd(6)} │ ` : `${who.padEnd(6)} ┆ `;
      process.stdout.write(`${label}${line}\n`);
    }
  }
}

async function say(who: string, proc: Proc, line: string): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, pause));
  process.stdout.write(`${who.padEnd(6)} ⌨ ${line}\n`);
  proc.write(line);
}

process.stdout.write(
  `demo: ${udp ? "UDP" : "TCP"} pair. │ stdout (the conversation), ┆ stderr (notes, --trace), ⌨ typed\n\n`,
);
try {
  const kind = udp ? "udp" : "tcp";
  const { proc: server, port } = await startServer(`${kind}/server.ts`, ["--trace"], "server");
  const client = spawnScript(`${kind}/client.ts`, ["--port", String(port), "--trace"], "client");
  const who = (proc: Proc) => (proc === client ? "client" : "server");
  /** Show `first`'s new lines, then the other side's: the typist's events come first. */
  const both = (first: Proc) => {
    const second = first === client ? server : client;
    flush(first, who(first));
    flush(second, who(second));
  };
  const [clientPrompt, serverPrompt] = udp ? ["客户端说:", "服务端说;"] : ["宝宝说:", "高望>>>"];
  const script: [Proc, string][] = udp
    ? [
        [client, "你好 udp"],
        [server, "hi udp"],
        [client, "再见"],
        [server, "再见!"],
      ]
    : [
        [client, "你好 hello"],
        [server, "hi baby"],
        [client, "byebye"],
      ];
  await client.waitFor("stdout", clientPrompt);
  both(server);
  const prompts = new Map<Proc, number>([
    [client, 1],
    [server, 0],
  ]);
  for (const [proc, line] of script) {
    await say(who(proc), proc, line);
    if (line === "byebye") break;
    const next = proc === client ? server : client;
    prompts.set(next, (prompts.get(next) ?? 0) + 1);
    await next.waitFor("stdout", next === client ? clientPrompt : serverPrompt, prompts.get(next));
    both(proc);
  }
  if (udp) client.endInput();
  await client.waitExit();
  if (!udp) await server.waitFor("stderr", /\] close 127/);
  both(client);
} finally {
  await reapAll();
}
