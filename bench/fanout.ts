/**
 * Room fan-out: N clients in this process join a chat server, then each sends one line
 * every `1 / pace` seconds for `seconds`; every line carries its send time, so each
 * receipt gives a latency. Measured: lines delivered per second, p50 and p99 latency
 * from send to receipt, lines lost, and the server's memory per client (RSS with the
 * clients joined, less RSS idle). The same load runs against `tcp/room-server.ts` and,
 * when installed, `ncat --chat`.
 *
 * @example
 * ```ts
 * const r = await fanout(ROOM, 100, { pace: 1, seconds: 4 });
 * console.log(r.linesPerSecond, r.p99);
 * ```
 * @module
 */
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { freePort } from "../harness/ports.ts";
import { atReap, type Proc, reapAll, spawnProgram, startServer } from "../harness/procs.ts";
import { Waker } from "../harness/waker.ts";

/** A chat server to measure: how to start it on a free port. */
export interface ChatServer {
  name: string;
  start(): Promise<{ proc: Proc; port: number }>;
}

export const ROOM: ChatServer = {
  name: "tcp/room-server.ts",
  start: () => startServer("tcp/room-server.ts", ["--max-clients", "1000"], "room"),
};

export const NCAT: ChatServer = {
  name: "ncat --chat",
  async start() {
    const port = await freePort(); // ncat reports port 0 as 0
    const args = ["-l", "--chat", "--max-conns", "1000", "-v", "127.0.0.1", String(port)];
    const proc = spawnProgram("ncat", ["ncat", ...args]);
    await proc.waitFor("stderr", "Listening on");
    return { proc, port };
  },
};

export interface FanoutResult {
  server: string;
  clients: number;
  linesPerSecond: number;
  p50: number;
  p99: number;
  lost: number;
  kibPerClient: number;
}

const LINE = /> t (\d+) (\d+) ([\d.]+)$/;
const HELLO = /> hello (\d+)$/;

class Client {
  readonly sock: Socket;
  hellos = 0;
  received = 0;
  #rest = "";

  constructor(port: number, latencies: number[], onLine: () => void) {
    this.sock = connect({ host: "127.0.0.1", port });
    this.sock.setEncoding("utf8");
    this.sock.on("error", () => {});
    this.sock.on("data", (text: string) => {
      const now = performance.now();
      const lines = (this.#rest + text).split("\n");
      this.#rest = lines.pop() ?? "";
      for (const line of lines) {
        const m = LINE.exec(line);
        if (m) {
          latencies.push(now - Number(m[3]));
          this.received += 1;
        } else if (HELLO.test(line)) {
          this.hellos += 1;
        }
      }
      onLine();
    });
    atReap(() => this.sock.destroy());
  }
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Measure `server` with `clients` clients, each sending `pace` lines a second for `seconds`. */
export async function fanout(
  server: ChatServer,
  clients: number,
  { pace, seconds }: { pace: number; seconds: number },
): Promise<FanoutResult> {
  try {
    const { proc, port } = await server.start();
    const idle = proc.rssKiB();
    const latencies: number[] = [];
    const waker = new Waker();
    // Join one at a time: each newcomer says hello, and once the first member has heard
    // it, the server has taken the newcomer in. Then everyone hears everyone after them.
    const all: Client[] = [];
    for (let id = 0; id < clients; id++) {
      const client = new Client(port, latencies, () => waker.wake());
      await once(client.sock, "connect");
      all.push(client);
      client.sock.write(`hello ${id}\n`);
      const first = all[0] as Client;
      if (id > 0) await waker.until(() => first.hellos >= id, 10_000, `hello ${id}`);
    }
    await waker.until(() => all.every((c, id) => c.hellos >= clients - 1 - id), 10_000, "hellos");
    const joined = proc.rssKiB();

    latencies.length = 0;
    const interval = 1000 / pace;
    const started = performance.now();
    let sent = 0;
    await new Promise<void>((resolve) => {
      const next = all.map((_, id) => started + (interval * id) / clients); // spread evenly
      const seq = all.map(() => 0);
      const tick = setInterval(() => {
        const now = performance.now();
        if (now - started >= seconds * 1000) {
          clearInterval(tick);
          resolve();
          return;
        }
        all.forEach((c, id) => {
          while ((next[id] as number) <= now) {
            c.sock.write(`t ${id} ${seq[id]} ${performance.now().toFixed(3)}\n`);
            seq[id] = (seq[id] as number) + 1;
            next[id] = (next[id] as number) + interval;
            sent += 1;
          }
        });
      }, 5);
    });
    const expected = sent * (clients - 1);
    const received = () => all.reduce((n, c) => n + c.received, 0);
    await waker.until(() => received() >= expected, 5000, "drain").catch(() => {}); // lost: counted
    const elapsed = (performance.now() - started) / 1000;
    const sorted = Float64Array.from(latencies).sort();
    return {
      server: server.name,
      clients,
      linesPerSecond: received() / elapsed,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      lost: expected - received(),
      kibPerClient: (joined - idle) / clients,
    };
  } finally {
    await reapAll();
  }
}
