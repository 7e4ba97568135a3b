/**
 * Outages say so (issue 11, item 6): with the database or Redis gone, requests answer 503
 * UNAVAILABLE with Retry-After, /healthz answers 503, and nothing of a request's parameters reaches
 * the logs. Postgres and Redis here are throwaway instances of this test's own, stopped mid-test;
 * the machine's shared ones are never touched.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eventually } from "../../helpers/eventually.ts";
import { HAVE_THROWAWAY_SERVERS, throwawayPostgres, throwawayRedis } from "../../helpers/throwaway.ts";
import { notesWriters } from "../../helpers/cluster.ts";
import { httpClient, startServer, type RunningServer } from "../../helpers/server.ts";
import { openRoomSocket, wsUrl } from "../../helpers/ws.ts";

/** A room socket opened during an outage is refused as "try again later" (1013); never 1011 (a server bug). */
const TRY_AGAIN_LATER = 1013;

/**
 * How a room socket opened now is refused: its close code, or — when a check before the upgrade
 * (the socket-open limiter, in Redis) refuses it — the HTTP status of the upgrade request.
 */
async function socketRefusal(base: string, code: string): Promise<{ close: number } | { status: number; retryAfter: string | null }> {
  const socket = await openRoomSocket(wsUrl(base, `/ws/meetings/${code}`)).catch(() => null);
  if (socket) return { close: (await socket.closed).code };
  const res = await fetch(`${base}/ws/meetings/${code}`, {
    headers: { upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": btoa("0123456789abcdef"), "sec-websocket-version": "13" },
  });
  return { status: res.status, retryAfter: res.headers.get("retry-after") };
}

function expectTryAgainLater(refusal: Awaited<ReturnType<typeof socketRefusal>>) {
  if ("close" in refusal) expect(refusal.close).toBe(TRY_AGAIN_LATER);
  else expect(refusal).toEqual({ status: 503, retryAfter: expect.stringMatching(/^\d+$/) });
}

const HAVE_BINARIES = HAVE_THROWAWAY_SERVERS;
if (!HAVE_BINARIES && process.env.CI === "true") {
  throw new Error("outage tests need initdb, pg_ctl and redis-server; CI must not skip them");
}
if (!HAVE_BINARIES) console.warn("skipping outage tests: initdb, pg_ctl or redis-server not found");

const SECRET = `leak-${crypto.randomUUID()}`;

describe.skipIf(!HAVE_BINARIES)("outages: Postgres or Redis down", () => {
  let pg: Awaited<ReturnType<typeof throwawayPostgres>> | null = null;
  let redis: Awaited<ReturnType<typeof throwawayRedis>> | null = null;
  let server: RunningServer | null = null;

  beforeAll(async () => {
    pg = await throwawayPostgres();
    redis = await throwawayRedis();
    // The per-address socket cap (25 opens in 5 s by default) stays on, counted in Redis, but out of
    // reach: the test's two writers share one address and retry every 300 ms through the outage,
    // which uses up a 5 s window in ~3.8 s; when Postgres came back in the rest of it, they were
    // refused until it ended (1.4 s after the return, measured by starting Postgres at the first
    // 429) — the cap doing its job, not what this suite is about, and the likeliest cause of the one
    // CI failure of the typing test below (its first edit not relayed within 3 s).
    server = await startServer({
      DATABASE_URL: pg.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: "outage:",
      CLUSTER_SECRET: "outage-cluster-secret",
      SOCKETS_PER_MINUTE: "6000",
    });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await redis?.stop();
    await pg?.remove();
  }, 60_000);

  test("Postgres stopped: 503 UNAVAILABLE with Retry-After, /healthz 503, no parameter in the logs; back to 200 when it returns", async () => {
    const http = httpClient(server!.url);
    const signup = await http("POST", "/api/auth/signup", { email: `ok-${SECRET.slice(5, 13)}@example.com`, username: "outage", password: "correct horse battery" });
    expect(signup.status).toBe(201);
    expect((await fetch(`${server!.url}/healthz`)).status).toBe(200);
    const meeting = (await http("POST", "/api/meetings", {})).body.meeting;

    await pg!.stop();

    expectTryAgainLater(await socketRefusal(server!.url, meeting.code));

    const health = await fetch(`${server!.url}/healthz`);
    expect(health.status).toBe(503);
    expect((await health.json()).error.code).toBe("UNAVAILABLE");
    expect(health.headers.get("retry-after")).toMatch(/^\d+$/);

    // A query whose parameters hold the secret (email and password hash go to the database).
    const res = await fetch(`${server!.url}/api/auth/signup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: `${SECRET}@example.com`, username: "leaky", password: `${SECRET}-pw` }),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
    const body = await res.json();
    expect(body.error.code).toBe("UNAVAILABLE");
    // A signed-in request looks its session up in the database.
    const me = await http("GET", "/api/me");
    expect(me.status).toBe(503);
    expect(me.body.error.code).toBe("UNAVAILABLE");

    // The failure is logged, but without the request's parameters.
    await eventually(() => expect(server!.output()).toMatch(/"level":(40|50)[^\n]*(unavailable|failed)/i));
    expect(server!.output()).not.toContain(SECRET);

    await pg!.start();
    await eventually(async () => expect((await fetch(`${server!.url}/healthz`)).status).toBe(200), { timeoutMs: 15_000 });
    expect((await http("GET", "/api/me")).status).toBe(200);
  }, 60_000);

  test("Postgres stopped for 5 s mid-typing: the notes sync again within seconds of its return and lose nothing acknowledged", async () => {
    const meeting = (await httpClient(server!.url)("POST", "/api/meetings", {})).body.meeting;
    const seen = new Map<string, number>();
    const writers = notesWriters(() => server!.url, meeting.code, 2, undefined, (_reader, marker) => seen.set(marker, Date.now()));
    try {
      await Promise.all(writers.clients.map((c) => c.synced()));
      const typed: { marker: string; at: number }[] = [];
      let typing = true;
      const typist = (async () => {
        while (typing) {
          for (const i of [0, 1]) typed.push({ marker: writers.type(i), at: Date.now() });
          await Bun.sleep(200);
        }
      })();
      await Bun.sleep(1_000);
      await pg!.stop();
      await Bun.sleep(5_000);
      await pg!.start();
      const back = Date.now();
      // Each writer's first edit after the return reaches the other; healthy, that takes ~0.3 s
      // (before: 9–15 s, waiting out the driver's reconnect backoff).
      const outputBefore = server!.output().length;
      await eventually(() => {
        for (const i of [0, 1]) {
          const first = typed.find((t) => t.at > back && t.marker.startsWith(`[${i}:`));
          expect(first && seen.has(first.marker)).toBe(true);
        }
      }, { timeoutMs: 3_000 }).catch((err) => {
        // Say what the server did meanwhile (this failed once in CI and never here).
        const after = server!.output().slice(outputBefore).split("\n").filter((l) => !l.includes('"msg":"request"'));
        const lastSeen = [...seen.entries()].sort((a, b) => b[1] - a[1])[0];
        throw new Error(`${err.message}\n${Date.now() - back} ms after Postgres was back; last marker seen ${lastSeen ? `${lastSeen[0]} at back${lastSeen[1] - back >= 0 ? "+" : ""}${lastSeen[1] - back} ms` : "none"}; server since:\n${after.map((l) => l.slice(0, 300)).slice(-15).join("\n")}`);
      });
      // Nothing here was refused by the socket cap: a refusal would be the cap's timing, not the outage's.
      expect(server!.output()).not.toContain('"status":429');
      typing = false;
      await typist;
      await eventually(() => expect(writers.texts()[1]).toBe(writers.texts()[0]!));
      const final = writers.texts()[0]!;
      expect([...writers.acknowledged.keys()].filter((m) => !final.includes(m))).toEqual([]);
      expect(typed.filter((t) => !final.includes(t.marker))).toEqual([]);
    } finally {
      writers.destroy();
    }
  }, 60_000);

  test("Redis killed: a login answers 503 UNAVAILABLE with Retry-After, a room socket is told to try again later, and the process keeps serving", async () => {
    const meeting = (await httpClient(server!.url)("POST", "/api/meetings", {})).body.meeting;
    await redis!.stop();
    const started = Date.now();
    expectTryAgainLater(await socketRefusal(server!.url, meeting.code));
    const res = await fetch(`${server!.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: `${SECRET}-redis@example.com`, password: "whatever it is" }),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
    expect((await res.json()).error.code).toBe("UNAVAILABLE");
    // An outage is said at once, not after ioredis's reconnect backoff (it took 27 s).
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(server!.proc.exitCode).toBeNull();
    expect((await fetch(`${server!.url}/healthz`)).status).toBe(200);
    expect(server!.output()).not.toContain(SECRET);
  }, 60_000);
});
