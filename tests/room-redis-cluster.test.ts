// make room-cluster (tcp/room/cluster.ts): a Redis and three room servers in one terminal,
// one room; Ctrl-C stops every one of them; without redis-server, one line saying how to
// get it. The lesson's command is run as written (docs/25-many-servers.md), on free ports.
import { readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { freePort } from "../harness/ports.ts";
import { DEADLINE_MS, reapAll, spawnProgram, spawnScript } from "../harness/procs.ts";
import { REDIS_READY } from "../tcp/room/redis-server.ts";
import { commands, runBlock } from "./doc-blocks.ts";
import { joinAs, machine } from "./room-members.ts";
import { listening, redisTests } from "./room-redis-kit.ts";

test.after.each(reapAll);
const redisTest = redisTests("the make room-cluster test");

/** Whether process `pid` is still there (a zombie counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

redisTest(
  "make room-cluster: Redis and three rooms, one room whichever you join; Ctrl-C stops them all, nothing left running",
  async () => {
    const command = runBlock("room-cluster").trim();
    assert.is(command, "make room-cluster");
    const make = spawnProgram("make room-cluster", [
      "make",
      "-s",
      "room-cluster",
      "ARGS=--port 0 --redis-port 0",
    ]);
    // a build, a Redis and three rooms, each loading the Redis client: seconds on a loaded machine
    const ready = () => make.stderr.includes("Ctrl-C stops them all.\n");
    await make.err.until(ready, "the cluster to be ready", false, 3 * DEADLINE_MS);
    const ports = [...make.stderr.matchAll(/^room \d of 3: 127\.0\.0\.1:(\d+) \(pid \d+\)$/gm)].map(
      (m) => Number(m[1]),
    );
    const pids = [...make.stderr.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1]));
    assert.is(ports.length, 3, make.stderr);
    assert.is(pids.length, 4, "redis-server and three rooms");
    const [p0, p1, p2] = ports as [number, number, number];
    const gao = await joinAs(p0, "高望", machine(0));
    const bao = await joinAs(p1, "宝宝", machine(1));
    const nc = await joinAs(p2, "nc", machine(2));
    bao.sock.write("你好, everyone\n");
    for (const m of [gao, nc]) await m.got.waitFor("<宝宝> 你好, everyone\n");
    await make.waitFor("stdout", "<宝宝> 你好, everyone\n"); // the first room's traffic, shown
    make.write("hello from the front of the class");
    for (const m of [bao, nc]) await m.got.waitFor("<@room> hello from the front of the class\n");
    // a demo of the faults: one room server killed, the cluster goes on; then Redis
    const [redisPid, , , thirdPid] = pids as [number, number, number, number];
    process.kill(thirdPid, "SIGKILL");
    await make.waitFor("stderr", `the room server on ${p2} ended (SIGKILL): the others go on\n`);
    await gao.got.waitFor(/\* nc left \(their server, 127\.0\.0\.1:\d+, is gone\)\n/);
    process.kill(redisPid, "SIGKILL");
    await make.waitFor(
      "stderr",
      "redis-server ended (SIGKILL): the rooms are cut off. Start it again with:\n",
    );
    await make.waitFor(
      "stderr",
      /\n {2}\S*redis-server --port \d+ --bind 127\.0\.0\.1 --save '' --appendonly no\n/,
    );
    await bao.got.waitFor("* the room's servers cannot reach each other just now (Redis is away)");
    make.killGroup("SIGINT"); // Ctrl-C: the terminal signals the whole foreground group
    await make.waitExit();
    for (const m of [gao, bao, nc]) await m.got.waitClosed();
    assert.match(gao.got.text, /\* this server is closing/);
    assert.equal(
      pids.filter((pid) => alive(pid)),
      [],
      "every process of the cluster has ended",
    );
  },
);

redisTest(
  "the lesson's commands by hand: a redis-server and two make room-server --redis hold one room",
  async () => {
    const redisPort = await freePort();
    const [redis, ...rooms] = commands(
      runBlock("by-hand", {
        "6390": String(redisPort),
        "--port 8013": "--port 0",
        "--port 8023": "--port 0",
      }),
    ).map((command, i) => spawnProgram(`command ${i + 1}`, ["bash", "-c", `exec ${command}`]));
    assert.is(rooms.length, 2);
    await redis?.waitFor("stdout", REDIS_READY);
    const ports = [];
    for (const room of rooms) ports.push(await listening(room));
    const [p1, p2] = ports as [number, number];
    const gao = await joinAs(p1, "高望", machine(0));
    const bao = await joinAs(p2, "宝宝", machine(1));
    gao.sock.write("你好 宝宝\n");
    await bao.got.waitFor("<高望> 你好 宝宝\n");
  },
);

test("room-cluster without redis-server says so, and how to get it", async () => {
  const cluster = spawnScript("tcp/room/cluster.ts", ["--port", "0"], "cluster", {
    env: { PATH: "/nonexistent" },
  });
  assert.equal(await cluster.waitExit(), { code: 1, signal: null });
  assert.match(
    cluster.stderr,
    /^make room-cluster needs Redis: redis-server is not installed\. Debian, Ubuntu: sudo apt-get install -y redis-server; /,
  );
});

test.run();
