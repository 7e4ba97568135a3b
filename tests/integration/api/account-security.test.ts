import { describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { schema } from "../../../src/db/index.ts";
import { useTestApp } from "../../helpers/app.ts";
import { DB_KINDS } from "../../helpers/db.ts";

/** The feed's path and query, for the in-process client. */
const feedPath = (calendarUrl: string) => {
  const u = new URL(calendarUrl);
  return u.pathname + u.search;
};
const tokenOf = (calendarUrl: string) => new URL(calendarUrl).searchParams.get("token")!;

describe.each(DB_KINDS)("account security on %s", (kind) => {
  const t = useTestApp(kind);

  test("changing the password signs out every other session, keeps this one, and rotates the ICS token", async () => {
    const a = await t.signedUp("pwchange");
    const laptop = t.client();
    expect((await laptop.post("/api/auth/login", { email: a.credentials.email, password: a.credentials.password })).status).toBe(200);
    const phone = t.client();
    expect((await phone.post("/api/auth/login", { email: a.credentials.email, password: a.credentials.password })).status).toBe(200);
    const oldFeed = feedPath(a.user.calendarUrl);
    expect((await t.client().get(oldFeed)).status).toBe(200);

    const changed = await a.patch("/api/me", { password: "a brand new secret", currentPassword: a.credentials.password });
    expect(changed.status).toBe(200);
    expect(changed.body.user.calendarUrl).not.toBe(a.user.calendarUrl);

    expect((await a.get("/api/me")).status).toBe(200);
    expect((await laptop.get("/api/me")).status).toBe(401);
    expect((await phone.get("/api/me")).status).toBe(401);

    expect((await t.client().get(oldFeed)).status).toBe(404);
    const newFeed = await t.client().get(feedPath(changed.body.user.calendarUrl));
    expect(newFeed.status).toBe(200);
    expect(newFeed.headers.get("content-type")).toContain("text/calendar");
    expect((await a.get("/api/me")).body.user.calendarUrl).toBe(changed.body.user.calendarUrl);
  });

  test("changing only the username signs nobody out and keeps the ICS link", async () => {
    const a = await t.signedUp("rename");
    const other = t.client();
    await other.post("/api/auth/login", { email: a.credentials.email, password: a.credentials.password });
    const renamed = await a.patch("/api/me", { username: `${a.credentials.username}z`.slice(0, 32) });
    expect(renamed.status).toBe(200);
    expect(renamed.body.user.calendarUrl).toBe(a.user.calendarUrl);
    expect((await other.get("/api/me")).status).toBe(200);
  });

  test("wrong currentPassword guesses go through the login limiter: 429 with Retry-After past it", async () => {
    const a = await t.signedUp("guesser");
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      statuses.push((await a.patch("/api/me", { password: "a brand new secret", currentPassword: `guess-${i}-xx` })).status);
    }
    expect(statuses.slice(0, 5)).toEqual([422, 422, 422, 422, 422]);
    expect(statuses.at(-1)).toBe(429);
    // Even the right password is refused while the limit holds, and so is a login with it.
    const locked = await a.patch("/api/me", { password: "a brand new secret", currentPassword: a.credentials.password });
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe("RATE_LIMITED");
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    const login = await t.client().post("/api/auth/login", { email: a.credentials.email, password: a.credentials.password });
    expect(login.status).toBe(429);
    // Nothing changed: the old password is still the one.
    expect((await a.get("/api/me")).status).toBe(200);
  });

  test("POST /api/me/calendar-token gives a new link; the old one stops working", async () => {
    const a = await t.signedUp("rotate");
    const oldFeed = feedPath(a.user.calendarUrl);
    expect((await t.client().get(oldFeed)).status).toBe(200);
    expect((await t.client().post("/api/me/calendar-token")).status).toBe(401);

    const rotated = await a.post("/api/me/calendar-token");
    expect(rotated.status).toBe(200);
    expect(rotated.body.user.id).toBe(a.user.id);
    expect(rotated.body.user.calendarUrl).toMatch(/^http:\/\/localhost:3000\/api\/calendar\.ics\?token=[\w-]{20,}$/);
    expect(rotated.body.user.calendarUrl).not.toBe(a.user.calendarUrl);
    expect((await t.client().get(oldFeed)).status).toBe(404);
    expect((await t.client().get(feedPath(rotated.body.user.calendarUrl))).status).toBe(200);
    expect((await a.get("/api/me")).body.user.calendarUrl).toBe(rotated.body.user.calendarUrl);

    const again = await a.post("/api/me/calendar-token");
    expect(again.body.user.calendarUrl).not.toBe(rotated.body.user.calendarUrl);
    expect((await t.client().get(feedPath(rotated.body.user.calendarUrl))).status).toBe(404);

    const docs = await t.client().get("/api/docs/json");
    expect(JSON.stringify(docs.body.paths?.["/api/me/calendar-token"] ?? null)).toContain("post");
  });

  test("an account from before the token was hashed gets a working feed link at its next GET /api/me", async () => {
    const a = await t.signedUp("legacy");
    // What migration 0002 leaves for existing rows: no hash yet.
    await t.database.db.update(schema.users).set({ calendarTokenHash: null }).where(eq(schema.users.id, a.user.id));
    expect((await t.client().get(feedPath(a.user.calendarUrl))).status).toBe(404);
    const me = await a.get("/api/me");
    expect(me.status).toBe(200);
    expect((await t.client().get(feedPath(me.body.user.calendarUrl))).status).toBe(200);
  });

  test("the ICS token is not stored in plain text", async () => {
    const a = await t.signedUp("hashed");
    const token = tokenOf(a.user.calendarUrl);
    const [row] = await t.database.db.select().from(schema.users).where(eq(schema.users.id, a.user.id));
    expect(row).toBeDefined();
    expect(JSON.stringify(row)).not.toContain(token);
  });
});
