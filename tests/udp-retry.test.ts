// Lesson 14 (docs/14-loss.md): docs/python/udp_retry.py, the chat's UDP client with a timeout
// and at most three sends of each message, run as the lesson runs it against udp/server.ts:
// a datagram the server loses on purpose (--drop 0.5) is sent again and answered at the second
// try; with the server gone, three tries and it gives up; and an answer later than the timeout
// brings the message to the server twice, the second answer then taken for the next message's.
// The tests pass a short wait (the program's second argument) instead of its 5 s.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type Proc, reapAll, spawnProgram, startServer } from "../harness/procs.ts";
import { testUnless } from "../harness/skip.ts";
import { haveTool, installHint } from "../harness/tools.ts";
import { runBlock } from "./doc-blocks.ts";

test.after.each(reapAll);

const noPython = haveTool("python3") ? undefined : installHint(["python3"]);
if (noPython && process.env.CI === "true") {
  test("CI has python3 for lesson 14's udp_retry.py", () => assert.unreachable(noPython));
}
const pythonTest = testUnless(noPython, "lesson 14's udp_retry.py:");

/**
 * udp_retry.py as the lesson's block starts it, for the server on `port`, waiting `wait`
 * seconds for each answer. Unbuffered, as on a terminal, so that each line shows when printed.
 */
function retryClient(port: number, wait: number): Proc {
  const command = `exec ${runBlock("udp-retry").trim()} ${port} ${wait}`;
  return spawnProgram("udp_retry.py", ["bash", "-c", command], {
    env: { PYTHONUNBUFFERED: "1", PYTHONIOENCODING: "utf-8" },
  });
}

/** Type `line` into the client once it prompts for the `n`th time. */
async function say(client: Proc, line: string, n: number): Promise<void> {
  await client.waitFor("stdout", "客户端说:", n);
  client.write(line);
}

/** Close the client's stdin (Ctrl-D): it ends with code 0, having printed its closed socket. */
async function endClient(client: Proc, prompts: number): Promise<void> {
  await client.waitFor("stdout", "客户端说:", prompts);
  client.endInput();
  assert.equal(await client.waitExit(), { code: 0, signal: null }, client.transcript());
  assert.match(client.stdout, /客户端说:\n<socket\.socket \[closed\] fd=-1[^\n]*>\n$/);
}

pythonTest(
  "udp_retry.py against udp/server.ts --drop 0.5: the datagram lost on purpose is sent again after the timeout, and its copy is answered at try 2 of 3",
  async () => {
    const { proc: server, port } = await startServer("udp/server.ts", ["--drop", "0.5"], "server");
    const client = retryClient(port, 1); // a second: the server answers within milliseconds
    const from = `('127.0.0.1', ${port})`;
    await say(client, "one", 1); // datagram 1: kept
    await server.waitFor("stdout", /^one \('127\.0\.0\.1', \d+\)\n服务端说;$/);
    server.write("ok 1");
    await say(client, "two", 2); // datagram 2: lost on purpose; its copy, datagram 3: kept
    await server.waitFor("stderr", "(lost on purpose, --drop 0.5: a datagram of 3 bytes from");
    await server.waitFor("stdout", /服务端说;two \('127\.0\.0\.1', \d+\)\n服务端说;$/);
    server.write("ok 2");
    await client.waitFor("stdout", "客户端说:", 3);
    assert.is(
      client.stdout,
      `客户端说:ok 1 ${from}\n客户端说:(no answer in 1 s to try 1 of 3)\nok 2 ${from}\n客户端说:`,
    );
    // the server printed "two" once: the copy; the first one it noted as lost on purpose
    assert.match(
      server.stdout,
      /^one \('127\.0\.0\.1', \d+\)\n服务端说;two \('127\.0\.0\.1', \d+\)\n服务端说;$/,
    );
    assert.is((server.stderr.match(/lost on purpose/g) ?? []).length, 1, server.transcript());
    await endClient(client, 3);
  },
);

pythonTest(
  "udp_retry.py with the server gone: no answer to three tries, a timeout each, then it gives up and goes on; Ctrl-D ends it with its socket closed",
  async () => {
    const { proc: server, port } = await startServer("udp/server.ts", ["--drop", "0.5"], "server");
    await server.stop("SIGINT"); // Ctrl-C: nothing is bound to the port any more
    const wait = 0.3; // nobody answers, so a short wait changes nothing but the time
    const client = retryClient(port, wait);
    await say(client, "three", 1);
    const started = Date.now();
    await client.waitFor(
      "stdout",
      "(gave up after 3 tries; the server may have it all the same)\n",
    );
    const took = Date.now() - started;
    assert.ok(took >= 3 * wait * 1000 * 0.95, `gave up after ${took} ms`);
    await client.waitFor("stdout", "客户端说:", 2); // and it asks for the next line
    assert.is(
      client.stdout,
      [
        "客户端说:(no answer in 0.3 s to try 1 of 3)",
        "(no answer in 0.3 s to try 2 of 3)",
        "(no answer in 0.3 s to try 3 of 3)",
        "(gave up after 3 tries; the server may have it all the same)",
        "客户端说:",
      ].join("\n"),
    );
    await endClient(client, 2);
  },
);

pythonTest(
  "udp_retry.py: an answer later than the timeout brings the message to the server twice, and the second answer is taken for the next message's",
  async () => {
    const { proc: server, port } = await startServer("udp/server.ts", [], "server");
    const client = retryClient(port, 1);
    const from = `('127.0.0.1', ${port})`;
    await say(client, "late", 1);
    await server.waitFor("stdout", /^late \('127\.0\.0\.1', \d+\)\n服务端说;$/);
    // the server's person types slower than the client waits: its copy is sent meanwhile
    await client.waitFor("stdout", "(no answer in 1 s to try 1 of 3)\n");
    server.write("ok");
    await client.waitFor("stdout", `ok ${from}\n客户端说:`);
    // the copy was waiting in the server's queue: it prints the same message again
    await server.waitFor("stdout", /服务端说;late \('127\.0\.0\.1', \d+\)\n服务端说;$/);
    server.write("ok again");
    await say(client, "next", 2);
    await client.waitFor("stdout", "客户端说:", 3);
    assert.is(
      client.stdout,
      `客户端说:(no answer in 1 s to try 1 of 3)\nok ${from}\n客户端说:ok again ${from}\n客户端说:`,
    );
    await server.waitFor("stdout", /服务端说;next \('127\.0\.0\.1', \d+\)\n服务端说;$/);
    await endClient(client, 3);
  },
);

test.run();
