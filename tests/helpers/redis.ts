import { Redis } from "ioredis";

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** A client on the test Redis and a key prefix of its own; `cleanup` deletes every key under it. */
export async function testRedis() {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const prefix = `dictate-test:${process.pid}:${crypto.randomUUID().slice(0, 8)}:`;
  return {
    redis,
    prefix,
    async keys() {
      return redis.keys(`${prefix}*`);
    },
    async cleanup() {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    },
  };
}
