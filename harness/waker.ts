/**
 * Wait for a condition that many sockets' events change, with a deadline: each event
 * calls `wake()`, and `until(done)` re-checks `done()` then (and every 100 ms at least).
 * For the load tests and the fan-out benchmark, where hundreds of sockets feed one count.
 *
 * @example
 * ```ts
 * const waker = new Waker();
 * sock.on("data", () => { received += 1; waker.wake(); });
 * await waker.until(() => received >= 100, 10_000, "100 lines");
 * ```
 * @module
 */
export class Waker {
  #wake: () => void = () => {};

  /** Something changed: re-check the condition now. */
  wake(): void {
    this.#wake();
  }

  /** Resolve once `done()` holds; fail after `deadlineMs` (or at once when `problem()` names one). */
  async until(
    done: () => boolean,
    deadlineMs: number,
    what: string,
    problem: () => string | undefined = () => undefined,
  ): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    while (!done()) {
      const why = problem();
      if (why) throw new Error(why);
      if (Date.now() > deadline) throw new Error(`no ${what} within ${deadlineMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}
