import { describe, expect, test } from "bun:test";
import { createLoginGuard, createMemoryRateCounter } from "./rate-limit.ts";

describe("login guard (memory counter, injected clock)", () => {
  test("blocks a pair after 5 failures until the window ends, and per address after 50", async () => {
    let now = 1_000_000;
    const guard = createLoginGuard(createMemoryRateCounter(() => now), { perPair: 5, perAddress: 50, windowMs: 60_000 });
    for (let i = 0; i < 5; i++) {
      expect(await guard.blockedFor("a@x.co", "1.2.3.4")).toBe(0);
      await guard.failed("a@x.co", "1.2.3.4");
    }
    expect(await guard.blockedFor("a@x.co", "1.2.3.4")).toBe(60);
    expect(await guard.blockedFor("a@x.co", "5.6.7.8")).toBe(0);
    now += 30_000;
    expect(await guard.blockedFor("a@x.co", "1.2.3.4")).toBe(30);
    now += 30_001;
    expect(await guard.blockedFor("a@x.co", "1.2.3.4")).toBe(0);

    for (let i = 0; i < 50; i++) await guard.failed(`user${i}@x.co`, "9.9.9.9");
    expect(await guard.blockedFor("someone-new@x.co", "9.9.9.9")).toBeGreaterThan(0);
  });

  test("success resets the pair", async () => {
    const guard = createLoginGuard(createMemoryRateCounter(), { perPair: 2, perAddress: 50, windowMs: 60_000 });
    await guard.failed("a@x.co", "ip");
    await guard.succeeded("a@x.co", "ip");
    await guard.failed("a@x.co", "ip");
    expect(await guard.blockedFor("a@x.co", "ip")).toBe(0);
    await guard.failed("a@x.co", "ip");
    expect(await guard.blockedFor("a@x.co", "ip")).toBeGreaterThan(0);
  });
});
