import { describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { createSessionStore } from "../../../src/auth/index.ts";
import { schema } from "../../../src/db/index.ts";
import { useTestApp } from "../../helpers/app.ts";
import { DB_KINDS } from "../../helpers/db.ts";

describe.each(DB_KINDS)("sessions on %s", (kind) => {
  const t = useTestApp(kind);

  test("a session expires after its lifetime; only the token's hash is stored", async () => {
    const u = await t.signedUp("expiry");
    let now = new Date("2030-01-01T00:00:00Z");
    const store = createSessionStore(t.database.db, { ttlMs: 60_000, now: () => now });
    const { token, expiresAt } = await store.create(u.user.id);
    expect(expiresAt.toISOString()).toBe("2030-01-01T00:01:00.000Z");
    expect((await store.lookup(token))?.id).toBe(u.user.id);

    const rows = await t.database.db.select().from(schema.sessions).where(eq(schema.sessions.userId, u.user.id));
    expect(rows.map((r) => r.id)).not.toContain(token);

    now = new Date("2030-01-01T00:01:00.001Z");
    expect(await store.lookup(token)).toBeNull();
    expect(await store.lookup("made-up-token")).toBeNull();
    expect(await store.lookup("x".repeat(10_000))).toBeNull();
  });

  test("the app's cookie stops working once its session row has expired", async () => {
    const u = await t.signedUp("expired-cookie");
    expect((await u.get("/api/me")).status).toBe(200);
    await t.database.db.update(schema.sessions).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(schema.sessions.userId, u.user.id));
    expect((await u.get("/api/me")).status).toBe(401);
  });
});
