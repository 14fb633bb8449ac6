/**
 * A Redis of the room's own, for a demo, a test or a benchmark: Debian's `redis-server`
 * on 127.0.0.1, on a port of our choosing, with persistence off (no dump.rdb, no
 * append-only file: nothing written to disk, nothing left behind), started in the
 * foreground so that it ends with the program that started it. `make room-cluster`, the
 * tests and `make bench` all start it this way.
 *
 * @example
 * ```ts
 * import { redisServerArgs, redisServerPath, REDIS_MISSING } from "./redis-server.ts";
 * const path = redisServerPath(); // "/usr/bin/redis-server", or undefined: say REDIS_MISSING
 * spawn(path, redisServerArgs(6390)); // ready once it prints "Ready to accept connections"
 * ```
 * @module
 */
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** What redis-server prints once it takes connections. */
export const REDIS_READY = "Ready to accept connections";

/** What to say when redis-server is not installed, and how to get it. */
export const REDIS_MISSING =
  "redis-server is not installed. Debian, Ubuntu: sudo apt-get install -y redis-server; " +
  "Fedora: sudo dnf install redis; macOS: brew install redis";

/** redis-server's flags: 127.0.0.1:`port`, persistence off, its log on stdout. */
export function redisServerArgs(port: number): string[] {
  return ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
}

/** Where redis-server is on PATH, if it is. */
export function redisServerPath(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    try {
      accessSync(join(dir, "redis-server"), constants.X_OK);
      return join(dir, "redis-server");
    } catch {
      // not in this folder
    }
  }
  return undefined;
}
