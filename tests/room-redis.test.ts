// One room across many servers (tcp/room/broker.ts, docs/25-many-servers.md): three room
// processes and one real redis-server on loopback, members joined on each. Every line
// reaches every member once, each sender's in order; /who, /msg, /me, names and the
// operator's /kick work across servers; without Redis the room says so in one line.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { freePort } from "../harness/ports.ts";
import { reapAll, spawnScript } from "../harness/procs.ts";
import { type RawConn, rawTcpClient } from "./peers.ts";
import { joinAs, machine, member } from "./room-members.ts";
import { cluster, redisTests } from "./room-redis-kit.ts";

test.after.each(reapAll);
const redisTest = redisTests("the room-across-servers tests");

/** The names in a member's last `/who` answer. */
function whoNames(got: string): string[] {
  const lines = got.split("\n").filter((l) => /^\* \d+ here/.test(l));
  return (lines.at(-1) ?? "")
    .replace(/^[^:]*: /, "")
    .split(", ")
    .sort();
}

redisTest(
  "three servers and one Redis hold one room: every line reaches every member on every server, once, in each sender's order",
  async () => {
    const { rooms } = await cluster(3);
    const people: { conn: RawConn; name: string }[] = [];
    for (const r of rooms) {
      for (const k of [0, 1]) {
        const name = `m${r.i}${k}`;
        people.push({ name, conn: await joinAs(r.port, name, machine(people.length)) });
      }
    }
    const last = people.at(-1) as { name: string };
    for (const p of people.slice(0, -1)) await p.conn.got.waitFor(`* ${last.name} joined\n`);
    const LINES = 20;
    for (const p of people) {
      p.conn.sock.write(Array.from({ length: LINES }, (_, n) => `${p.name} ${n}\n`).join(""));
    }
    for (const p of people) {
      for (const q of people.filter((q) => q !== p)) {
        await p.conn.got.waitFor(`<${q.name}> ${q.name} ${LINES - 1}\n`);
      }
    }
    for (const p of people) {
      const heard = new Map<string, number[]>();
      for (const m of p.conn.got.text.matchAll(/^<(m\d\d)> \1 (\d+)$/gm)) {
        heard.set(m[1] as string, [...(heard.get(m[1] as string) ?? []), Number(m[2])]);
      }
      assert.not.ok(heard.has(p.name), `${p.name} got its own lines back`);
      for (const q of people.filter((q) => q !== p)) {
        const order = Array.from({ length: LINES }, (_, n) => n);
        assert.equal(
          heard.get(q.name),
          order,
          `${p.name} heard ${q.name}'s lines once each, in order`,
        );
      }
    }
  },
);

redisTest(
  "across servers: /who lists everyone, names are claimed room-wide (look-alikes too), /msg and /me reach other servers, and an operator's /kick removes a member of another server",
  async () => {
    const { redis, rooms } = await cluster(3);
    const [r0, r1, r2] = rooms;
    // Redis's own slow-reader bound, for a subscriber that reads too slowly (the lesson's table)
    const limits = await redis.ask(["CONFIG", "GET", "client-output-buffer-limit"]);
    assert.match(String(limits), /pubsub 33554432 8388608 60/);
    const alice = await joinAs(r0.port, "alice", machine(0));
    const bob = await joinAs(r1.port, "bob", machine(1));
    const carol = await joinAs(r2.port, "carol", machine(2));
    await alice.got.waitFor("* carol joined\n");
    // a name taken on another server, in another case, or one that looks like it
    for (const [r, name, why] of [
      [r1, "ALICE", "alice is here: pick another name"],
      [r2, "a1ice", "it looks like alice, who is here"],
      [r2, "b0b", "it looks like bob, who is here"],
    ] as const) {
      const late = await rawTcpClient(r.port, name, machine(3));
      late.sock.write(`/nick ${name}\n`);
      await late.got.waitClosed();
      assert.is(late.got.text, `* cannot join as '${name}': ${why}\n`);
    }
    bob.sock.write("/nick CAROL\n");
    await bob.got.waitFor("* error: cannot take 'CAROL': carol is here: pick another name\n");
    // members who give no name are numbered across the room: no two servers hand out one name
    const anon1 = await member(r1.port, "anon1", machine(4));
    const anon2 = await member(r2.port, "anon2", machine(5));
    const [n1, n2] = [anon1, anon2].map((m) => /\* welcome, (user\d+)\./.exec(m.got.text)?.[1]);
    assert.ok(n1 && n2 && n1 !== n2, `${n1} and ${n2}`);
    alice.sock.write("/who\n");
    await alice.got.waitFor(/\* 5 here: /);
    assert.equal(whoNames(alice.got.text), ["alice", "bob", "carol", n1, n2].sort());
    // a private line to a member of another server, and an action seen by all, its sender too
    alice.sock.write("/msg carol 只给你 psst\n");
    await alice.got.waitFor("<you to carol> 只给你 psst\n");
    await carol.got.waitFor("<alice to you> 只给你 psst\n");
    alice.sock.write("/msg nobody hi\n");
    await alice.got.waitFor("* error: nobody here is called 'nobody'\n");
    bob.sock.write("/me waves\n");
    for (const m of [alice, bob, carol]) await m.got.waitFor("• bob waves\n");
    assert.not.match(
      bob.got.text + anon1.got.text,
      /psst/,
      "a private line reaches its addressee only",
    );
    // a rename is claimed room-wide, and frees the old name
    bob.sock.write("/nick 宝宝\n");
    await carol.got.waitFor("* bob is now 宝宝\n");
    const newBob = await joinAs(r2.port, "bob", machine(6));
    // the operator of the first server removes a member of the third
    r0.proc.write("/kick carol");
    await carol.got.waitFor("* removed by the room's operator: goodbye\n");
    await carol.got.waitClosed();
    for (const m of [alice, newBob])
      await m.got.waitFor("* carol was removed by the room's operator\n");
    r0.proc.write("/kick nobody");
    await r0.proc.waitFor("stderr", "nobody here is called 'nobody'\n");
    r1.proc.write("/who");
    await r1.proc.waitFor("stdout", /\* 5 here: /);
  },
);

test("--redis with no Redis there: one line saying so, exit 1, and never listening", async () => {
  const port = await freePort();
  const proc = spawnScript("tcp/room-server.ts", [
    "--port",
    "0",
    "--redis",
    `redis://127.0.0.1:${port}`,
  ]);
  assert.equal(await proc.waitExit(), { code: 1, signal: null });
  assert.match(
    proc.stderr,
    new RegExp(`^cannot reach Redis at redis://127\\.0\\.0\\.1:${port}: connection refused\\. `),
  );
  assert.not.match(proc.stderr, /listening on/);
});

test.run();
