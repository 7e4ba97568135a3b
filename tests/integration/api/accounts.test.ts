import { describe, expect, test } from "bun:test";
import { useTestApp } from "../../helpers/app.ts";
import { DB_KINDS } from "../../helpers/db.ts";
import { newUser } from "../../helpers/http.ts";

describe.each(DB_KINDS)("accounts on %s", (kind) => {
  const t = useTestApp(kind);

  test("sign up sets an HttpOnly SameSite=Lax session cookie and returns the user without secrets", async () => {
    const c = t.client();
    const data = newUser("signup");
    const res = await c.post("/api/auth/signup", { ...data, email: data.email.toUpperCase() });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ email: data.email, username: data.username });
    expect(res.body.user.calendarUrl).toMatch(/^http:\/\/localhost:3000\/api\/calendar\.ics\?token=[\w-]{20,}$/);
    expect(JSON.stringify(res.body)).not.toMatch(/password|hash/i);
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
    const me = await c.get("/api/me");
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(res.body.user.id);
  });

  test("a taken email is 409 with fields.email; a taken username is 409 with fields.username", async () => {
    const a = await t.signedUp("dup");
    const again = await t.client().post("/api/auth/signup", { ...newUser("dup2"), email: a.credentials.email });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: "CONFLICT", fields: { email: expect.any(String) } });
    const sameName = await t.client().post("/api/auth/signup", { ...newUser("dup3"), username: a.credentials.username.toUpperCase() });
    expect(sameName.status).toBe(409);
    expect(sameName.body.error.fields.username).toBeDefined();
  });

  test("log in, log out, and a logged-out cookie no longer works", async () => {
    const a = await t.signedUp("login");
    const c = t.client();
    expect((await c.get("/api/me")).status).toBe(401);
    const bad = await c.post("/api/auth/login", { email: a.credentials.email, password: "wrong password" });
    expect(bad.status).toBe(401);
    expect(bad.body.error).toEqual({ code: "UNAUTHENTICATED", message: "Invalid email or password" });
    const unknown = await c.post("/api/auth/login", { email: "nobody@example.com", password: "whatever1" });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.message).toBe("Invalid email or password");
    const ok = await c.post("/api/auth/login", { email: a.credentials.email, password: a.credentials.password });
    expect(ok.status).toBe(200);
    expect(ok.body.user.id).toBe(a.user.id);
    const cookie = c.cookie;
    expect((await c.post("/api/auth/logout")).status).toBe(204);
    c.cookie = cookie;
    expect((await c.get("/api/me")).status).toBe(401);
  });

  test("ten wrong passwords in a row are answered 429 before they end, even with the right one", async () => {
    const a = await t.signedUp("brute");
    const c = t.client();
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      statuses.push((await c.post("/api/auth/login", { email: a.credentials.email, password: `guess-${i}-xx` })).status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.at(-1)).toBe(429);
    const locked = await c.post("/api/auth/login", { email: a.credentials.email, password: a.credentials.password });
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe("RATE_LIMITED");
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another account from the same address is not locked by it.
    const b = await t.signedUp("bystander");
    expect((await t.client().post("/api/auth/login", { email: b.credentials.email, password: b.credentials.password })).status).toBe(200);
  });

  test("editing the profile: username freely, email and password only with the current password", async () => {
    const a = await t.signedUp("edit");
    const renamed = await a.patch("/api/me", { username: `${a.credentials.username}x`.slice(0, 32) });
    expect(renamed.status).toBe(200);
    expect(renamed.body.user.username).toBe(`${a.credentials.username}x`.slice(0, 32));

    const newEmail = newUser("edited").email;
    const noPassword = await a.patch("/api/me", { email: newEmail });
    expect(noPassword.status).toBe(422);
    expect(noPassword.body.error.fields.currentPassword).toBeDefined();
    const wrongPassword = await a.patch("/api/me", { email: newEmail, currentPassword: "not it at all" });
    expect(wrongPassword.status).toBe(422);
    const ok = await a.patch("/api/me", { email: newEmail, password: "a brand new secret", currentPassword: a.credentials.password });
    expect(ok.status).toBe(200);
    expect(ok.body.user.email).toBe(newEmail);

    expect((await t.client().post("/api/auth/login", { email: newEmail, password: a.credentials.password })).status).toBe(401);
    expect((await t.client().post("/api/auth/login", { email: newEmail, password: "a brand new secret" })).status).toBe(200);
  });

  test("a deleted account's session no longer works and its email is free again", async () => {
    const a = await t.signedUp("gone");
    const cookie = a.cookie;
    expect((await a.del("/api/me")).status).toBe(204);
    a.cookie = cookie;
    const me = await a.get("/api/me");
    expect(me.status).toBe(401);
    expect(me.body.error.code).toBe("UNAUTHENTICATED");
    expect((await a.post("/api/auth/login", { email: a.credentials.email, password: a.credentials.password })).status).toBe(401);
    expect((await t.client().post("/api/auth/signup", { ...newUser("again"), email: a.credentials.email })).status).toBe(201);
  });

  test("unsafe requests from a foreign Origin are refused; the own origin is accepted", async () => {
    const data = newUser("csrf");
    const foreign = await t.client().post("/api/auth/signup", data, { headers: { origin: "https://evil.example" } });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe("FORBIDDEN");
    const crossSite = await t.client().post("/api/auth/signup", data, { headers: { "sec-fetch-site": "cross-site" } });
    expect(crossSite.status).toBe(403);
    const own = await t.client().post("/api/auth/signup", data, { headers: { origin: "http://localhost:3000" } });
    expect(own.status).toBe(201);
  });
});
