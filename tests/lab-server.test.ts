// make lab's web server, without a browser: its flags, the files it serves (and the paths
// it refuses), its events and commands, and what happens to its scripts when pages come
// and go, when a script is killed, on restart and on Ctrl-C.

import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { labCommand, rawRequest, startLab, Watcher } from "../harness/lab-page.ts";
import { type Proc, reapAll, spawnProgram, spawnScript, tempDir } from "../harness/procs.ts";
import { haveTool } from "../harness/tools.ts";
import { readPcap } from "../lab/pcap.ts";
import { waitForSockets } from "./tcp-states.ts";

test.after.each(reapAll);

/** One raw HTTP/1.1 request, as written (no URL normalised on the way): status and body. */
function raw(url: string, path: string, method = "GET", host?: string): Promise<[number, string]> {
  const { hostname, port } = new URL(url);
  const request = `${method} ${path} HTTP/1.1\r\nHost: ${host ?? `${hostname}:${port}`}\r\nConnection: close\r\n\r\n`;
  return rawRequest(url, request);
}

const command = labCommand;

/** Whether process `pid` is gone. */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

/** `make lab ARGS="…"`, as a teacher types it; its address. */
async function makeLab(args: string): Promise<[Proc, string]> {
  const lab = spawnProgram("make lab", ["make", "-s", "lab", `ARGS=${args}`]);
  const ready = /lab on (http:\/\/\S+)\n/;
  return [lab, ready.exec(await lab.waitFor("stdout", ready))?.[1] as string];
}

test("make lab serves the page, runs the TCP pair when it opens, and ends them all on Ctrl-C", async () => {
  const [lab, url] = await makeLab("--port 0");
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const [status, html] = await raw(url, "/");
  assert.is(status, 200);
  assert.match(html, /<script type="module" src="app\.js"><\/script>/);
  const page = new Watcher(url);
  await page.waitPrinted("client", "宝宝说:");
  assert.equal(page.of("session")[0]?.mode, "tcp");
  assert.is((await command(url, { do: "type", party: "client", text: "你好" })).status, 204);
  await page.waitPrinted("server", "来自宝宝的消息: 你好\n高望>>>");
  assert.is(page.printed("client", "stdin"), "你好\n");
  const pids = ["server", "client"].map((p) => page.pid(p));
  lab.killGroup("SIGINT"); // what Ctrl-C in the terminal does: the whole foreground group
  await lab.waitExit();
  await page.closed;
  assert.ok(pids.every(gone), `still running: ${pids.filter((p) => !gone(p))}`);
});

test("make lab ARGS=--udp runs the UDP pair: a datagram and the sender's address", async () => {
  const [, url] = await makeLab("--udp --port 0");
  const page = new Watcher(url);
  await page.waitPrinted("client", "客户端说:");
  await command(url, { do: "type", party: "client", text: "你好 udp" });
  await page.waitPrinted("server", "你好 udp ('127.0.0.1', ");
  await page.until((w) => w.of("arrow").some((a) => a.arrow.name === "UDP"), "a UDP arrow");
  const datagram = page.of("arrow").find((a) => a.arrow.name === "UDP")?.arrow;
  assert.match(
    datagram?.label ?? "",
    /^client → server: UDP len 10 · from \('127\.0\.0\.1', \d+\) · datagram: 10 bytes from the client/,
  );
  assert.not.ok(page.of("arrow").some((a) => a.arrow.name.includes("SYN")));
});

test("the lab serves only its own files: no path reaches another file", async () => {
  const { url } = await startLab();
  for (const [path, type] of [
    ["/", "text/html"],
    ["/index.html", "text/html"],
    ["/app.js", "text/javascript"],
    ["/style.css", "text/css"],
  ]) {
    const res = await fetch(`${url}${path}`);
    assert.is(res.status, 200, path);
    assert.ok(res.headers.get("content-type")?.startsWith(type as string), path);
    assert.is(res.headers.get("x-content-type-options"), "nosniff");
  }
  const refused = [
    "/../package.json",
    "/../../../../etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/..%2f..%2fpackage.json",
    "/app.js/../../../package.json",
    "//etc/passwd",
    "/lab/main.ts",
    "/page/app.ts",
    "/app.ts",
    "/.cache/build/lab/main.js",
    "/index.html%00",
    "/.git/config",
  ];
  for (const path of refused) {
    const [status, body] = await raw(url, path);
    assert.is(status, 404, path);
    assert.is(body, "not found\n", path);
  }
  assert.equal((await raw(url, "/", "HEAD"))[0], 200);
  assert.equal(await raw(url, "/", "DELETE"), [405, "/ takes GET\n"]);
  assert.equal(await raw(url, "/command"), [405, "/command takes POST\n"]);
});

test("the lab takes commands only as JSON from its own page, and only at its own name", async () => {
  const { url } = await startLab();
  const post = (body: string, headers: Record<string, string>) =>
    fetch(`${url}/command`, { method: "POST", body, headers });
  assert.is((await post('{"do":"clear"}', { "content-type": "text/plain" })).status, 415);
  const json = { "content-type": "application/json" };
  assert.is((await post('{"do":"clear"}', { ...json, origin: "http://evil.example" })).status, 403);
  assert.is((await post("{", json)).status, 400);
  assert.match(await (await post('{"do":"rm -rf"}', json)).text(), /"do" must be one of type, /);
  assert.is((await post('{"do":"type","text":"a\\nb"}', json)).status, 400);
  assert.is((await post('{"do":"type","party":"root"}', json)).status, 400);
  assert.is((await post(JSON.stringify({ do: "type", text: "x".repeat(9000) }), json)).status, 413);
  assert.is((await raw(url, "/", "GET", "evil.example:80"))[0], 403); // a DNS-rebound name
  const { port } = new URL(url);
  assert.is((await raw(url, "/", "GET", `localhost:${port}`))[0], 200);
  assert.is((await raw(url, "/", "GET", "localhost"))[0], 403, "a name is checked whole");
  // no page is open: the conversation started with the lab, and this line waits for it
  assert.is((await post('{"do":"type","text":"hi"}', json)).status, 204);
});

test("make lab says so when its port is in use, and exits 1", async () => {
  const taken = createServer().listen(0, "127.0.0.1");
  await once(taken, "listening");
  const { port } = taken.address() as { port: number };
  try {
    const lab = spawnScript("lab/main.ts", ["--port", String(port)], "lab");
    assert.equal(await lab.waitExit(), { code: 1, signal: null });
    assert.is(
      lab.stderr,
      `cannot serve the lab on 127.0.0.1:${port}: address already in use (another server has this port: stop it or pick --port)\n`,
    );
  } finally {
    taken.close();
  }
});

test("make lab flags: --help, a bad flag, and --host beyond loopback", async () => {
  const help = spawnScript("lab/main.ts", ["--help"], "lab --help");
  assert.equal(await help.waitExit(), { code: 0, signal: null });
  assert.match(help.stdout, /^usage: make lab ARGS="\[--udp\] \[--host H\] \[--port N\]/);
  for (const bad of [["--nope"], ["--port", "http"], ["--port", "70000"], ["--host", ""]]) {
    const lab = spawnScript("lab/main.ts", bad, `lab ${bad.join(" ")}`);
    assert.equal(await lab.waitExit(), { code: 2, signal: null }, bad.join(" "));
    assert.match(lab.stderr, /^lab: .*\nusage: make lab/, bad.join(" "));
  }
  for (const [host, why] of [
    [
      "0.0.0.0",
      "--host 0.0.0.0 is reachable from other machines (0.0.0.0 is not loopback): add --expose",
    ],
    ["127.lab.example", "--host 127.lab.example: cannot resolve 127.lab.example ("], // not loopback by its looks
  ]) {
    const lab = spawnScript("lab/main.ts", ["--host", host as string], `lab --host ${host}`);
    assert.equal(await lab.waitExit(), { code: 2, signal: null }, host);
    assert.ok(lab.stderr.startsWith(`lab: ${why}`), lab.stderr);
  }
});

test("two pages watch one conversation; a page that closes or reloads changes nothing", async () => {
  const { lab, url } = await startLab(["--no-capture"]);
  const first = new Watcher(url, "first page");
  await first.waitPrinted("client", "宝宝说:");
  const second = new Watcher(url, "second page");
  await second.until((w) => w.printed("client").includes("宝宝说:"), "the replay");
  await first.until((w) => w.of("viewers").at(-1)?.count === 2, "2 viewers");
  await command(url, { do: "type", party: "client", text: "from the second tab" });
  await first.waitPrinted("server", "来自宝宝的消息: from the second tab\n");
  second.close();
  await first.until((w) => w.of("viewers").at(-1)?.count === 1, "1 viewer");
  await lab.waitFor("stderr", "a page closed (1 open); the scripts go on");
  const reloaded = new Watcher(url, "reloaded page");
  await reloaded.waitPrinted("server", "来自宝宝的消息: from the second tab\n");
  assert.is(reloaded.pid("server"), first.pid("server"));
  await reloaded.until((w) => w.of("arrow").length >= 4, "the ladder so far");
  assert.ok(!gone(first.pid("server")));
});

test("a script killed from outside: the page is told, and restart starts a fresh pair", async () => {
  const { url } = await startLab(["--no-capture"]);
  const page = new Watcher(url);
  await page.waitPrinted("client", "宝宝说:");
  // The client's prompt comes once its connect() returns; the server may not have accepted
  // it yet, and a connection still in a killed listener's accept queue is reset, not closed.
  // So: until the kernel's accept queue on the server's port is empty (its LISTEN row's Recv-Q).
  const port = Number(/listening on \S+:(\d+)/.exec(page.printed("server", "stderr"))?.[1]);
  await waitForSockets(
    (all) =>
      all.some((s) => s.localPort === port && s.state === "ESTABLISHED") &&
      all.some((s) => s.localPort === port && s.state === "LISTEN" && s.recvQ === 0),
    `the server on port ${port} to accept the client`,
  );
  const server = page.pid("server");
  process.kill(server, "SIGKILL");
  await page.until(
    (w) => w.of("note").some((n) => n.en === "高望's server has ended (signal SIGKILL)"),
    "the note",
  );
  assert.equal(page.of("note")[0]?.zh, "高望的服务端已结束（signal SIGKILL）");
  // The dead server's kernel sent FIN, which may be an exit or a half-close: 宝宝's prompt stays
  // open until the line being typed is sent, and refused with a reset; then the conversation ends.
  await page.until(
    (w) => w.printed("client", "stderr").includes("will send no more (it exited, or half-closed"),
    "the note at the server's FIN",
  );
  await command(url, { do: "type", party: "client", text: "anyone?" });
  await page.until(
    (w) => w.printed("client", "stderr").includes("its kernel refused the 7 bytes with a reset)"),
    "the typed line refused",
  );
  await page.until(
    (w) => w.of("party").some((p) => p.party === "client" && !p.running),
    "the client to end",
  );
  const refused = await command(url, { do: "type", party: "server", text: "hi" });
  assert.equal(
    [refused.status, (await refused.json()).en],
    [409, "高望's server has ended (signal SIGKILL)"],
  );
  assert.is((await command(url, { do: "restart" })).status, 204);
  await page.waitPrinted("client", "宝宝说:");
  assert.is.not(page.pid("server"), server);
  assert.ok(!gone(page.pid("server")));
});

test("Ctrl-C and Ctrl-D reach a script; another client queues for the server", async () => {
  const { url } = await startLab(["--no-capture"]);
  const page = new Watcher(url);
  await page.waitPrinted("client", "宝宝说:");
  assert.is((await command(url, { do: "client" })).status, 204);
  await page.until((w) => w.printed("client2").includes("宝宝说:"), "the second client's prompt");
  await page.until((w) => w.printed("server", "stderr").includes("queue 127.0.0.1:"), "the queue");
  await command(url, { do: "ctrl-d", party: "client" });
  await page.until(
    (w) => w.of("party").some((p) => p.party === "client" && p.exit === "exit 0"),
    "exit 0",
  );
  await command(url, { do: "ctrl-c", party: "client2" });
  await page.until(
    (w) => w.of("party").some((p) => p.party === "client2" && p.exit === "exit 130"),
    "exit 130",
  );
  assert.is(page.printed("client2", "stdin"), "^C\n");
  const third = await command(url, { do: "client" }); // 宝宝 again, in the first pane
  assert.is(third.status, 204);
  await page.until(
    (w) => w.of("party").filter((p) => p.party === "client" && p.running).length === 2,
    "a new client",
  );
});

if (process.getuid?.() === 0 && haveTool("tcpdump")) {
  test("the lab as root draws the wire and serves the capture as a .pcap", async () => {
    const { url } = await startLab();
    const page = new Watcher(url);
    await page.waitPrinted("client", "宝宝说:");
    assert.equal(page.of("session")[0]?.source, "wire");
    await command(url, { do: "type", party: "client", text: "你好" });
    await page.until((w) => w.of("arrow").some((a) => a.arrow.bytes === 6), "the data arrow");
    const pcap = await fetch(`${url}/capture.pcap`);
    assert.is(pcap.headers.get("content-disposition"), 'attachment; filename="lab.pcap"');
    const packets = readPcap(Buffer.from(await pcap.arrayBuffer()));
    assert.ok(packets.some((p) => p.payload.toString() === "你好"));
    const mmd = await (await fetch(`${url}/ladder.mmd`)).text();
    const file = join(tempDir(), "ladder.md");
    writeFileSync(file, `\`\`\`mermaid\n${mmd}\`\`\`\n`);
    const check = spawnScript("tests/fixtures/mermaid-check.ts", [file], "mermaid check");
    assert.equal(await check.waitExit(), { code: 0, signal: null }, check.transcript());
    assert.match(check.stdout, /^ok /, check.stdout);
    assert.match(mmd, /client->>server: PSH-ACK seq 1 ack 1 len 6 · data: 6 bytes/);
  });
}

test("without a capture, the lab says why and serves no .pcap", async () => {
  const { url } = await startLab(["--no-capture"]);
  const page = new Watcher(url);
  await page.waitPrinted("client", "宝宝说:");
  assert.equal(
    [page.of("session")[0]?.source, page.of("session")[0]?.why],
    ["trace", "--no-capture"],
  );
  assert.is((await fetch(`${url}/capture.pcap`)).status, 404);
});

test("without a capture, Ctrl-C at the server: its FIN first, the client's line reset, no FIN from the client; panes end as the kernel has them", async () => {
  const { url } = await startLab(["--no-capture"]);
  const page = new Watcher(url);
  await page.waitPrinted("client", "宝宝说:");
  await command(url, { do: "type", party: "client", text: "hi" });
  await page.waitPrinted("server", "高望>>>");
  await command(url, { do: "type", party: "server", text: "ok" });
  await page.waitPrinted("client", "来自高望的消息: ok");
  await command(url, { do: "ctrl-c", party: "server" });
  await page.until(
    (w) => w.printed("client", "stderr").includes("will send no more"),
    "the client to note the server's FIN",
  );
  await command(url, { do: "type", party: "client", text: "anyone" });
  const ended = (party: string) => (w: Watcher) =>
    w.of("party").some((p) => p.party === party && !p.running);
  await page.until(ended("client"), "the client to end");
  const last = (party: string) =>
    page
      .of("state")
      .filter((e) => e.party === party)
      .at(-1)?.state;
  await page.until(() => last("client") === "CLOSED" && last("server") === "CLOSED", "both CLOSED");
  // the kernel's table may tell CLOSED before the trace's reset is drawn (held a moment, to
  // be put in time order): wait for the reset's arrow too
  await page.until((w) => w.of("arrow").some((e) => e.arrow.name === "RST"), "the reset drawn");
  const arrows = page.of("arrow").map((e) => `${e.arrow.from} ${e.arrow.name}`);
  assert.equal(
    arrows.slice(3), // after the handshake
    ["client PSH-ACK", "server PSH-ACK", "server FIN-ACK", "client PSH-ACK", "server RST"],
    page.log.text,
  );
  const serverFin = page.of("arrow").find((e) => e.arrow.name === "FIN-ACK")?.arrow;
  assert.match(serverFin?.label ?? "", /服务端先关闭/);
  const exits = page
    .of("party")
    .filter((e) => !e.running)
    .map((e) => `${e.party} ${e.exit}`);
  assert.equal(exits.sort(), ["client exit 0", "server exit 130"]);
});

test.run();
