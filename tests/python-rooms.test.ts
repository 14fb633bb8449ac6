// Lesson 18 (docs/18-many-clients.md): the same small room four ways in Python (a thread per
// client, socketserver.ThreadingTCPServer, selectors, asyncio), each run as the lesson runs it
// with three nc clients connected at once: each is welcomed, each line reaches the other two
// and not its sender, and the room goes on when one leaves. And what a member who stops reading
// does to a room of threads (it stalls) and to a room on selectors (that member is let go).
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  atReap,
  DEADLINE_MS,
  type Proc,
  readPort,
  reapAll,
  spawnProgram,
} from "../harness/procs.ts";
import { testUnless } from "../harness/skip.ts";
import { installHint, missingTools } from "../harness/tools.ts";
import { runBlock } from "./doc-blocks.ts";
import { type TcpSocket, waitForSockets } from "./tcp-states.ts";

test.after.each(reapAll);

const PROGRAMS: [string, string][] = [
  ["room_threads.py", runBlock("room-threads")],
  ["room_socketserver.py", runBlock("room-socketserver")],
  ["room_selectors.py", runBlock("room-selectors")],
  ["room_asyncio.py", runBlock("room-asyncio")],
];

/** Start a room as its lesson block says, on a free port instead of 8005. */
async function startRoom(file: string, command: string): Promise<{ room: Proc; port: number }> {
  const room = spawnProgram(file, [
    "bash",
    "-c",
    `exec ${command.trim().replace(file, `${file} 0`)}`,
  ]);
  return { room, port: await readPort(room) };
}

/** sendto(2)'s number on this machine: x86-64's, or arm64's. */
const SENDTO = process.arch === "arm64" ? "206" : "44";

/** Whether a thread of process `pid` is in the sendto system call now (Linux: /proc/PID/task). */
function inSendto(pid: number | undefined): boolean {
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      if (readFileSync(`/proc/${pid}/task/${tid}/syscall`, "utf8").split(" ")[0] === SENDTO)
        return true;
    } catch {
      // the thread ended meanwhile
    }
  }
  return false;
}

/** One `nc` member, joined as the lesson's block joins; its port, from the welcome. */
async function join(port: number, name: string, here: number): Promise<{ nc: Proc; port: number }> {
  const nc = spawnProgram(name, [
    "bash",
    "-c",
    `exec ${runBlock("room-join", { "8005": String(port) })}`,
  ]);
  const welcome = new RegExp(`^\\* welcome, \\[(\\d+)\\]: ${here} here\\n`, "m");
  return { nc, port: Number(welcome.exec(await nc.waitFor("stdout", welcome))?.[1]) };
}

/** Why the rooms cannot run here: a tool missing, or a Python without its whole standard library. */
function problem(): string | undefined {
  const missing = missingTools(["python3", "nc"]);
  if (missing.length > 0) return installHint(missing);
  const modules = spawnSync("python3", [
    "-c",
    "import asyncio, selectors, socketserver, threading",
  ]);
  return modules.status === 0
    ? undefined
    : "python3 lacks asyncio or socketserver (Debian's python3-minimal); install with: sudo apt-get install -y python3";
}

const why = problem();
if (why && process.env.CI === "true") {
  test("CI has python3, its standard library, and nc for lesson 18", () => assert.unreachable(why));
}
const roomTest = testUnless(why, "the Python rooms of lesson 18:");

for (const [file, command] of PROGRAMS) {
  roomTest(
    `${file} serves three nc clients at once: each line reaches the other two, and the room goes on when one leaves`,
    async () => {
      const { port } = await startRoom(file, command);
      const a = await join(port, "nc A", 1);
      const b = await join(port, "nc B", 2);
      const c = await join(port, "nc C", 3);
      a.nc.write("你好 from A");
      await b.nc.waitFor("stdout", `[${a.port}] 你好 from A\n`);
      await c.nc.waitFor("stdout", `[${a.port}] 你好 from A\n`);
      c.nc.write("hi from C");
      await a.nc.waitFor("stdout", `[${c.port}] hi from C\n`);
      await b.nc.waitFor("stdout", `[${c.port}] hi from C\n`);
      assert.not.match(a.nc.stdout, /你好 from A/, "a line does not come back to its sender");
      a.nc.killGroup("SIGTERM"); // A leaves
      await a.nc.waitExit();
      b.nc.write("still here");
      await c.nc.waitFor("stdout", `[${b.port}] still here\n`);
    },
  );
}

/** A raw member: its welcome, once it has come; `stop()` makes it read no more. */
async function member(port: number) {
  const sock = connect(port, "127.0.0.1");
  sock.on("error", () => {}); // reset when the room is stopped with its bytes unread
  atReap(() => sock.destroy());
  let got = "";
  sock.on("data", (b: Buffer) => {
    got += b.toString();
  });
  const started = performance.now();
  while (!got.includes(" here\n")) {
    if (performance.now() - started > DEADLINE_MS) assert.unreachable(`no welcome on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return { sock, ms: performance.now() - started, got: () => got };
}

/** Lines from `sock` until `done()`; the kernel's backpressure (write() false) is awaited. */
async function flood(sock: Socket, done: () => boolean): Promise<void> {
  const lines = `${"x".repeat(16383)}\n`.repeat(4);
  const deadline = Date.now() + 20_000;
  while (!done() && Date.now() < deadline) {
    if (!sock.write(lines)) {
      await Promise.race([
        new Promise((resolve) => sock.once("drain", resolve)),
        new Promise((resolve) => setTimeout(resolve, 20)), // look at done() again meanwhile
      ]);
    }
  }
}

/** The room's own socket for the member on `peerPort`, in the kernel's table. */
const roomSide = (port: number, peerPort: number | undefined) => (s: TcpSocket) =>
  s.localPort === port && s.remotePort === peerPort;

roomTest(
  "a member who stops reading stalls room_threads.py: its sender waits in sendall holding the lock, and not even a newcomer is welcomed",
  async () => {
    const [file, command] = PROGRAMS[0] as [string, string];
    const { room, port } = await startRoom(file, command);
    const sleeper = await member(port);
    const talker = await member(port);
    const normalMs = (await member(port)).ms; // a welcome, while the room is well
    sleeper.sock.pause();
    let stuck = false; // a thread of the room sleeps in sendto(): the sleeper's buffers are full
    await Promise.all([
      flood(talker.sock, () => stuck),
      waitForSockets(
        () => inSendto(room.child.pid),
        "a thread of the room asleep in sendto()",
      ).then(() => {
        stuck = true;
      }),
    ]);
    const newcomer = connect(port, "127.0.0.1");
    newcomer.on("error", () => {});
    atReap(() => newcomer.destroy());
    let welcomed = false;
    newcomer.on("data", () => {
      welcomed = true;
    });
    // the same welcome took normalMs a moment ago: give it fifty times that, 300 ms at least
    await new Promise((resolve) => setTimeout(resolve, Math.max(300, 50 * normalMs)));
    assert.not.ok(welcomed, `a newcomer was welcomed during the stall (normally ${normalMs} ms)`);
    sleeper.sock.resume(); // the sleeper reads again: the sendall returns, the lock is free
    await waitForSockets(() => welcomed, "the newcomer's welcome once the sleeper reads");
  },
);

roomTest(
  "a member who stops reading is let go by room_selectors.py, and the others carry on",
  async () => {
    const [file, command] = PROGRAMS[2] as [string, string];
    const { port } = await startRoom(file, command);
    const sleeper = await member(port);
    const talker = await member(port);
    sleeper.sock.pause();
    let goneAt = 0; // the room closed its side: FIN-WAIT-1, its FIN behind bytes never read
    await Promise.all([
      flood(talker.sock, () => goneAt > 0),
      waitForSockets(
        (all) =>
          all.some((s) => roomSide(port, sleeper.sock.localPort)(s) && s.state === "FIN-WAIT-1"),
        "the room letting the sleeper go",
      ).then(() => {
        goneAt = performance.now();
      }),
    ]);
    const newcomer = await member(port);
    assert.match(newcomer.got(), /: 2 here\n/, "the talker and the newcomer: the sleeper is gone");
  },
);

test.run();
