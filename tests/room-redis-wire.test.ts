// One line of the room on the wire to Redis and back, as tcpdump sees it on lo (root): the
// RESP bytes docs/25-many-servers.md shows, in English and in 中文, are these. Redis speaks
// lines much as the room does: each element ends in \r\n, and a length before each string.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { atReap, DEADLINE_MS, reapAll } from "../harness/procs.ts";
import { haveTool, installHint } from "../harness/tools.ts";
import { Waker } from "../harness/waker.ts";
import { Capture } from "../lab/capture.ts";
import type { Packet } from "../lab/pcap.ts";
import { ALL } from "./doc-blocks.ts";
import { joinAs, machine } from "./room-members.ts";
import { cluster, HAVE_REDIS, redisTests } from "./room-redis-kit.ts";

test.after.each(reapAll);

/** The id the lesson shows for the sending server (each server draws its own at random). */
const SHOWN_ID = "3fa2c1";

/** RESP frames (commands, replies, pushes) in `bytes`, each a list of its lines ending in \r\n. */
function frames(bytes: Buffer): string[][] {
  const out: string[][] = [];
  let at = 0;
  const line = () => {
    const end = bytes.indexOf("\r\n", at);
    const text = bytes.toString("utf8", at, end);
    at = end + 2;
    return text;
  };
  const one = (into: string[]): void => {
    const head = line();
    into.push(head);
    const n = Number(head.slice(1));
    if (head[0] === "$") {
      into.push(bytes.toString("utf8", at, at + n));
      at += n + 2;
    } else if ("*>%~".includes(head[0] ?? "")) {
      for (let i = 0; i < n * (head[0] === "%" ? 2 : 1); i++) one(into);
    }
  };
  while (at < bytes.length) {
    const frame: string[] = [];
    one(frame);
    out.push(frame);
  }
  return out;
}

/** A frame as the lesson shows it: one element a line, \r\n and \n written out. */
const shown = (frame: string[]) =>
  frame.map((l) => `  ${l.replaceAll("\n", "\\n")}\\r\\n`).join("\n");
const size = (frame: string[]) => frame.reduce((n, l) => n + Buffer.byteLength(l) + 2, 0);

/** What the lesson's wire block says, from the packets of one line said on server 1. */
function wire(packets: Packet[], redisPort: number, id: string): string {
  const stream = (match: (p: Packet) => boolean) =>
    frames(
      Buffer.concat(packets.filter((p) => match(p) && p.payload.length > 0).map((p) => p.payload)),
    );
  const sent = packets.find((p) => p.dport === redisPort && p.payload.includes("PUBLISH"));
  const one = sent?.sport;
  const publish = stream((p) => p.sport === one).find((f) => f[2] === "PUBLISH");
  const toOne = stream((p) => p.dport === one);
  const at = toOne.findIndex((f) => f[2] === "message");
  const reply = toOne.slice(at + 1).find((f) => f[0]?.startsWith(":"));
  const other = packets.find(
    (p) => p.sport === redisPort && p.dport !== one && p.payload.includes("message"),
  )?.dport;
  const push = stream((p) => p.dport === other).find((f) => f[2] === "message");
  if (!publish || !reply || !push) return "";
  const named = (text: string) => text.replaceAll(id, SHOWN_ID);
  return named(
    [
      `room server 1 → Redis: the command, ${size(publish)} bytes`,
      shown(publish),
      `Redis → room server 1: the reply, how many subscribers got it, ${size(reply)} bytes`,
      shown(reply),
      `Redis → room server 2 (and 1): the message, pushed, ${size(push)} bytes`,
      shown(push),
      "",
    ].join("\n"),
  );
}

const isRoot = process.getuid?.() === 0;
const redisTest = redisTests("the RESP capture test");
if (HAVE_REDIS && !(isRoot && haveTool("tcpdump"))) {
  console.log(
    `the RESP capture test skipped: ${isRoot ? installHint(["tcpdump"]) : "it needs root (tcpdump on lo)"}`,
  );
}
const captureTest = HAVE_REDIS && isRoot && haveTool("tcpdump") ? redisTest : test.skip;

captureTest(
  "one line through Redis, on the wire: the PUBLISH its server sends, the count Redis answers, the message Redis pushes to each server",
  async () => {
    const { redis, rooms } = await cluster(2);
    const [one, two] = rooms;
    const alice = await joinAs(one.port, "alice", machine(0));
    const bob = await joinAs(two.port, "bob", machine(1));
    await alice.got.waitFor("* bob joined\n");
    const packets: Packet[] = [];
    const waker = new Waker();
    const onPacket = (p: Packet) => {
      packets.push(p);
      waker.wake();
    };
    const capture = await Capture.start(`tcp port ${redis.port}`, onPacket, { immediate: true });
    if (typeof capture === "string") throw new Error(`tcpdump cannot capture: ${capture}`);
    atReap(() => capture.discard());
    const id = String(await redis.ask(["SMEMBERS", "room:servers"])); // ids, to find server 1's
    alice.sock.write("你好\n");
    await bob.got.waitFor("<alice> 你好\n");
    let text = "";
    const myId = (p: Packet[]) =>
      /PUBLISH\r\n\$8\r\nroom:all\r\n\$\d+\r\n([0-9a-f]{6})\n/.exec(
        Buffer.concat(p.map((x) => x.payload)).toString(),
      )?.[1] ?? "";
    await waker.until(
      () => {
        text = wire(packets, redis.port, myId(packets));
        return text !== "";
      },
      DEADLINE_MS,
      "the line's packets through Redis",
    );
    await capture.stop();
    assert.ok(id.includes(myId(packets)), `${myId(packets)} is a server's id: ${id}`);
    console.log(text);
    const blocks = ALL.filter((b) => b.marker === "wire: one line through Redis");
    assert.is(blocks.length, 2, "the wire block, in English and in 中文");
    for (const b of blocks) assert.is(b.body, text, `${b.page}: the capture it shows`);
  },
);

test.run();
