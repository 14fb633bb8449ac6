// The README's promise: `make tcp-server` and `make tcp-client` in two terminals chat as
// the article's programs do (and the same for UDP), through the real make targets.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type Proc, ROOT, readPort, reapAll, spawnProgram } from "../harness/procs.ts";
import { DENO_READ } from "../harness/runtimes.ts";
import { byebye, turn } from "./chat.ts";
import { type TcpSocket, waitForSockets } from "./tcp-states.ts";

test.after.each(reapAll);

/** `make TARGET ARGS="..."`, as a user types it. */
function make(target: string, args: string): Proc {
  return spawnProgram(`make ${target}`, ["make", "-s", target, `ARGS=${args}`]);
}

async function makeServer(target: string): Promise<[Proc, number]> {
  const proc = make(target, "--port 0");
  return [proc, await readPort(proc)];
}

test("make tcp-server and make tcp-client chat as the article's programs do", async () => {
  const [server, port] = await makeServer("tcp-server");
  const client = make("tcp-client", `--port ${port}`);
  const pair = { kind: "tcp", server, client } as const;
  await turn(pair, "你好 hello", "hi baby");
  await byebye(pair);
  assert.is(server.stdout, "来自宝宝的消息: 你好 hello\n高望>>>来自宝宝的消息: byebye\n");
  assert.is(client.stdout, "宝宝说:来自高望的消息: hi baby\n宝宝说:");
  await server.stop("SIGTERM"); // make passes SIGTERM to the script, then ends by it too
  const listening = (all: TcpSocket[]) =>
    all.some((s) => s.localPort === port && s.state === "LISTEN");
  await waitForSockets((all) => !listening(all), "the server behind make to stop listening");
});

test("make udp-server and make udp-client chat as the article's programs do", async () => {
  const [server, port] = await makeServer("udp-server");
  const client = make("udp-client", `--port ${port}`);
  await turn({ kind: "udp", server, client }, "你好 udp", "hi udp");
  assert.is(client.stdout, `客户端说:hi udp ('127.0.0.1', ${port})\n客户端说:`);
  client.endInput();
  assert.equal(await client.waitExit(), { code: 0, signal: null });
});

test("make room-server and make room-client chat with --nick", async () => {
  const [room, port] = await makeServer("room-server");
  const client = (nick: string) =>
    spawnProgram(`make room-client ${nick}`, [
      "make",
      "-s",
      "room-client",
      `ARGS=--port ${port} --nick ${nick}`,
    ]);
  const gao = client("高望");
  await gao.waitFor("stdout", "* welcome, 高望. ");
  const bao = client("宝宝");
  await gao.waitFor("stdout", "* 宝宝 joined\n");
  bao.write("你好");
  await gao.waitFor("stdout", "<宝宝> 你好\n");
  await room.waitFor("stdout", "<宝宝> 你好\n");
});

test("make starts the chat without NODE_EXTRA_CA_CERTS, which Node 20 parses at every start", async () => {
  const server = spawnProgram("make tcp-server", ["make", "-s", "tcp-server", "ARGS=--port 0"], {
    env: { NODE_EXTRA_CA_CERTS: "/etc/ssl/certs/ca-certificates.crt" },
  });
  await readPort(server);
  const make = server.child.pid as number;
  const node = readFileSync(`/proc/${make}/task/${make}/children`, "utf8").trim(); // exec: one
  const env = readFileSync(`/proc/${node}/environ`, "utf8").split("\0");
  assert.ok(
    env.includes("NODE_EXTRA_CA_CERTS="),
    env.filter((v) => v.startsWith("NODE")).join(" "),
  );
  assert.match(readFileSync(`/proc/${node}/cmdline`, "utf8"), /tcp\/server\.js/);
});

test("make passes a script's failure on: one line from the script, then make's own", async () => {
  const client = spawnProgram("make tcp-client", ["make", "-s", "tcp-client", "ARGS=--port 9"]);
  assert.equal(await client.waitExit(), { code: 2, signal: null });
  assert.match(client.stderr, /^cannot connect to 127\.0\.0\.1:9: connection refused/);
});

test("make with no target lists the targets, each with what it does", async () => {
  const help = spawnProgram("make", ["make", "-s"]);
  assert.equal(await help.waitExit(), { code: 0, signal: null }, help.transcript());
  for (const target of ["tcp-server", "tcp-client", "udp-server", "udp-client", "test", "ci"]) {
    assert.match(help.stdout, new RegExp(`\\n  make ${target} +\\S`), target);
  }
  assert.is(help.stderr, "");
});

test("package.json's scripts and deno.json's tasks are what the Makefile says, for every target that runs something, none through make or sh", () => {
  const check = spawnSync(process.execPath, ["tools/entries.mjs", "--check"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  assert.is(check.status, 0, `${check.stdout}${check.stderr}`);
  const makefile = readFileSync(join(ROOT, "Makefile"), "utf8").replaceAll("\\\n", " ");
  const targets = (/^\.PHONY:(.*)$/m.exec(makefile)?.[1] ?? "").split(/\s+/).filter(Boolean);
  const scripts: Record<string, string> = JSON.parse(
    readFileSync(join(ROOT, "package.json"), "utf8"),
  ).scripts;
  const setUp = ["help", "deps", "chat"]; // they install or explain, they run nothing
  assert.ok(targets.length > 15, targets.join(" "));
  assert.equal(
    targets.filter((t) => !setUp.includes(t) && scripts[t] === undefined),
    [],
    "make targets with no npm script",
  );
  for (const [name, command] of Object.entries(scripts)) {
    assert.not.match(command, /\bmake\b|\bsh\b|\$\(/, `npm run ${name}: ${command}`);
  }
  // Deno's permissions, as the harness runs the scripts: the Makefile's DENO_RUN
  assert.ok(makefile.includes(`DENO_RUN := run --allow-net ${DENO_READ}\n`));
});

test("each script's Run: line names the make target that runs it", () => {
  const makefile = readFileSync(join(ROOT, "Makefile"), "utf8");
  const runs = [
    ...makefile.matchAll(/^([a-z][\w-]*): \$\(BUILD\)\/\.\w+\n\t@\$\(CHAT\)\/(\S+)\.js/gm),
  ];
  assert.ok(runs.length >= 8, runs.map((r) => r[1]).join(" "));
  for (const [, target, script] of runs) {
    const header = readFileSync(join(ROOT, `${script}.ts`), "utf8")
      .split("\n")
      .slice(0, 12)
      .join("\n");
    assert.match(header, new RegExp(`// Run: .*\\bmake ${target}\\b`), `${script}.ts`);
    assert.not.match(header, /--import tsx/, `${script}.ts: make runs no loader`);
  }
});

const tracked = spawnSync("git", ["ls-files"], { cwd: ROOT, encoding: "utf8" });
if (tracked.status !== 0) console.log("the map test skipped: this copy is not a git clone");
const mapTest = tracked.status === 0 ? test : test.skip;
mapTest("README's map names every folder of the project, and nothing else", () => {
  const folders = new Set(
    tracked.stdout
      .split("\n")
      .filter((f) => f.includes("/"))
      .map((f) => `${f.slice(0, f.lastIndexOf("/"))}/`),
  );
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const map = /The map: [^\n]*\n\n```text\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
  const named = map
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split(/\s+/)[0] as string);
  assert.equal([...named].sort(), [...folders].sort(), "the map's folders, and the tree's");
});

test.run();
