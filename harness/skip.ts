/**
 * A test file's tests that cannot run here (no root, a tool not installed): they are
 * declared all the same, with `test.skip`, so that uvu counts them as skipped and the run's
 * totals say how many, after one line saying why. Where they can run, this is `test`.
 *
 * @example
 * ```ts
 * import { testUnless } from "../harness/skip.ts";
 * const captureTest = testUnless(process.getuid?.() === 0 ? undefined : "it needs root", "the capture tests");
 * captureTest("make capture names every segment", async () => {});
 * ```
 * @module
 */
import { test } from "uvu";

/** `test`, or `test.skip` after a line saying what is skipped and why, when `why` is given. */
export function testUnless(why: string | undefined, what: string): typeof test {
  if (why === undefined) return test;
  console.log(`${what} skipped: ${why}`);
  return test.skip as typeof test;
}
