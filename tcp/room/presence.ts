/**
 * Who is in a room of many servers, kept in Redis: each server's members in a hash of its
 * own, `room:members:ID` (field: what a name looks like, {@linkcode lookOf}; value: the
 * name; field `@`: the server's address), and a key that says the server is alive,
 * `room:alive:ID`, which lives only as long as the server keeps renewing it (a heartbeat
 * every second, the key expiring 3 s after the last one). A server counts as alive while
 * that key exists *and* its connection to Redis is subscribed to its own channel,
 * `room:to:ID` (`PUBSUB NUMSUB`): a process that dies has its connection closed by its
 * kernel, and Redis sees that at once; a machine that vanishes without a word (or a
 * process stopped) is noticed when its key expires. The first live server to notice takes
 * the dead one out, and tells the room who left.
 *
 * Each step is one Lua script, which Redis runs atomically: a name is claimed (its look, so
 * that no two servers hold look-alikes) only if no live server holds that look; `/who`
 * reads every live server's hash; a private line is published to the server whose member
 * it is for. The scripts read keys they are not passed in KEYS, which a single Redis
 * allows (a Redis Cluster would not: the room uses one Redis).
 *
 * @example
 * ```ts
 * import { Presence } from "./presence.ts";
 * const presence = new Presence((args) => client.sendCommand(args), "127.0.0.1:8003/3fa2c1", "127.0.0.1:8003");
 * await presence.claim("alice"); // undefined: alice is ours; or why not ("alice is here: …")
 * await presence.who(); // ["alice", "bob", …], every live server's members
 * ```
 * @module
 */
import { heldBy, lookOf } from "./names.ts";

/** How often a server renews its presence, and how long it lasts unrenewed (ms). */
export const HEARTBEAT_MS = 1000;
export const PRESENCE_MS = 3000;

/** Sends one command to Redis and resolves with its reply. */
export type Send = (args: string[]) => Promise<unknown>;

/** Lua shared by the scripts: a server's hash, and whether the server is alive. */
const PRELUDE = `
local function hash(s) return 'room:members:' .. s end
local function alive(s)
  return redis.call('EXISTS', 'room:alive:' .. s) == 1
    and redis.call('PUBSUB', 'NUMSUB', 'room:to:' .. s)[2] > 0
end
local function register(me, label, ttl)
  redis.call('HSET', hash(me), '@', label)
  redis.call('SET', 'room:alive:' .. me, label, 'PX', ttl)
  redis.call('SADD', 'room:servers', me)
  redis.call('HSET', 'room:labels', me, label)
end
`;

/**
 * ARGV: me, label, ttl, look, name, the look the member holds now (or ''). The holder's
 * name, or nil: claimed; or {'lost'}: this server's presence is gone (it must rejoin first).
 */
const CLAIM = `${PRELUDE}
local me, look, old = ARGV[1], ARGV[4], ARGV[6]
if redis.call('EXISTS', hash(me)) == 0 then return {'lost'} end
for _, s in ipairs(redis.call('SMEMBERS', 'room:servers')) do
  local holder = redis.call('HGET', hash(s), look)
  if holder and not (s == me and look == old) and alive(s) then return holder end
end
if old ~= '' and old ~= look then redis.call('HDEL', hash(me), old) end
redis.call('HSET', hash(me), look, ARGV[5])
register(me, ARGV[2], ARGV[3])
return false`;

/** Every live server's members. */
const WHO = `${PRELUDE}
local names = {}
for _, s in ipairs(redis.call('SMEMBERS', 'room:servers')) do
  if alive(s) then
    local all = redis.call('HGETALL', hash(s))
    for i = 1, #all, 2 do
      if all[i] ~= '@' then names[#names + 1] = all[i + 1] end
    end
  end
end
return names`;

/** ARGV: look, name, message. Publish the message to the live server whose member `name` is; its id, or nil. */
const TELL = `${PRELUDE}
for _, s in ipairs(redis.call('SMEMBERS', 'room:servers')) do
  if redis.call('HGET', hash(s), ARGV[1]) == ARGV[2] and alive(s) then
    redis.call('PUBLISH', 'room:to:' .. s, ARGV[3])
    return s
  end
end
return false`;

/**
 * ARGV: me, label, ttl, epoch. Renew this server's presence if Redis still holds it (the
 * same epoch: Redis has not restarted empty); then take every dead server out. Replies {1
 * if renewed else 0, then for each dead server: "id\nlabel\nname\nname…"}.
 */
const BEAT = `${PRELUDE}
local me = ARGV[1]
local whole = redis.call('GET', 'room:epoch') == ARGV[4] and redis.call('EXISTS', hash(me)) == 1
if whole then register(me, ARGV[2], ARGV[3]) end
local gone = {whole and 1 or 0}
for _, s in ipairs(redis.call('SMEMBERS', 'room:servers')) do
  if s ~= me and not alive(s) then
    local all = redis.call('HGETALL', hash(s))
    local names = {s, redis.call('HGET', 'room:labels', s) or '?'}
    for i = 1, #all, 2 do
      if all[i] ~= '@' then names[#names + 1] = all[i + 1] end
    end
    redis.call('DEL', hash(s), 'room:alive:' .. s)
    redis.call('SREM', 'room:servers', s)
    redis.call('HDEL', 'room:labels', s)
    gone[#gone + 1] = table.concat(names, '\\n')
  end
end
return gone`;

/**
 * ARGV: me, label, ttl, a new epoch, how many looks to drop, those looks, then look, name
 * for each member here. Register this server's presence again (after Redis came back, or
 * restarted empty): its members' names, less those that left meanwhile. Replies {the
 * epoch, 1 if Redis still listed this server, then each name another live server holds
 * meanwhile}.
 */
const REJOIN = `${PRELUDE}
local me = ARGV[1]
redis.call('SET', 'room:epoch', ARGV[4], 'NX')
local reply = {redis.call('GET', 'room:epoch'), redis.call('SISMEMBER', 'room:servers', me)}
local servers = redis.call('SMEMBERS', 'room:servers')
local drop = tonumber(ARGV[5])
for i = 6, 5 + drop do redis.call('HDEL', hash(me), ARGV[i]) end
for i = 6 + drop, #ARGV, 2 do
  local taken = false
  for _, s in ipairs(servers) do
    if s ~= me and redis.call('HEXISTS', hash(s), ARGV[i]) == 1 and alive(s) then taken = true end
  end
  if taken then reply[#reply + 1] = ARGV[i + 1] else redis.call('HSET', hash(me), ARGV[i], ARGV[i + 1]) end
end
register(me, ARGV[2], ARGV[3])
return reply`;

/** A dead server's departures: its id, its address, and the names it held. */
export interface Gone {
  server: string;
  label: string;
  names: string[];
}

/** Thrown by a claim while this server's presence is gone from Redis: it must rejoin first. */
export class PresenceLost extends Error {}

/** One server's view of the room's presence in Redis. */
export class Presence {
  readonly #send: Send;
  readonly me: string;
  /** This server's address, for people: renewed with each heartbeat. */
  label: string;
  /** Changes when Redis restarts empty: set by the first server to register. */
  epoch = "";
  /** Looks to take out at the next rejoin: released, or perhaps claimed, while Redis was away. */
  readonly #stale = new Set<string>();

  /** `me`: this server's id (its channel is `room:to:` + it); `label`: its address, for people. */
  constructor(send: Send, me: string, label: string) {
    this.#send = send;
    this.me = me;
    this.label = label;
  }

  #eval(script: string, args: (string | number)[]): Promise<unknown> {
    return this.#send(["EVAL", script, "0", ...args.map(String)]);
  }

  /**
   * Claim `name` for a member of this server, atomically across the room (`own`: the name
   * the member holds now, whose look it keeps); why not, or `undefined` once claimed.
   * Rejects when Redis cannot be asked (the claim may or may not have been made: the
   * next rejoin takes it out), with {@linkcode PresenceLost} when this server must rejoin.
   */
  async claim(name: string, own = ""): Promise<string | undefined> {
    const look = lookOf(name);
    const oldLook = own === "" ? "" : lookOf(own);
    let holder: unknown;
    try {
      holder = await this.#eval(CLAIM, [this.me, this.label, PRESENCE_MS, look, name, oldLook]);
    } catch (err) {
      this.#stale.add(look);
      throw err;
    }
    if (Array.isArray(holder)) throw new PresenceLost("this server's presence is gone from Redis");
    return typeof holder === "string" ? heldBy(name, holder) : undefined;
  }

  /** The name is free again (at the next rejoin, if Redis cannot be told now). */
  release(name: string): void {
    const look = lookOf(name);
    this.#send(["HDEL", `room:members:${this.me}`, look]).catch(() => this.#stale.add(look));
  }

  /** A fresh `userN` name, numbered across the room. */
  async freeName(): Promise<string> {
    for (let tries = 0; tries < 100; tries++) {
      const name = `user${await this.#send(["INCR", "room:users"])}`;
      if ((await this.claim(name)) === undefined) return name;
    }
    throw new Error("no free userN name in 100 tries");
  }

  /** Every live server's members. */
  async who(): Promise<string[]> {
    return (await this.#eval(WHO, [])) as string[];
  }

  /** Publish `message` to the server of the member called `name`; whether there is one. */
  async tell(name: string, message: string): Promise<boolean> {
    return typeof (await this.#eval(TELL, [lookOf(name), name, message])) === "string";
  }

  /**
   * The heartbeat: renew this server's presence; whether Redis still held it, and the dead
   * servers just taken out.
   */
  async beat(): Promise<{ whole: boolean; gone: Gone[] }> {
    const args = [this.me, this.label, PRESENCE_MS, this.epoch];
    const [whole, ...gone] = (await this.#eval(BEAT, args)) as [number, ...string[]];
    return {
      whole: whole === 1,
      gone: gone.map((g) => {
        const [server = "", label = "?", ...names] = g.split("\n");
        return { server, label, names };
      }),
    };
  }

  /**
   * Register this server's members (`names`) again. `restarted`: Redis had lost everything
   * (a new epoch); `listed`: it still counted this server in; `taken`: the names another
   * server took meanwhile (their members need new ones).
   */
  async rejoin(names: string[]): Promise<{ restarted: boolean; listed: boolean; taken: string[] }> {
    const here = new Set(names.map(lookOf));
    const stale = [...this.#stale];
    const drop = stale.filter((look) => !here.has(look));
    const fresh = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    const [epoch, listed, ...taken] = (await this.#eval(REJOIN, [
      this.me,
      this.label,
      PRESENCE_MS,
      fresh,
      drop.length,
      ...drop,
      ...names.flatMap((n) => [lookOf(n), n]),
    ])) as [string, number, ...string[]];
    for (const look of stale) this.#stale.delete(look);
    const restarted = this.epoch !== "" && epoch !== this.epoch;
    this.epoch = epoch;
    return { restarted, listed: listed === 1, taken };
  }
}
