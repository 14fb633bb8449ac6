// The command line of the four scripts: --help, bad flags, --trace, the default address.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { reapAll, spawnScript, startServer } from "../harness/procs.ts";
import { byebye, turn } from "./chat.ts";

test.after.each(reapAll);

const SCRIPTS = ["tcp/server.ts", "tcp/client.ts", "udp/server.ts", "udp/client.ts"];

test("--help prints the usage on stdout and exits 0, for all four scripts", async () => {
  for (const script of SCRIPTS) {
    const proc = spawnScript(script, ["--help"]);
    assert.equal(await proc.waitExit(), { code: 0, signal: null });
    assert.ok(
      proc.stdout.startsWith(`usage: ${script} [--host H] [--port N] [--trace]`),
      proc.stdout,
    );
    assert.is(proc.stdout.includes("--timeout S"), script === "udp/client.ts");
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

const STAMP = /^\[trace \+\d+ ms\] /;

test("--trace shows the TCP socket events on stderr, one stamped line each", async () => {
  const { proc: server, port } = await startServer("tcp/server.ts", ["--trace"], "server");
  const client = spawnScript("tcp/client.ts", ["--port", String(port), "--trace"], "client");
  const pair = { kind: "tcp", server, client } as const;
  await turn(pair, "你好", "hi");
  await byebye(pair);
  await server.waitFor("stderr", /close 127\.0\.0\.1:\d+\n/);
  const events = (text: string) =>
    text
      .split("\n")
      .filter((line) => STAMP.test(line))
      .map((line) => line.replace(STAMP, "").replace(/\d+\.\d+\.\d+\.\d+:\d+/g, "ADDR"));
  assert.equal(events(server.stderr), [
    "listen on ADDR, backlog 3",
    "accept ADDR",
    "recv 6 bytes from ADDR",
    "send 2 bytes to ADDR",
    "recv 6 bytes from ADDR",
    "FIN to ADDR (we close our side)",
    "FIN from ADDR (the peer closed its side)",
    "close ADDR",
  ]);
  assert.equal(events(client.stderr).slice(0, 4), [
    "connected ADDR -> ADDR",
    "send 6 bytes to ADDR",
    "recv 2 bytes from ADDR",
    "send 6 bytes to ADDR",
  ]);
  assert.ok(events(client.stderr).includes("FIN to ADDR (we close our side)"));
});

test("--trace shows each UDP datagram in and out with its size and address", async () => {
  const { proc: server, port } = await startServer("udp/server.ts", ["--trace"], "server");
  const client = spawnScript("udp/client.ts", ["--port", String(port), "--trace"], "client");
  await turn({ kind: "udp", server, client }, "你好", "hi");
  // stderr is its own pipe: what it shows may arrive after the other side's stdout
  await server.waitFor("stderr", /\] bind 127\.0\.0\.1:\d+\n/);
  await server.waitFor(
    "stderr",
    /\] datagram in: 6 bytes from 127\.0\.0\.1:\d+\n.*\] recvfrom 6 bytes/s,
  );
  await server.waitFor("stderr", /\] sendto 2 bytes to 127\.0\.0\.1:\d+ from 127\.0\.0\.1:\d+\n/);
  await client.waitFor("stderr", /\] sendto 6 bytes to 127\.0\.0\.1:\d+ from 0\.0\.0\.0:\d+\n/);
  await client.waitFor("stderr", /\] datagram in: 2 bytes from 127\.0\.0\.1:\d+\n/);
});

test.run();
