// One room across servers, the long runs, for make ci (tests/run.ts leaves this file to it):
// a thousand joins and leaves over three servers must leave nothing behind, memory
// included once the rooms fall quiet; and a server that stops answering without closing
// its connection (SIGSTOP, as a machine that vanishes) is counted out when its presence
// expires, then welcomed back when it answers again.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { atReap, reapAll } from "../harness/procs.ts";
import { occurrences } from "../harness/recorder.ts";
import { PRESENCE_MS } from "../tcp/room/presence.ts";
import { QUIET_REPORT } from "../tcp/room/quiet-gc.ts";
import { joinAs, machine } from "./room-members.ts";
import { churn, cluster, redisTests } from "./room-redis-kit.ts";

test.after.each(reapAll);
const redisTest = redisTests("the room-across-servers soak tests");

redisTest(
  "1,000 joins and leaves across three servers leave nothing behind: no member, socket, Redis connection, nor memory once the rooms fall quiet",
  async () => {
    const { redis, rooms } = await cluster(3, ["--trace"]);
    const anonStart = rooms.map((r) => r.proc.anonKiB());
    console.log(`churn: ${await churn(redis, rooms, 1000)}`);
    // tcp/room/quiet-gc.ts: about 9 s into the quiet, each room collects and says so
    const reports = (r: (typeof rooms)[number]) => occurrences(r.proc.stderr, QUIET_REPORT);
    const before = rooms.map(reports); // all first: the rooms fall quiet together
    for (const [i, r] of rooms.entries()) {
      const more = () => reports(r) > (before[i] as number);
      await r.proc.err.until(more, `${r.proc.name}'s quiet report`, false, 30_000);
    }
    const grown = rooms.map((r, i) => (r.proc.anonKiB() - (anonStart[i] as number)) / 1024);
    console.log(
      `after the quiet: private memory grown ${grown.map((g) => g.toFixed(1)).join("/")} MiB`,
    );
    for (const g of grown)
      assert.ok(g < 16, `a room holds ${g.toFixed(1)} MiB more than when it started`);
  },
);

redisTest(
  "a room server that stops answering without closing its connection (SIGSTOP) is counted out when its presence expires, within 3 s; answering again, its members are back",
  async () => {
    const { rooms } = await cluster(3);
    const [r0, r1, r2] = rooms;
    const watcher = await joinAs(r0.port, "watcher", machine(0));
    const frozen = await joinAs(r2.port, "frozen", machine(1));
    const frozen2 = await joinAs(r2.port, "frozen2", machine(2));
    await watcher.got.waitFor("* frozen2 joined\n");
    const stoppedAt = performance.now();
    r2.proc.child.kill("SIGSTOP");
    atReap(() => r2.proc.child.kill("SIGCONT")); // a stopped process would not hear SIGTERM
    await watcher.got.waitFor(/\* frozen left \(their server, 127\.0\.0\.1:\d+, is gone\)\n/);
    const ms = performance.now() - stoppedAt;
    console.log(`a stopped server's members announced gone ${ms.toFixed(0)} ms after SIGSTOP`);
    // its presence expires 3 s after its last heartbeat; the next heartbeat of a live server
    // (every second) sees it: between 2 and 4 s, more on a loaded machine
    assert.ok(ms > PRESENCE_MS - 1000, `${ms} ms: not before its presence expired`);
    watcher.sock.write("/who\n");
    await watcher.got.waitFor("* 1 here: watcher\n");
    const taker = await joinAs(r1.port, "frozen", machine(3)); // the name is free meanwhile
    r2.proc.child.kill("SIGCONT");
    await watcher.got.waitFor(/\* back in the room: frozen2 \(127\.0\.0\.1:\d+\)\n/);
    await frozen.got.waitFor(
      /\* another server's member took the name frozen meanwhile: yours is now (user\d+)\n/,
    );
    const fresh = /yours is now (user\d+)/.exec(frozen.got.text)?.[1];
    await taker.got.waitFor(`* ${fresh} is back in the room (frozen was taken meanwhile)\n`);
    watcher.sock.write("/who\n");
    await watcher.got.waitFor(/\* 4 here: /);
    frozen2.sock.write("still here\n");
    await watcher.got.waitFor("<frozen2> still here\n");
  },
);

redisTest(
  "Redis stopped (SIGSTOP): 2 s after a heartbeat goes unanswered every server tells its members; Redis answering again, the room is whole again",
  async () => {
    const { redis, rooms } = await cluster(2);
    const [r0, r1] = rooms;
    const a = await joinAs(r0.port, "a", machine(0));
    const b = await joinAs(r1.port, "b", machine(1));
    await a.got.waitFor("* b joined\n");
    const stoppedAt = performance.now();
    redis.proc.child.kill("SIGSTOP");
    atReap(() => redis.proc.child.kill("SIGCONT"));
    const cut =
      "* the room's servers cannot reach each other just now (Redis is away): Redis does not answer.";
    for (const m of [a, b]) await m.got.waitFor(cut);
    const ms = performance.now() - stoppedAt;
    console.log(`Redis stopped: members told ${ms.toFixed(0)} ms later`);
    assert.ok(ms > 1500, `${ms} ms: not before a heartbeat went 2 s unanswered`);
    redis.proc.child.kill("SIGCONT");
    for (const m of [a, b]) await m.got.waitFor("* the room is whole again, after ");
    a.sock.write("after\n");
    await b.got.waitFor("<a> after\n");
  },
);

test.run();
