import type { Clock } from "./clock.ts";

/** A token bucket: `rate` tokens a second, holding at most `burst`. */
export function createBucket(clock: Clock, rate: number, burst: number) {
  let tokens = burst;
  let refilledAt = clock.now();
  return {
    /** Takes a token if there is one. */
    take(): boolean {
      const now = clock.now();
      tokens = Math.min(burst, tokens + ((now - refilledAt) / 1000) * rate);
      refilledAt = now;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}
export type Bucket = ReturnType<typeof createBucket>;
