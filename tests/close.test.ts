// What closing a TCP socket sends, as the lessons tell it (docs/04, 06, 07, 12): close(2)
// sends FIN after what is queued only when nothing received waits unread; with bytes still
// unread, or with SO_LINGER 0, it sends RST, and the peer's recv raises ConnectionResetError
// (Python never returns b'' for a reset). A process that dies is closed by its kernel, by the
// same rule. Node's destroy() is close(2), and throws away what Node itself still queues;
// end() sends it all, then FIN.
import { once } from "node:events";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { reapAll, spawnProgram } from "../harness/procs.ts";
import { testUnless } from "../harness/skip.ts";
import { haveTool, installHint } from "../harness/tools.ts";
import { rawTcpServer } from "./peers.ts";
import { waitForSockets } from "./tcp-states.ts";

test.after.each(reapAll);

const noPython = haveTool("python3") ? undefined : installHint(["python3"]);
if (noPython && process.env.CI === "true") {
  test("CI has python3 for the close(2) tests", () => assert.unreachable(noPython));
}
const pythonTest = testUnless(noPython, "the close(2) tests with Python");

pythonTest(
  "close(2) with bytes unread, or with SO_LINGER 0, sends RST: Python's recv raises ConnectionResetError; with nothing unread, FIN: recv returns b''",
  async () => {
    const python = spawnProgram("python3", [
      "python3",
      "-c",
      [
        "import socket, struct",
        "a = socket.socket(); a.bind(('127.0.0.1', 0)); a.listen(3)",
        "def pair():",
        "    b = socket.create_connection(a.getsockname()); c, _ = a.accept(); return b, c",
        "def peer_reads(b):",
        "    try:",
        "        return repr(b.recv(100))",
        "    except ConnectionResetError as e:",
        "        return f'ConnectionResetError {e.errno}'",
        "b, c = pair(); b.sendall(b'unread'); c.recv(6, socket.MSG_PEEK); c.close()",
        "print('unread bytes:', peer_reads(b))",
        "b, c = pair(); c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0)); c.close()",
        "print('SO_LINGER 0:', peer_reads(b))",
        "b, c = pair(); b.sendall(b'read'); c.recv(4); c.close()",
        "print('all read:', peer_reads(b))",
      ].join("\n"),
    ]);
    assert.equal(await python.waitExit(), { code: 0, signal: null }, python.transcript());
    assert.is(
      python.stdout,
      "unread bytes: ConnectionResetError 104\nSO_LINGER 0: ConnectionResetError 104\nall read: b''\n",
    );
  },
);

pythonTest(
  "a process killed outright is closed by its kernel: FIN when it had read everything, RST when bytes waited unread",
  async () => {
    const server = await rawTcpServer("server");
    const fates: string[] = [];
    for (const [n, unread] of [
      [1, false],
      [2, true],
    ] as const) {
      const child = spawnProgram(`python3 client ${n}`, [
        "python3",
        "-c",
        `import socket, time\ns = socket.create_connection(('127.0.0.1', ${server.port}))\nprint(s.getsockname()[1], flush=True)\ntime.sleep(60)`,
      ]);
      const port = Number(await child.waitFor("stdout", /^\d+\n/));
      const conn = await server.accepted(n);
      if (unread) {
        conn.sock.write("unread"); // the client never reads: the 6 bytes wait in its kernel
        await waitForSockets(
          (all) => all.some((s) => s.localPort === port && s.recvQ === 6),
          "6 bytes unread in the client's socket",
        );
      }
      child.child.kill("SIGKILL"); // no handler, no close(): the kernel closes its sockets
      await conn.got.waitClosed();
      fates.push(`${unread ? "unread" : "nothing unread"}: ${conn.got.closed}`);
    }
    assert.equal(fates, ["nothing unread: server got FIN", "unread: server error ECONNRESET"]);
  },
);

test("Node's destroy() throws away what Node still queues; end() sends it all, then FIN", async () => {
  const server = createServer({ pauseOnConnect: true }); // reads nothing until told: the client's writes pile up
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const received: Record<string, number> = {};
  try {
    for (const how of ["destroy", "end"] as const) {
      const accepted = once(server, "connection"); // before the connect, or its event is missed
      const client = connect({ host: "127.0.0.1", port });
      await once(client, "connect");
      const [conn] = (await accepted) as [Socket];
      const size = 32 * 1024 * 1024; // more than both kernels' buffers hold (a few MiB each)
      client.write(Buffer.alloc(size, 0x61));
      assert.ok(client.writableLength > 0, `${how}: Node holds what the kernel could not take`);
      if (how === "destroy") client.destroy();
      else client.end();
      let bytes = 0;
      conn.on("data", (b: Buffer) => {
        bytes += b.length;
      });
      conn.resume();
      await once(conn, "end"); // FIN, after whatever was sent
      received[how] = bytes;
      conn.destroy();
      if (how === "end") await once(client, "close");
      assert.ok(bytes <= size);
    }
  } finally {
    server.close();
  }
  assert.ok((received.destroy as number) < 32 * 1024 * 1024, JSON.stringify(received));
  assert.is(received.end, 32 * 1024 * 1024);
});

test.run();
