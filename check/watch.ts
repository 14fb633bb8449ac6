/**
 * Waiting for what a program does, with a deadline: every event of a scenario (a chunk of
 * output, a segment, an exit) calls `wake()`, and `until(done, ms)` re-checks `done()` then,
 * and every 25 ms besides, for what only the kernel's tables show (a queue emptied). It
 * answers whether `done()` came to hold: the scenario decides what a missed deadline means.
 *
 * @example
 * ```ts
 * import { Watch } from "./watch.ts";
 * const watch = new Watch();
 * child.stdout.on("data", () => watch.wake());
 * const shown = await watch.until(() => out.includes("高望>>>"), 5000); // false after 5 s
 * ```
 * @module
 */

/** How often a wait re-checks its condition when no event has woken it. */
const POLL_MS = 25;

export class Watch {
  #wakers = new Set<() => void>();
  #stopped = false;

  /** Something changed: every wait re-checks its condition now. */
  wake(): void {
    for (const wake of this.#wakers) wake();
  }

  /** End every wait now and every wait to come (the scenario is being cut off). */
  stop(): void {
    this.#stopped = true;
    this.wake();
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Whether `done()` holds within `ms`; false at once when `giveUp()` holds or the watch stops. */
  async until(
    done: () => boolean,
    ms: number,
    giveUp: () => boolean = () => false,
  ): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (done()) return true;
      if (this.#stopped || giveUp()) return false;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#wakers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(left, POLL_MS));
        this.#wakers.add(wake);
      });
    }
  }
}
