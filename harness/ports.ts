/**
 * A TCP port that was free a moment ago on 127.0.0.1, for programs that cannot be given
 * port 0 and report the real one (ncat, the article's Python programs). Prefer port 0
 * wherever the program prints where it listens.
 *
 * @example
 * ```ts
 * import { freePort } from "./ports.ts";
 * const port = await freePort(); // e.g. 40321
 * ```
 * @module
 */
import { once } from "node:events";
import { createServer } from "node:net";

export async function freePort(): Promise<number> {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
