import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestApp, type TestApp } from "../../helpers/app.ts";
import { testRedis } from "../../helpers/redis.ts";

describe("failed-login limits shared through the real Redis", () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let nodeA: TestApp;
  let nodeB: TestApp;
  beforeAll(async () => {
    r = await testRedis();
    nodeA = await createTestApp("postgres", { redis: r.redis, config: { redisPrefix: r.prefix } });
    // A second node on the same database and Redis, as behind a load balancer.
    nodeB = await createTestApp("postgres", { redis: r.redis, config: { redisPrefix: r.prefix } });
  }, 60_000);
  afterAll(async () => {
    await nodeA?.close();
    await nodeB?.close();
    await r?.cleanup();
  });

  test("failures on one node count on the other; the 429 carries Retry-After; keys use the prefix and expire", async () => {
    const victim = await nodeA.signedUp("victim");
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const node = i % 2 === 0 ? nodeA : nodeB;
      statuses.push((await node.client().post("/api/auth/login", { email: victim.credentials.email, password: `nope-${i}-nope` })).status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429, 429, 429, 429]);
    const blocked = await nodeB.client().post("/api/auth/login", { email: victim.credentials.email, password: victim.credentials.password });
    expect(blocked.status).toBe(429);
    const retryAfter = Number(blocked.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);

    const keys = await r.keys();
    expect(keys.length).toBeGreaterThanOrEqual(2);
    for (const key of keys) {
      expect(key.startsWith(r.prefix)).toBe(true);
      expect(await r.redis.pttl(key)).toBeGreaterThan(0);
    }
  });

  test("a successful login clears that email's failures", async () => {
    const u = await nodeA.signedUp("forgetful");
    for (let i = 0; i < 4; i++) {
      expect((await nodeA.client().post("/api/auth/login", { email: u.credentials.email, password: "wrong-wrong" })).status).toBe(401);
    }
    expect((await nodeB.client().post("/api/auth/login", { email: u.credentials.email, password: u.credentials.password })).status).toBe(200);
    for (let i = 0; i < 4; i++) {
      expect((await nodeB.client().post("/api/auth/login", { email: u.credentials.email, password: "wrong-wrong" })).status).toBe(401);
    }
  });
});
