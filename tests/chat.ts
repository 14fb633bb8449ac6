/**
 * The article's conversations as steps a test can take, as a learner in two terminals
 * would: a turn is one line typed at the client's prompt and one at the server's.
 *
 * @example
 * ```ts
 * const pair = { kind: "tcp", client, server } as const;
 * await turn(pair, "你好 hello", "hi baby"); // both prompts answered, the client's next one shown
 * await byebye(pair);
 * ```
 * @module
 */
import * as assert from "uvu/assert";
import type { Proc } from "../harness/procs.ts";

/** The prompts the article's programs print, by protocol. */
export const PROMPTS = {
  tcp: { client: "宝宝说:", server: "高望>>>" },
  udp: { client: "客户端说:", server: "服务端说;" },
} as const;

/** A client and a server of the same protocol, talking to each other. */
export interface Pair {
  kind: "tcp" | "udp";
  client: Proc;
  server: Proc;
}

/**
 * The client says `ask` at its `n`th prompt and the server answers `answer` at its `n`th;
 * resolves once the client shows its next prompt.
 */
export async function turn(pair: Pair, ask: string, answer: string, n = 1): Promise<void> {
  const prompts = PROMPTS[pair.kind];
  await pair.client.waitFor("stdout", prompts.client, n);
  pair.client.write(ask);
  await pair.server.waitFor("stdout", prompts.server, n);
  pair.server.write(answer);
  await pair.client.waitFor("stdout", prompts.client, n + 1);
}

/** The TCP client says byebye: it exits 0, and the server shows the word. */
export async function byebye(pair: Pair): Promise<void> {
  pair.client.write("byebye");
  assert.equal(await pair.client.waitExit(), { code: 0, signal: null }, pair.client.transcript());
  await pair.server.waitFor("stdout", "来自宝宝的消息: byebye\n");
}
