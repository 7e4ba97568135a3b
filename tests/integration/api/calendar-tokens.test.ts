import { describe, expect, test } from "bun:test";
import { createCalendarTokens } from "../../../src/auth/index.ts";
import { schema } from "../../../src/db/index.ts";
import { createTestApp, useTestApp } from "../../helpers/app.ts";
import { DB_KINDS } from "../../helpers/db.ts";

describe.each(DB_KINDS)("calendar tokens on %s", (kind) => {
  const t = useTestApp(kind);

  test("every node derives the same token from the one key kept in the database; versions and users differ", async () => {
    const u = await t.signedUp("tokens");
    // Two instances (two nodes) over one database, asking at once: one key, the same tokens.
    const [a, b] = [createCalendarTokens({ db: t.database.db }), createCalendarTokens({ db: t.database.db })];
    const [ta, tb] = await Promise.all([a.token(u.user.id, 0), b.token(u.user.id, 0)]);
    expect(ta).toBe(tb);
    expect(ta).toBe(new URL(u.user.calendarUrl).searchParams.get("token")!);
    expect(await a.token(u.user.id, 1)).not.toBe(ta);
    expect(await a.token(crypto.randomUUID(), 0)).not.toBe(ta);
    expect(ta).toMatch(/^[\w-]{43}$/);
    expect(a.hash(ta)).toMatch(/^[0-9a-f]{64}$/);
    const keys = await t.database.db.select().from(schema.serverSecrets);
    expect(keys).toHaveLength(1);
  });

  test("a configured secret is used instead of the stored key", async () => {
    const id = crypto.randomUUID();
    const stored = await createCalendarTokens({ db: t.database.db }).token(id, 0);
    const configured = createCalendarTokens({ db: t.database.db, secret: "a configured secret of some length" });
    expect(await configured.token(id, 0)).not.toBe(stored);
    expect(await configured.token(id, 0)).toBe(await createCalendarTokens({ db: t.database.db, secret: "a configured secret of some length" }).token(id, 0));
  });

  test("SECRET_KEY from the configuration signs the feed addresses, and the feed answers them", async () => {
    const secretKey = "k".repeat(40);
    const app = await createTestApp(kind, { config: { secretKey } });
    try {
      const u = await app.signedUp("secret-key");
      const token = new URL(u.user.calendarUrl).searchParams.get("token")!;
      expect(token).toBe(await createCalendarTokens({ db: app.database.db, secret: secretKey }).token(u.user.id, 0));
      expect(token).not.toBe(await createCalendarTokens({ db: app.database.db }).token(u.user.id, 0));
      const feed = await app.client().get(`/api/calendar.ics?token=${token}`);
      expect(feed.status).toBe(200);
      expect(feed.text).toContain("BEGIN:VCALENDAR");
    } finally {
      await app.close();
    }
  });
});
