// Lesson 17 (docs/17-nagle.md): write, write, read stalls about 40 ms a round while Nagle's
// algorithm waits for a delayed ACK; TCP_NODELAY or one send ends it; and TCP_NODELAY does
// not stop two sends from coming out of one recv (粘包). Each stall is compared with the same
// exchange without Nagle, measured beside it in the same run, so a loaded machine moves both.
import { once } from "node:events";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { atReap, reapAll, spawnProgram } from "../harness/procs.ts";
import { testUnless } from "../harness/skip.ts";
import { haveTool, installHint } from "../harness/tools.ts";
import { runBlock } from "./doc-blocks.ts";

test.after.each(reapAll);

/** The lowest the stall can be: Linux's shortest delayed ACK (TCP_DELACK_MIN), less a margin. */
const DELAYED_ACK_MS = 35;

const noPython = haveTool("python3") ? undefined : installHint(["python3"]);
if (noPython && process.env.CI === "true") {
  test("CI has python3 for the Nagle lesson", () => assert.unreachable(noPython));
}
const pythonTest = testUnless(noPython, "the Nagle lesson's Python programs:");

pythonTest(
  "nagle.py: write, write, read stalls about 40 ms a round with Nagle on, not with TCP_NODELAY or one send",
  async () => {
    const run = spawnProgram("nagle.py", ["bash", "-c", runBlock("nagle")]);
    assert.equal(await run.waitExit(), { code: 0, signal: null }, run.transcript());
    const median = (row: string) => {
      const m = new RegExp(`^${row} +[\\d.]+ ms +([\\d.]+) ms \\(`, "m").exec(run.stdout);
      assert.ok(m, `no row "${row}":\n${run.stdout}`);
      return Number(m?.[1]);
    };
    const [nagle, nodelay, oneSend] = [
      median("Nagle on \\(default\\)"),
      median("TCP_NODELAY"),
      median("one send of both"),
    ];
    assert.ok(nagle >= DELAYED_ACK_MS, `Nagle on: ${nagle} ms a round\n${run.stdout}`);
    assert.ok(nagle < 250, `Nagle on: ${nagle} ms, more than Linux's longest delayed ACK`);
    for (const fast of [nodelay, oneSend]) {
      assert.ok(fast < nagle / 4, `${fast} ms beside ${nagle} ms\n${run.stdout}`);
    }
  },
);

pythonTest(
  "nodelay_glue.py: with TCP_NODELAY each send is a segment of its own, and one recv still returns both",
  async () => {
    const run = spawnProgram("nodelay_glue.py", ["bash", "-c", runBlock("nodelay-glue")]);
    assert.equal(await run.waitExit(), { code: 0, signal: null }, run.transcript());
    assert.match(run.stdout, /^server: its kernel received 2 data segments, 10 bytes unread$/m);
    assert.match(run.stdout, /^server: one recv\(1024\) returns b'helloworld'$/m);
  },
);

/** The median time of `rounds` write-write-read rounds between two Node sockets, in ms. */
async function nodeRounds(noDelay: boolean, rounds = 8): Promise<number> {
  const server = createServer((conn) => {
    let got = 0;
    conn.on("data", (b: Buffer) => {
      got += b.length;
      if (got >= 10) {
        got -= 10;
        conn.write("ok");
      }
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const client: Socket = connect((server.address() as AddressInfo).port, "127.0.0.1");
  atReap(() => {
    client.destroy();
    server.close();
  });
  await once(client, "connect");
  if (noDelay) client.setNoDelay(true);
  const times: number[] = [];
  for (let n = 0; n < rounds; n++) {
    const answered = once(client, "data");
    const start = performance.now();
    client.write("hello");
    await new Promise((resolve) => setImmediate(resolve)); // a second write, in a later turn
    client.write("world");
    await answered;
    times.push(performance.now() - start);
  }
  const later = times.slice(1).sort((a, b) => a - b); // round 1: quick-ACK mode
  return later[Math.floor(later.length / 2)] as number;
}

test("Node's net sockets keep Nagle on: setNoDelay(true) ends the stall", async () => {
  const nagle = await nodeRounds(false);
  const nodelay = await nodeRounds(true);
  assert.ok(nagle >= DELAYED_ACK_MS, `default: ${nagle.toFixed(2)} ms a round`);
  assert.ok(nodelay < nagle / 4, `setNoDelay(true): ${nodelay.toFixed(2)} ms beside ${nagle} ms`);
});

test.run();
