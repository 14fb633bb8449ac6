/**
 * One room across many server processes, through Redis pub/sub (`--redis URL`). Each
 * server keeps one connection to Redis (RESP3, so that one connection both publishes and
 * receives): it publishes the lines its members say to the channel `room:all`, once per
 * turn of the event loop, and every server subscribed there shows them to its own
 * members. A line for one member (`/msg`, the operator's `/kick`) goes to that member's
 * server alone, on its channel `room:to:ID`. Who is where is kept in Redis with
 * heartbeats ({@linkcode Presence}).
 *
 * The promise, which is Redis pub/sub's: **at most once**, and **in order per sender**. A
 * line reaches each server connected at that moment, once, in the order its sender said
 * it; a server cut off from Redis misses what is said meanwhile, for good (Redis keeps
 * nothing for a subscriber that is not there). While cut off, a server's own members go on
 * hearing each other; the room tells them so (`down`), and tells them when it is whole
 * again and that lines were lost meanwhile (`up`). No line is queued for later: a line
 * said while cut off reaches this server's members only.
 *
 * @example
 * ```ts
 * import { Broker } from "./broker.ts";
 * const broker = await Broker.open("redis://127.0.0.1:6379", "127.0.0.1:8003", room);
 * broker.say("<alice> hi"); // to every member on every other server, at the end of this turn
 * await broker.presence.claim("bob"); // undefined: bob is ours, across the room
 * ```
 * @module
 */
import { randomBytes } from "node:crypto";
import { atTurnEnd } from "./outbox.ts";
import { type Gone, HEARTBEAT_MS, Presence, PresenceLost } from "./presence.ts";
import { redisClient } from "./redis-client.ts";

/** What the room does with what the broker hears. */
export interface RoomSide {
  /** Lines said on other servers: show them to every member here. */
  heard(lines: string[]): void;
  /** A line for the member here called `name` alone. */
  whisper(name: string, line: string): void;
  /** The member here called `name` is removed by an operator on another server. */
  kicked(name: string): void;
  /** Redis cannot be reached: the room is cut in pieces, this server one of them. */
  down(why: string): void;
  /** Whole again after `ms`. */
  up(ms: number): void;
  /** Members here whose names another server's members took while this one was counted out. */
  taken(names: string[]): void;
  /** The names of the members here now. */
  names(): string[];
}

/** How long a heartbeat may wait for its answer before Redis counts as gone (ms). */
const ANSWER_MS = 2 * HEARTBEAT_MS;

/** Wait before the next try at reaching Redis again: 100, 200, … 500 ms. */
const retryIn = (retries: number) => Math.min(100 * (retries + 1), 500);

export class Broker {
  readonly presence: Presence;
  readonly #client: Awaited<ReturnType<typeof connect>>;
  readonly #room: RoomSide;
  #up = false;
  #downSince = 0;
  #rejoining = false;
  /** When the heartbeat in flight was sent, or 0. */
  #beatSent = 0;
  /** This turn's lines, published together at its end. */
  #lines: string[] = [];

  /**
   * Connect to Redis at `url`, subscribe, register this server (`label`: its address, for
   * people); exits with one line if Redis cannot be reached.
   */
  static async open(url: string, label: string, room: RoomSide): Promise<Broker> {
    const client = await connect(url);
    const broker = new Broker(client, label, room);
    await broker.#start();
    return broker;
  }

  private constructor(client: Awaited<ReturnType<typeof connect>>, label: string, room: RoomSide) {
    this.#client = client;
    this.#room = room;
    const me = randomBytes(3).toString("hex");
    this.presence = new Presence((args) => client.sendCommand(args), me, label);
  }

  async #start(): Promise<void> {
    const client = this.#client;
    await client.subscribe(["room:all", `room:to:${this.presence.me}`], (message, channel) =>
      channel === "room:all" ? this.#heard(message) : this.#toUs(message),
    );
    await this.presence.rejoin([]);
    this.#up = true;
    // Every failure to reach Redis (each retry's too) comes as an error; each reconnection as ready.
    client.on("error", (err: Error) => this.#lost(reason(err)));
    client.on("ready", () => this.#rejoin());
    setInterval(() => this.#beat(), HEARTBEAT_MS).unref();
  }

  /** This server's address, for people, once it listens: written to Redis at once. */
  relabel(label: string): void {
    this.presence.label = label;
    this.#beat();
  }

  /** Whether this server is part of the whole room now (Redis reachable, presence registered). */
  get up(): boolean {
    return this.#up;
  }

  /** Say `line` to every member of every other server, with this turn's other lines. */
  say(line: string): void {
    if (!this.#up) return; // cut off: the other servers never hear it (at most once)
    if (this.#lines.length === 0) atTurnEnd(this);
    this.#lines.push(line);
  }

  /** Publish this turn's lines: one message, the server's id on its first line. */
  flush(): void {
    const lines = this.#lines;
    this.#lines = [];
    if (lines.length === 0 || !this.#up) return;
    this.#client.publish("room:all", `${this.presence.me}\n${lines.join("\n")}`).catch(() => {});
  }

  /** Send `line` to the member called `name` on whichever server holds it; whether one does. */
  whisper(name: string, line: string): Promise<boolean> {
    return this.presence.tell(name, `msg\n${name}\n${line}`);
  }

  /** Ask the server of the member called `name` to remove it; whether one holds it. */
  kick(name: string): Promise<boolean> {
    return this.presence.tell(name, `kick\n${name}`);
  }

  /** Close the connection now (the process is exiting: other servers see it gone at once). */
  close(): void {
    this.#client.destroy();
  }

  #heard(message: string): void {
    const lines = message.split("\n");
    if (lines[0] === this.presence.me) return; // ours: our members have it already
    this.#room.heard(lines.slice(1));
  }

  #toUs(message: string): void {
    const [kind, name = "", line = ""] = message.split("\n");
    if (kind === "msg") this.#room.whisper(name, line);
    else if (kind === "kick") this.#room.kicked(name);
  }

  #lost(why: string): void {
    if (!this.#up) return;
    this.#up = false;
    this.#downSince = Date.now();
    this.#lines = [];
    this.#room.down(why);
  }

  /** Register this server's members again (Redis is back, or lost them), then count as up. */
  #rejoin(): void {
    if (this.#rejoining) return;
    this.#rejoining = true;
    this.presence
      .rejoin(this.#room.names())
      .then(({ restarted, listed, taken }) => {
        const wasDown = !this.#up;
        this.#up = true;
        if (wasDown) this.#room.up(Date.now() - this.#downSince);
        if (taken.length > 0) this.#room.taken(taken);
        // Still the same Redis, yet it had counted this server out: the others heard our
        // members leave, and now hear them back.
        const back = this.#room.names().filter((n) => !taken.includes(n));
        if (!restarted && !listed && back.length > 0) {
          this.#announce([`* back in the room: ${list(back)} (${this.presence.label})`]);
        }
      })
      .catch((err: Error) => this.#lost(reason(err)))
      .finally(() => {
        this.#rejoining = false;
      });
  }

  /** The heartbeat: renew this server's presence; notice dead servers and a Redis that does not answer. */
  #beat(): void {
    if (this.#beatSent > 0) {
      if (Date.now() - this.#beatSent > ANSWER_MS) this.#lost("Redis does not answer");
      return;
    }
    if (!this.#client.isReady || this.#rejoining) return;
    this.#beatSent = Date.now();
    this.presence
      .beat()
      .then(({ whole, gone }) => {
        if (!whole || !this.#up) this.#rejoin();
        for (const g of gone) this.#announce(departures(g));
      })
      .catch((err: Error) => {
        if (err instanceof PresenceLost) this.#rejoin();
        else this.#lost(reason(err));
      })
      .finally(() => {
        this.#beatSent = 0;
      });
  }

  /** Lines for every member of the room: here, and on every other server. */
  #announce(lines: string[]): void {
    if (lines.length === 0) return;
    this.#room.heard(lines);
    for (const line of lines) this.say(line);
  }
}

/** A client of Redis at `url` that never queues a command while Redis is away. */
async function connect(url: string) {
  const { createClient } = await redisClient();
  let started = false;
  const client = createClient({
    url,
    disableOfflineQueue: true, // a line said while Redis is away is not sent later: at most once
    socket: {
      connectTimeout: 2000,
      // the first time, fail at once (the room says why and exits); later, keep trying
      reconnectStrategy: (retries: number) => (started ? retryIn(retries) : false),
    },
  });
  const failed = new Promise<never>((_, reject) => client.once("error", reject));
  try {
    await Promise.race([client.connect(), failed]);
  } catch (err) {
    process.stderr.write(
      `cannot reach Redis at ${url}: ${reason(err as Error)}. Is redis-server running there? (make room-cluster starts one with three rooms)\n`,
    );
    process.exit(1);
  }
  started = true;
  return client;
}

/** What went wrong with Redis, in a few words. */
function reason(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "host not found";
  if (/closed unexpectedly/i.test(err.message)) return "the connection to Redis closed";
  return err.message;
}

/** Names for people: the first 20, then how many more. */
function list(names: string[]): string {
  const more = names.length > 20 ? ` and ${names.length - 20} more` : "";
  return `${names.slice(0, 20).join(", ")}${more}`;
}

/** What the room hears when a server died: each of its members leaving. */
function departures({ label, names }: Gone): string[] {
  return names.map((name) => `* ${name} left (their server, ${label}, is gone)`);
}
