/**
 * The Redis client, loaded only when the room is started with `--redis`: node-redis's own
 * client, `@redis/client`, the project's one optional dependency. Without `--redis` this
 * file is never imported, and the room needs nothing but Node. With it, a clone that has
 * not installed the client yet installs it now, once, the way make installs everything
 * (`tools/deps.mjs broker`: `npm ci --omit=dev`, one make at a time, the others waiting),
 * and says so on stderr; if it cannot, deps.mjs says why and the room exits 1.
 *
 * @example
 * ```ts
 * import { redisClient } from "./redis-client.ts";
 * const { createClient } = await redisClient();
 * const client = createClient({ url: "redis://127.0.0.1:6379" });
 * ```
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export type RedisModule = typeof import("@redis/client");

/** The project's tools/deps.mjs, found from this file up (it runs from tcp/room/ or from .cache/build/tcp/room/). */
function depsTool(): string | undefined {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const tool = join(dir, "tools", "deps.mjs");
    if (existsSync(tool)) return tool;
    if (dirname(dir) === dir) return undefined;
  }
}

/** `@redis/client`, installed first if it is not there yet. */
export async function redisClient(): Promise<RedisModule> {
  try {
    return await import("@redis/client");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND") throw err;
  }
  const tool = depsTool();
  if (tool === undefined) {
    process.stderr.write("--redis needs the Redis client: npm install @redis/client\n");
    process.exit(1);
  }
  const install = spawnSync(process.execPath, ["--no-warnings", tool, "broker"], {
    stdio: ["ignore", 2, 2],
  });
  if (install.status !== 0) process.exit(install.status ?? 1); // deps.mjs has said why, and what to do
  // By its path: Node remembers that the package was missing a moment ago.
  const where = join(dirname(dirname(tool)), "node_modules", "@redis", "client");
  const { main } = JSON.parse(readFileSync(join(where, "package.json"), "utf8"));
  return await import(pathToFileURL(join(where, main)).href);
}
