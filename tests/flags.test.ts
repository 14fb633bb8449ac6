// The command line of the four scripts: --help, bad flags, --trace, the default address.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ROOT, reapAll, spawnScript, startServer } from "../harness/procs.ts";
import { byebye, turn } from "./chat.ts";

test.after.each(reapAll);

const SCRIPTS = ["tcp/server.ts", "tcp/client.ts", "udp/server.ts", "udp/client.ts"];

test("--help and -h print the usage on stdout and exit 0, for all four scripts", async () => {
  for (const [n, script] of SCRIPTS.entries()) {
    const proc = spawnScript(script, [n % 2 === 0 ? "--help" : "-h"]);
    assert.equal(await proc.waitExit(), { code: 0, signal: null });
    assert.ok(
      proc.stdout.startsWith(`usage: ${script} [--host H] [--port N] [--trace]`),
      proc.stdout,
    );
    assert.is(proc.stdout.includes("--timeout S"), script.endsWith("client.ts"));
    assert.is(proc.stdout.includes("--connect"), script === "udp/client.ts");
    assert.is(proc.stderr, "");
  }
});

test("a bad flag or value prints why and the usage on stderr, exit 2", async () => {
  const cases: [string, string[], RegExp][] = [
    ["tcp/server.ts", ["--colour"], /Unknown option '--colour'/],
    [
      "tcp/server.ts",
      ["--port", "http"],
      /--port must be a whole number from 0 to 65535, not 'http'/,
    ],
    ["udp/server.ts", ["--port", "70000"], /from 0 to 65535, not '70000'/],
    ["tcp/client.ts", ["--port", "0"], /--port must be a whole number from 1 to 65535, not '0'/],
    ["udp/client.ts", ["--timeout", "soon"], /--timeout must be a number of seconds above 0/],
    ["udp/client.ts", ["--host", ""], /--host must not be empty/],
    ["tcp/client.ts", ["extra"], /Unexpected argument 'extra'/],
    ["tcp/server.ts", ["--timeout", "3"], /Unknown option '--timeout'/],
    ["tcp/server.ts", ["--port", "-1"], /--port must be a whole number from 0 to 65535, not '-1'/],
    [
      "udp/client.ts",
      ["--timeout", "-2"],
      /--timeout must be a number of seconds above 0, not '-2'/,
    ],
    ["tcp/client.ts", ["--connect"], /Unknown option '--connect'/],
    ["udp/server.ts", ["--drop", "2"], /--drop must be a number from 0 to 1, not '2'/],
  ];
  for (const [script, args, why] of cases) {
    const proc = spawnScript(script, args);
    assert.equal(await proc.waitExit(), { code: 2, signal: null }, proc.transcript());
    assert.match(proc.stderr, why);
    assert.match(proc.stderr, new RegExp(`\nusage: ${script} `));
    assert.is(proc.stdout, "");
  }
});

test("servers listen on 127.0.0.1 unless --host says otherwise", async () => {
  for (const script of ["tcp/server.ts", "udp/server.ts"]) {
    const { proc } = await startServer(script);
    assert.match(proc.stderr, /^listening on 127\.0\.0\.1:\d+ \((tcp|udp)\)\n$/);
  }
});

test("a server bound beyond loopback says it is reachable from the network", async () => {
  for (const script of ["tcp/server.ts", "udp/server.ts"]) {
    const { proc } = await startServer(script, ["--host", "0.0.0.0"]);
    await proc.waitFor("stderr", "note: 0.0.0.0 is reachable from the network\n");
  }
});

const STAMP = /^\[trace (\d\d):(\d\d):(\d\d)\.(\d{3})\] /;

/** The trace lines of `text`: the stamp in ms of the day, the event with ADDR for addresses. */
function traced(text: string): { ms: number; event: string }[] {
  return text
    .split("\n")
    .filter((line) => STAMP.test(line))
    .map((line) => {
      const [h, m, s, ms] = (STAMP.exec(line) ?? []).slice(1).map(Number) as number[];
      const event = line.replace(STAMP, "").replace(/\d+\.\d+\.\d+\.\d+:\d+/g, "ADDR");
      return { ms: ((h * 60 + m) * 60 + s) * 1000 + ms, event };
    });
}

/** The line of `script` whose comment names article line `n`, as the trace names it. */
function articleLine(script: string, n: string): string {
  const lines = readFileSync(join(ROOT, script), "utf8").split("\n");
  return `${script}:${lines.findIndex((l) => l.includes(`// ${n} `)) + 1}`;
}

test("--trace shows the TCP socket events on stderr, each stamped and tied to its script line", async () => {
  const { proc: server, port } = await startServer("tcp/server.ts", ["--trace"], "server");
  const client = spawnScript("tcp/client.ts", ["--port", String(port), "--trace"], "client");
  const pair = { kind: "tcp", server, client } as const;
  await turn(pair, "你好", "hi");
  await byebye(pair);
  await server.waitFor("stderr", /\] close 127\.0\.0\.1:\d+\n/);
  await client.waitFor("stderr", /\] close 127\.0\.0\.1:\d+\n/);
  const s = (n: string) => articleLine("tcp/server.ts", n);
  const c = (n: string) => articleLine("tcp/client.ts", n);
  const serverEvents = traced(server.stderr).map((t) => t.event);
  const clientEvents = traced(client.stderr).map((t) => t.event);
  assert.equal(serverEvents.slice(0, 5), [
    `listen on ADDR, backlog 3 (${s("9, 11")})`,
    `accept ADDR (${s("14")})`,
    `recv 6 bytes from ADDR (${s("17")})`,
    `send 2 bytes to ADDR (${s("24")})`,
    `recv 6 bytes from ADDR (${s("17")})`,
  ]);
  assert.equal(clientEvents.slice(0, 4), [
    `connected ADDR -> ADDR (${c("7")})`,
    `send 6 bytes to ADDR (${c("12")})`,
    `recv 2 bytes from ADDR (${c("18")})`,
    `send 6 bytes to ADDR (${c("12")})`,
  ]);
  // Which side's FIN went first is a race here; the trace must tell it the same way on both sides.
  const finTo = (events: string[]) => events.find((e) => e.startsWith("FIN to ")) ?? "";
  const serverFirst = /: we close first/.test(finTo(serverEvents));
  const [first, second] = serverFirst ? [serverEvents, clientEvents] : [clientEvents, serverEvents];
  assert.match(finTo(first), /: we close first.*\(now (FIN-WAIT-[12]|TIME-WAIT)\)/);
  assert.match(finTo(second), /: we close second: the peer's FIN had come first/);
  assert.match(finTo(serverEvents), new RegExp(`\\(${s("26").replace(".", "\\.")}\\)$`));
  assert.match(finTo(clientEvents), new RegExp(`\\(${c("23").replace(".", "\\.")}\\)$`));
  // one clock for both processes: what the client sent, the server received no earlier
  const at = (text: string, event: RegExp) =>
    traced(text).find((t) => event.test(t.event))?.ms ?? 0;
  assert.ok(at(client.stderr, /^send 6/) <= at(server.stderr, /^recv 6/), "send before recv");
});

test("--trace shows each UDP datagram in and out with its size and address", async () => {
  const { proc: server, port } = await startServer("udp/server.ts", ["--trace"], "server");
  const client = spawnScript("udp/client.ts", ["--port", String(port), "--trace"], "client");
  await turn({ kind: "udp", server, client }, "你好", "hi");
  // stderr is its own pipe: what it shows may arrive after the other side's stdout
  const ADDR = "127\\.0\\.0\\.1:\\d+";
  const line = (script: string, n: string) => `\\(${articleLine(script, n).replace(".", "\\.")}\\)`;
  const s = (n: string) => line("udp/server.ts", n);
  const c = (n: string) => line("udp/client.ts", n);
  await server.waitFor("stderr", new RegExp(`\\] bind ${ADDR} ${s("7")}\n`));
  await server.waitFor(
    "stderr",
    new RegExp(
      `\\] datagram in: 6 bytes from ${ADDR}\n.*\\] recvfrom 6 bytes from ${ADDR} ${s("10")}`,
    ),
  );
  await server.waitFor(
    "stderr",
    new RegExp(`\\] sendto 2 bytes to ${ADDR} from ${ADDR} ${s("17")}\n`),
  );
  await client.waitFor(
    "stderr",
    new RegExp(`\\] sendto 6 bytes to ${ADDR} from 0\\.0\\.0\\.0:\\d+ ${c("10")}\n`),
  );
  await client.waitFor("stderr", new RegExp(`\\] datagram in: 2 bytes from ${ADDR}\n`));
  await client.waitFor("stderr", new RegExp(`\\] recvfrom 2 bytes from ${ADDR} ${c("12")}\n`));
});

test.run();
