import { test } from "uvu";
import * as assert from "uvu/assert";
import { reapAll } from "../harness/procs.ts";
import { rawTcpClient } from "./peers.ts";
import { joinAs, machine } from "./room-members.ts";
import { churn, cluster, redisServer, redisTests } from "./room-redis-kit.ts";

test.after.each(reapAll);
const redisTest = redisTests("the room-across-servers fault tests");

const _sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const CUT_OFF = "* the room's servers cannot reach each other just now (Redis is away): ";
const WHOLE = "* the room is whole again, after ";

redisTest(
  "Redis killed mid-chat: every server tells its members, who go on chatting among themselves; Redis back: the room is whole again, and says what was lost",
  async () => {
    const { redis, rooms } = await cluster(3);
    const [r0, r1, r2] = rooms;
    const a0 = await joinAs(r0.port, "a0", machine(0));
    const a1 = await joinAs(r0.port, "a1", machine(1));
    const b0 = await joinAs(r1.port, "b0", machine(2));
    const c0 = await joinAs(r2.port, "c0", machine(3));
    const all = [a0, a1, b0, c0];
    a0.sock.write("before\n");
    await c0.got.waitFor("<a0> before\n");

    redis.proc.child.kill("SIGKILL");
    await redis.proc.waitExit();
    for (const m of all) await m.got.waitFor(CUT_OFF);
    assert.match(a0.got.text, /Until it is back, you hear only the 2 here, and they you\n/);
    a0.sock.write("only on this server\n");
    await a1.got.waitFor("<a0> only on this server\n");
    c0.sock.write("/who\n");
    await c0.got.waitFor("* 1 here: c0\n* (this server only: the room's servers cannot reach");
    b0.sock.write("/msg a0 hello?\n");
    await b0.got.waitFor(`* error: ${CUT_OFF.slice(2, -2)}: try again in a moment\n`);
    const late = await rawTcpClient(r1.port, "late", machine(4));
    late.sock.write("/nick late\n");
    await late.got.waitClosed();
    assert.match(
      late.got.text,
      /^\* the room's servers cannot reach each other just now .*try again in a moment\n$/,
    );

    await redisServer(redis.port); // the same address, empty: Redis keeps nothing here
    for (const m of all) await m.got.waitFor(WHOLE);
    assert.match(
      b0.got.text,
      /\* the room is whole again, after \d+\.\d s: what was said on its other servers meanwhile is lost, and what was said here did not reach them\n/,
    );
    c0.sock.write("after\n");
    for (const m of [a0, a1, b0]) await m.got.waitFor("<c0> after\n");
    assert.not.match(
      b0.got.text + c0.got.text,
      /only on this server/,
      "lost for good, not sent late",
    );
    b0.sock.write("/who\n"); // every server registered its members again
    await b0.got.waitFor(/\* 4 here: /);
    const newcomer = await joinAs(r1.port, "late", machine(4));
    await a0.got.waitFor("* late joined\n");
    newcomer.sock.write("/nick a1\n");
    await newcomer.got.waitFor("* error: cannot take 'a1': a1 is here: pick another name\n");
  },
);

redisTest(
  "a room server killed outright (SIGKILL): the others hear its members leave within a second, /who drops them, their names are free",
  async () => {
    const { rooms } = await cluster(3);
    const [r0, r1, r2] = rooms;
    const watcher = await joinAs(r0.port, "watcher", machine(0));
    const other = await joinAs(r1.port, "other", machine(1));
    await joinAs(r2.port, "doomed1", machine(2));
    await joinAs(r2.port, "doomed2", machine(3));
    await watcher.got.waitFor("* doomed2 joined\n");
    const killedAt = performance.now();
    r2.proc.child.kill("SIGKILL");
    const gone = /\* doomed1 left \(their server, 127\.0\.0\.1:\d+, is gone\)\n/;
    await watcher.got.waitFor(gone);
    const ms = performance.now() - killedAt;
    await watcher.got.waitFor(/\* doomed2 left \(their server, 127\.0\.0\.1:\d+, is gone\)\n/);
    await other.got.waitFor(gone);
    console.log(`a killed room server's members announced gone ${ms.toFixed(0)} ms after SIGKILL`);
    // the heartbeat is 1 s; a loaded machine may delay it a little
    assert.ok(ms < 3000, `${ms} ms`);
    watcher.sock.write("/who\n");
    await watcher.got.waitFor(/\* 2 here: /);
    assert.not.match(watcher.got.text.split("* 2 here: ")[1] ?? "", /doomed/);
    await joinAs(r1.port, "doomed1", machine(4)); // free again
    await watcher.got.waitFor("* doomed1 joined\n");
    for (const m of [watcher, other]) {
      assert.is(m.got.text.match(/doomed2 left/g)?.length, 1, "announced once, by one server");
    }
  },
);

redisTest(
  "150 joins and leaves across three servers leave nothing behind: no member, socket or Redis connection",
  async () => {
    const { redis, rooms } = await cluster(3);
    const report = await churn(redis, rooms, 150);
    console.log(`churn: ${report}`);
  },
);

test.run();
