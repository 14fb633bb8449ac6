// SO_REUSEADDR on Linux, as lesson 2 and the glossary tell it: it never lets two sockets
// listen on one port, and it lets a server bind a port that an old connection holds in
// TIME-WAIT only when the old socket had set it too. (On Windows the same option lets a
// second socket take a port in use: cited in lesson 16, not run here.) Run with Python, the
// language of the article's server, which sets the option on its line 5.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { reapAll, spawnProgram } from "../harness/procs.ts";
import { testUnless } from "../harness/skip.ts";
import { haveTool, installHint } from "../harness/tools.ts";

test.after.each(reapAll);

const SCRIPT = `
import errno, socket, time

def listener(reuse, port=0):
    s = socket.socket()
    if reuse:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(3)
    return s

def bind_again(port, reuse):
    try:
        listener(reuse, port)
        return "bound"
    except OSError as e:
        return errno.errorcode[e.errno]

def time_wait(port):  # /proc/net/tcp: state 06 on our local port
    for line in open("/proc/net/tcp").readlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if int(local.split(":")[1], 16) == port and state == "06":
            return True
    return False

first = listener(True)
port = first.getsockname()[1]
print("second listener, both with SO_REUSEADDR:", bind_again(port, True))
first.close()

for old in (False, True):
    for new in (False, True):
        server = listener(old)
        port = server.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        conn, _ = server.accept()
        conn.close()  # the server closes first: its side will wait in TIME-WAIT
        client.recv(1)
        client.close()
        server.close()
        deadline = time.time() + 10
        while not time_wait(port) and time.time() < deadline:
            time.sleep(0.01)
        print(f"TIME-WAIT, old {'with' if old else 'without'}, new {'with' if new else 'without'}:", bind_again(port, new))
`;

const noPython = haveTool("python3") ? undefined : installHint(["python3"]);
if (noPython && process.env.CI === "true") {
  test("CI has python3 for the SO_REUSEADDR test", () => assert.unreachable(noPython));
}
const pythonTest = testUnless(noPython, "the SO_REUSEADDR test");

pythonTest(
  "on Linux, SO_REUSEADDR lets no second socket listen on a port, and binds over TIME-WAIT only when the old socket had it too",
  async () => {
    const python = spawnProgram("python3", ["python3", "-c", SCRIPT]);
    assert.equal(await python.waitExit(), { code: 0, signal: null }, python.transcript());
    assert.is(
      python.stdout,
      [
        "second listener, both with SO_REUSEADDR: EADDRINUSE",
        "TIME-WAIT, old without, new without: EADDRINUSE",
        "TIME-WAIT, old without, new with: EADDRINUSE",
        "TIME-WAIT, old with, new without: EADDRINUSE",
        "TIME-WAIT, old with, new with: bound",
        "",
      ].join("\n"),
    );
  },
);

test.run();
