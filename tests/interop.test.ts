// The mirrors against programs nobody here wrote: nc (netcat-openbsd), socat and ncat,
// each exchange checked byte for byte on both sides, Chinese included.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { freePort } from "../harness/ports.ts";
import { type Proc, reapAll, spawnProgram, spawnScript, startServer } from "../harness/procs.ts";
import { installHint, missingTools } from "../harness/tools.ts";
import { waitForState } from "./tcp-states.ts";

test.after.each(reapAll);

const TOOLS = ["nc", "socat", "ncat"];
const missing = missingTools(TOOLS);
const have = (tool: string) => !missing.includes(tool);

/** Commands that connect to 127.0.0.1:port, as a TCP client. */
const TCP_CLIENTS: Record<string, (port: number) => string[]> = {
  nc: (port) => ["nc", "127.0.0.1", String(port)],
  socat: (port) => ["socat", "-", `TCP:127.0.0.1:${port}`],
  ncat: (port) => ["ncat", "127.0.0.1", String(port)],
};

/** Commands that listen on 127.0.0.1 (port 0 where the tool reports the real one). */
const TCP_LISTENERS: Record<string, (port: number) => string[]> = {
  nc: (port) => ["nc", "-lvn", "127.0.0.1", String(port)],
  socat: (port) => ["socat", "-d", "-d", `TCP-LISTEN:${port},bind=127.0.0.1`, "-"],
  ncat: (port) => ["ncat", "-lv", "127.0.0.1", String(port)],
};

const UDP_CLIENTS: Record<string, (port: number) => string[]> = {
  nc: (port) => ["nc", "-u", "127.0.0.1", String(port)],
  socat: (port) => ["socat", "-", `UDP:127.0.0.1:${port}`],
};

const UDP_LISTENERS: Record<string, (port: number) => string[]> = {
  nc: (port) => ["nc", "-u", "-lvn", "127.0.0.1", String(port)],
  socat: (port) => ["socat", "-d", "-d", `UDP-LISTEN:${port},bind=127.0.0.1`, "-"],
};

/** Start a tool listening; read its real port from its own ready line. */
async function listener(
  tool: string,
  command: (port: number) => string[],
): Promise<[Proc, number]> {
  const asked = tool === "ncat" ? await freePort() : 0; // ncat reports port 0 as 0
  const proc = spawnProgram(tool, command(asked));
  const ready = /(?:[Ll]istening on|Bound on) .*?[ :](\d+)\n/;
  const port = asked || Number(ready.exec(await proc.waitFor("stderr", ready))?.[1]);
  return [proc, port];
}

// A tool that is not installed: its tests are declared all the same, and skipped, so that
// the run counts them.
if (missing.length > 0) {
  if (process.env.CI === "true") {
    test("CI has every interop tool", () => {
      assert.unreachable(`.ci/run installs the interop tools, yet ${installHint(missing)}`);
    });
  } else {
    console.log(`interop tests skipped: ${installHint(missing)}`);
  }
}

for (const tool of TOOLS) {
  const toolTest = have(tool) ? test : test.skip;
  toolTest(`${tool} as the TCP client of tcp/server.ts, byebye ending its stream`, async () => {
    const { proc: server, port } = await startServer("tcp/server.ts", [], "server");
    const peer = spawnProgram(tool, (TCP_CLIENTS[tool] as (p: number) => string[])(port));
    peer.write(`你好, I am ${tool}`);
    await server.waitFor("stdout", "高望>>>");
    server.write("欢迎 welcome");
    await peer.waitFor("stdout", "欢迎 welcome");
    peer.write("byebye");
    // The server's FIN is an orderly end of stream: socat exits at once; nc and ncat keep
    // reading their stdin, but the kernel shows their socket in CLOSE_WAIT (FIN received).
    let exited = false;
    peer.exited.then(() => {
      exited = true;
    });
    await waitForState({ remotePort: port }, "CLOSE-WAIT", () => exited);
    peer.endInput();
    assert.equal(await peer.waitExit(), { code: 0, signal: null }, peer.transcript());
    assert.is(peer.stdout, "欢迎 welcome"); // the mirror sends what was typed, no newline
    await server.waitFor("stdout", "来自宝宝的消息: byebye\n\n");
    assert.is(
      server.stdout,
      `来自宝宝的消息: 你好, I am ${tool}\n\n高望>>>来自宝宝的消息: byebye\n\n`,
    );
  });

  toolTest(
    `${tool} as the TCP server of tcp/client.ts, seeing byebye and the end of stream`,
    async () => {
      const [peer, port] = await listener(tool, TCP_LISTENERS[tool] as (p: number) => string[]);
      const client = spawnScript("tcp/client.ts", ["--port", String(port)], "client");
      await client.waitFor("stdout", "宝宝说:");
      client.write("你好 server");
      await peer.waitFor("stdout", "你好 server");
      peer.write("你好 client");
      await client.waitFor("stdout", "宝宝说:", 2);
      client.write("byebye");
      assert.equal(await client.waitExit(), { code: 0, signal: null });
      assert.equal(await peer.waitExit(), { code: 0, signal: null }, peer.transcript());
      assert.is(peer.stdout, "你好 serverbyebye");
      assert.is(client.stdout, "宝宝说:来自高望的消息: 你好 client\n\n宝宝说:");
    },
  );
}

for (const tool of ["nc", "socat"]) {
  const toolTest = have(tool) ? test : test.skip;
  toolTest(`${tool} as the UDP client of udp/server.ts`, async () => {
    const { proc: server, port } = await startServer("udp/server.ts", [], "server");
    const peer = spawnProgram(tool, (UDP_CLIENTS[tool] as (p: number) => string[])(port));
    peer.write(`你好 from ${tool}`);
    await server.waitFor("stdout", "服务端说;");
    server.write("收到 got it");
    await peer.waitFor("stdout", "收到 got it");
    assert.is(peer.stdout, "收到 got it");
    assert.match(
      server.stdout,
      new RegExp(`^你好 from ${tool}\n \\('127\\.0\\.0\\.1', \\d+\\)\n服务端说;$`),
    );
  });

  toolTest(`${tool} as the UDP server of udp/client.ts`, async () => {
    const [peer, port] = await listener(tool, UDP_LISTENERS[tool] as (p: number) => string[]);
    const client = spawnScript("udp/client.ts", ["--port", String(port)], "client");
    await client.waitFor("stdout", "客户端说:");
    client.write("你好 udp");
    await peer.waitFor("stdout", "你好 udp");
    peer.write("hi 客户端");
    await client.waitFor("stdout", "客户端说:", 2);
    assert.is(peer.stdout, "你好 udp");
    assert.is(client.stdout, `客户端说:hi 客户端\n ('127.0.0.1', ${port})\n客户端说:`);
  });
}

test.run();
