// tcp-udp-chat: one room on three servers, in one terminal, for a class demo
// (docs/25-many-servers.md): a Redis of its own, then three room servers joined through it.
//
// Run:  make room-cluster                 (Redis on 127.0.0.1:6390; rooms on 8003, 8013, 8023)
//       make room-cluster ARGS="--servers 2 --port 9003 --redis-port 6391"
// Join any of them: make room-client ARGS="--port 8013 --nick 高望", or nc 127.0.0.1 8023.
// The first room's traffic is shown here, and what you type here is its operator's (@room,
// /who, /kick); each server's notes are shown with its port. A room or Redis that ends
// (kill one, to see what the room does) is reported and the others go on. Ctrl-C stops them
// all: the rooms first (each tells its members), then Redis; nothing is left running,
// nothing is written to disk (Redis runs with persistence off).
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface, type Interface } from "node:readline";
import { chatArgs, whole } from "../../shared/args.ts";
import { REDIS_MISSING, REDIS_READY, redisServerArgs, redisServerPath } from "./redis-server.ts";

const args = chatArgs({
  script: "tcp/room/cluster.ts",
  about: "one room on several servers, through a Redis of its own (make room-cluster)",
  port: 8003,
  server: true,
  options: {
    servers: whole(3, 1, "room servers, on --port, --port + 10, … (0: each on a free port)"),
    redisPort: whole(6390, 0, "Redis's port on 127.0.0.1 (0: a free port)"),
  },
});

const redisServer = redisServerPath();
if (redisServer === undefined) {
  process.stderr.write(`make room-cluster needs Redis: ${REDIS_MISSING}\n`);
  process.exit(1);
}

const children: ChildProcess[] = [];
let stopping = false;
let started = false; // until every server is up, one that ends ends the cluster
let operator: Interface | undefined; // what is typed here: the first room's operator
process.on("SIGINT", () => void stopAll(130));
process.on("SIGTERM", () => void stopAll(143));
process.on("SIGHUP", () => void stopAll(129));
// however this process ends, its children end with it
process.on("exit", () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
});

/** Start `command`, its stdout and stderr given line by line to `out` and `err`. */
function start(command: string, argv: string[], out: (line: string) => void, err = out) {
  const child = spawn(command, argv, { stdio: ["pipe", "pipe", "pipe"] });
  children.push(child);
  createInterface({ input: child.stdout }).on("line", out);
  createInterface({ input: child.stderr }).on("line", err);
  child.on("error", (e) => fail(`cannot start ${command}: ${e.message}`));
  child.on("exit", (code, signal) => {
    const how = `${signal ?? `exit ${code}`}`;
    if (!started) fail(`${command} ${argv.join(" ")} ended (${how})`);
    else if (!stopping) gone(child, how);
  });
  return child;
}

/** Wait until `ready(line)` holds for a line of `child`'s stdout or stderr; the line. */
function readyLine(child: ChildProcess, ready: (line: string) => boolean): Promise<string> {
  return new Promise((resolve) => {
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on("line", (line) => {
        if (ready(line)) resolve(line);
      });
    }
  });
}

// Redis, with persistence off; its log kept for a failure, not shown.
const redisLog: string[] = [];
const keep = (line: string) => void redisLog.push(line);
let redisPort = args.redisPort;
if (redisPort === 0) redisPort = await freePort();
const redis = start(redisServer, redisServerArgs(redisPort), keep);
await readyLine(redis, (line) => line.includes(REDIS_READY));
const url = `redis://127.0.0.1:${redisPort}`;
process.stderr.write(
  `redis-server on 127.0.0.1:${redisPort} (pid ${redis.pid}), persistence off\n`,
);

const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js"; // run as .ts, or built
const script = new URL(`../room-server${ext}`, import.meta.url).pathname;
const ports: number[] = [];
// The rooms, all at once, each joined to the others through Redis; their notes tagged
// with their port (each room's until it listens, with its number).
const rooms = Array.from({ length: args.servers }, (_, i) => {
  const port = args.port === 0 ? 0 : args.port + 10 * i;
  const argv = [script, "--host", args.host, "--port", String(port), "--redis", url];
  let tag = `[room ${i + 1}]`;
  const child = start(
    process.execPath,
    argv,
    (line) => (i === 0 ? process.stdout.write(`${line}\n`) : undefined),
    (line) => process.stderr.write(`${tag} ${line}\n`),
  );
  const listening = readyLine(child, (line) => /^listening on /.test(line)).then((ready) => {
    const real = Number(/:(\d+) \(tcp\)$/.exec(ready)?.[1]);
    tag = `[${real}]`;
    return real;
  });
  return { child, listening };
});
for (const [i, room] of rooms.entries()) {
  ports.push(await room.listening);
  process.stderr.write(
    `room ${i + 1} of ${args.servers}: ${args.host}:${ports[i]} (pid ${room.child.pid})\n`,
  );
}
started = true;
process.stderr.write(
  `one room, ${args.servers} servers, through Redis at ${url}. Join any of them:\n` +
    `  make room-client ARGS="--port ${ports.at(-1)} --nick 高望"\n` +
    `  nc ${args.host} ${ports[0]}\n` +
    `Lines typed here go to the room as @room (/who, /kick NAME). Ctrl-C stops them all.\n`,
);

// What the operator types goes to the first room.
operator = createInterface({ input: process.stdin });
operator.on("line", (line) => children[1]?.stdin?.write(`${line}\n`));

/** A server ended while the cluster runs (killed for a demo, say): the others go on. */
function gone(child: ChildProcess, how: string): void {
  if (child === redis) {
    const again = [redisServer, ...redisServerArgs(redisPort)].map((a) => a || "''").join(" ");
    process.stderr.write(
      `redis-server ended (${how}): the rooms are cut off. Start it again with:\n  ${again}\n`,
    );
  } else {
    const at = ports[children.indexOf(child) - 1];
    process.stderr.write(`the room server on ${at} ended (${how}): the others go on\n`);
  }
  if (children.every((c) => c === redis || c.exitCode !== null || c.signalCode !== null)) {
    process.stderr.write("no room server is left\n");
    void stopAll(1);
  }
}

/** Stop the rooms, then Redis; then exit with `code`. */
async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  operator?.close();
  const [redisChild, ...rooms] = children;
  await Promise.all(rooms.map((c) => ended(c)));
  if (redisChild) await ended(redisChild);
  process.exit(code);
}

/** Ask `child` to end (SIGTERM, then SIGKILL after 3 s); resolves once it has. */
function ended(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), 3000);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

function fail(why: string): void {
  if (stopping) return;
  process.stderr.write(`make room-cluster: ${why}\n`);
  if (redis.exitCode !== null) process.stderr.write(`${redisLog.slice(-5).join("\n")}\n`);
  void stopAll(1);
}

/** A port that was free a moment ago on 127.0.0.1. */
async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  const probe = createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => probe.once("listening", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
