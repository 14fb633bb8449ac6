/**
 * A rate limit that lets a burst through, then a steady pace: a bucket holds up to
 * `burst` tokens and gains `rate` tokens a second; each action takes some. A person typing
 * never empties it; a flood empties it at once and then goes at `rate`.
 *
 * @example
 * ```ts
 * import { TokenBucket } from "./token-bucket.ts";
 * const bucket = new TokenBucket(10, 60); // 10 a second, bursts of 60
 * if (bucket.take(1)) say(line); else wait(bucket.msUntil(1));
 * ```
 * @module
 */
export class TokenBucket {
  readonly rate: number;
  readonly burst: number;
  #tokens: number;
  #at = performance.now();

  constructor(rate: number, burst: number) {
    this.rate = rate;
    this.burst = burst;
    this.#tokens = burst;
  }

  /**
   * Take `n` tokens if the bucket holds them; `false` (and nothing taken) if not. An action
   * larger than the bucket takes a full bucket: it waits for one, then goes, at the rate.
   */
  take(n = 1): boolean {
    this.#refill();
    const cost = Math.min(n, this.burst);
    if (this.#tokens < cost) return false;
    this.#tokens -= cost;
    return true;
  }

  /** Milliseconds until `n` tokens will be there (0 if they are). */
  msUntil(n = 1): number {
    this.#refill();
    return Math.max(0, ((Math.min(n, this.burst) - this.#tokens) / this.rate) * 1000);
  }

  /** Whether the bucket is full again: the last burst is forgotten. */
  get full(): boolean {
    this.#refill();
    return this.#tokens >= this.burst;
  }

  #refill(): void {
    const now = performance.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.rate);
    this.#at = now;
  }
}
