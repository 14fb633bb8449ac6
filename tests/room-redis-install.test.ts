// The Redis client is the room's only when --redis asks for it (tools/deps.mjs broker,
// tcp/room/redis-client.ts): a plain make room-server installs no Redis client, the first
// --redis installs it once, with the same lock and messages as every other install. npm is
// a stand-in that records how it was called and "installs" copies of this project's own
// packages (links to them; or fails as npm does when the registry cannot be reached, for the
// Redis client alone), so nothing is fetched from the npm registry.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { DEADLINE_MS, ROOT, reapAll, spawnProgram } from "../harness/procs.ts";
import { CHAT_PARTS, withStandInNpm } from "../harness/stand-in-npm.ts";
import { listening, redisServer, redisTests } from "./room-redis-kit.ts";

test.after.each(reapAll);
const redisTest = redisTests("the first --redis install test");

/** A copy of what `make room-server` needs, with a stand-in npm first on PATH. */
function freshCopy() {
  // amaro always; the optional Redis client unless optional packages are left out
  const { dir, env } = withStandInNpm(
    "tcp-udp-chat-broker-",
    CHAT_PARTS,
    (dir) => `echo "npm $*" >> "${dir}/npm.log"
mkdir -p node_modules && ln -s "${ROOT}node_modules/amaro" node_modules/amaro
case "$*" in
  *--omit=optional*) ;;
  *) if [ -e "${dir}/registry-down" ]; then echo "npm error code ECONNREFUSED" >&2; exit 1; fi
     mkdir -p node_modules/@redis && ln -s "${ROOT}node_modules/@redis/client" node_modules/@redis/client ;;
esac
`,
  );
  return {
    dir,
    room: (name: string, args: string) =>
      spawnProgram(name, ["make", "-s", "room-server", `ARGS=--port 0 ${args}`], { cwd: dir, env }),
    npmCalls: (): string[] => {
      const log = join(dir, "npm.log");
      return existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [];
    },
    hasRedisClient: () => existsSync(join(dir, "node_modules/@redis/client")),
  };
}

const stripsItself = "stripTypeScriptTypes" in (await import("node:module"));

test("a plain make room-server installs no Redis client (nothing at all on a Node that strips types)", async () => {
  const copy = freshCopy();
  const room = copy.room("make room-server", "");
  await listening(room);
  await room.stop("SIGTERM");
  // on an older Node: amaro alone, the optional Redis client left out
  assert.equal(
    copy.npmCalls().map((c) => c.includes("ci --omit=dev --omit=optional ")),
    stripsItself ? [] : [true],
  );
  assert.not.ok(copy.hasRedisClient(), "no Redis client installed");
});

redisTest(
  "the first --redis installs the Redis client once (npm ci --omit=dev, the same lock), then the room joins Redis",
  async () => {
    const redis = await redisServer();
    const copy = freshCopy();
    // With the registry down: one clear message, the way around, and nothing changed.
    writeFileSync(join(copy.dir, "registry-down"), "");
    const down = copy.room("--redis, registry down", `--redis ${redis.url}`);
    assert.ok((await down.waitExit(3 * DEADLINE_MS)).code !== 0, down.transcript()); // a build first
    assert.match(
      down.stderr,
      /cannot install the Redis client the room's --redis needs \(@redis\/client\): npm ci failed .*\nNothing was changed\. Without --redis the room needs nothing more: make room-server\n/,
    );
    assert.not.match(down.stderr, /listening on/);
    assert.not.ok(copy.hasRedisClient());
    rmSync(join(copy.dir, "registry-down"));
    const tried = copy.npmCalls().length;
    const first = copy.room("first --redis", `--redis ${redis.url}`);
    await listening(first);
    assert.match(
      first.stderr,
      /installing the Redis client the room's --redis needs \(@redis\/client\) \(npm ci --omit=dev\)\.\.\.\n/,
    );
    await first.waitFor("stderr", `one of the room's servers, through Redis at ${redis.url}\n`);
    const second = copy.room("second --redis", `--redis ${redis.url}`);
    await listening(second);
    assert.not.match(second.stderr, /installing/);
    const calls = copy.npmCalls().slice(tried);
    assert.is(calls.length, 1, copy.npmCalls().join("\n"));
    assert.match(calls[0] as string, /^npm ci --omit=dev /);
    assert.not.match(calls[0] as string, /--omit=optional/);
    assert.ok(copy.hasRedisClient());
  },
);

test.run();
