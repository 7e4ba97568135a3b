import type { Redis } from "ioredis";

/**
 * Fixed-window counters. The memory one serves a single node; the Redis one is shared by every
 * node, so an attacker cannot spread guesses over them.
 */
export interface RateCounter {
  /** Adds one to `key` and returns the count in the current window. */
  hit(key: string, windowMs: number): Promise<number>;
  count(key: string): Promise<number>;
  /** Milliseconds until `key`'s window ends (0 when it has none). */
  ttl(key: string): Promise<number>;
  reset(key: string): Promise<void>;
}

export function createMemoryRateCounter(now: () => number = Date.now): RateCounter {
  const windows = new Map<string, { count: number; endsAt: number }>();
  const live = (key: string) => {
    const w = windows.get(key);
    if (w && w.endsAt <= now()) {
      windows.delete(key);
      return undefined;
    }
    return w;
  };
  return {
    async hit(key, windowMs) {
      // Drop lapsed windows now and then so the map cannot grow without bound.
      if (windows.size > 10_000) for (const k of [...windows.keys()]) live(k);
      const w = live(key) ?? { count: 0, endsAt: now() + windowMs };
      w.count++;
      windows.set(key, w);
      return w.count;
    },
    async count(key) {
      return live(key)?.count ?? 0;
    },
    async ttl(key) {
      const w = live(key);
      return w ? w.endsAt - now() : 0;
    },
    async reset(key) {
      windows.delete(key);
    },
  };
}

export function createRedisRateCounter(redis: Redis, prefix: string): RateCounter {
  const k = (key: string) => `${prefix}rl:${key}`;
  return {
    async hit(key, windowMs) {
      const [[, count]] = (await redis.multi().incr(k(key)).pexpire(k(key), windowMs, "NX").exec()) as [[null, number]];
      return count;
    },
    async count(key) {
      return Number((await redis.get(k(key))) ?? 0);
    },
    async ttl(key) {
      return Math.max(0, await redis.pttl(k(key)));
    },
    async reset(key) {
      await redis.del(k(key));
    },
  };
}

export interface LoginLimits {
  /** Failures allowed for one email from one address per window. */
  perPair: number;
  /** Failures allowed from one address, whatever the email. */
  perAddress: number;
  windowMs: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perPair: 5, perAddress: 50, windowMs: 15 * 60_000 };

/** Counts failed logins per (email, address) pair and per address. */
export function createLoginGuard(counter: RateCounter, limits: LoginLimits = DEFAULT_LOGIN_LIMITS) {
  const keys = (email: string, address: string) => ({ pair: `login:${email}|${address}`, address: `login:${address}` });
  return {
    /** Seconds to wait before trying again, or 0 when the attempt may go ahead. */
    async blockedFor(email: string, address: string): Promise<number> {
      const k = keys(email, address);
      const [pair, addr] = await Promise.all([counter.count(k.pair), counter.count(k.address)]);
      if (pair >= limits.perPair) return Math.ceil((await counter.ttl(k.pair)) / 1000) || 1;
      if (addr >= limits.perAddress) return Math.ceil((await counter.ttl(k.address)) / 1000) || 1;
      return 0;
    },
    async failed(email: string, address: string) {
      const k = keys(email, address);
      await Promise.all([counter.hit(k.pair, limits.windowMs), counter.hit(k.address, limits.windowMs)]);
    },
    async succeeded(email: string, address: string) {
      await counter.reset(keys(email, address).pair);
    },
  };
}
export type LoginGuard = ReturnType<typeof createLoginGuard>;
