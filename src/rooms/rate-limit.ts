import type { Clock } from "./clock.ts";

/** A token bucket: `rate` tokens a second, holding at most `burst`. */
export function createBucket(clock: Clock, rate: number, burst: number) {
  let tokens = burst;
  let refilledAt = clock.now();
  return {
    /** Takes `n` tokens (one by default) if there are that many. */
    take(n = 1): boolean {
      const now = clock.now();
      tokens = Math.min(burst, tokens + ((now - refilledAt) / 1000) * rate);
      refilledAt = now;
      if (tokens < n) return false;
      tokens -= n;
      return true;
    },
  };
}
export type Bucket = ReturnType<typeof createBucket>;
