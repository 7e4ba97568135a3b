import { describe, expect, test } from "bun:test";
import { useTestApp } from "../../helpers/app.ts";
import { DB_KINDS } from "../../helpers/db.ts";
import type { HttpReply } from "../../helpers/http.ts";

const LONG = "x".repeat(10_000);
const BAD_VALUES: unknown[] = [null, 42, -1, true, [], ["a"], {}, { nested: { deep: 1 } }, "", LONG, "💥\u0000\uFFFF", "<script>alert(1)</script>"];
const BAD_IDS = ["not-an-id", "00000000-0000-0000-0000-000000000000", "' or 1=1 --", "%00", "..%2F..%2Fetc%2Fpasswd", LONG.slice(0, 300), "k7fq-xm3t-rpzw"];
const BAD_CODES = ["nope", "zzzz-zzzz-zzzz", "' or 1=1 --", "%00", "uuuu-uuuu-uuuu", LONG.slice(0, 300)];
const BAD_BODIES: { raw: string; contentType?: string }[] = [
  { raw: "{" },
  { raw: "not json" },
  { raw: "[1,2,3]" },
  { raw: "null" },
  { raw: '"string"' },
  { raw: "12" },
  { raw: '{"__proto__":{"admin":true}}' },
  { raw: "email=a@b.co&password=x", contentType: "application/x-www-form-urlencoded" },
  { raw: JSON.stringify({ a: LONG.repeat(10) }) },
];

function expectErrorShape(res: HttpReply, label: string) {
  if (res.status >= 500 || res.status < 400) throw new Error(`${label} answered ${res.status}: ${res.text.slice(0, 300)}`);
  expect(typeof res.body?.error?.message).toBe("string");
  expect(["UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "INVALID_ARGUMENT", "CONFLICT", "RATE_LIMITED"]).toContain(res.body.error.code);
  expect(res.text).not.toMatch(/at .*\.ts:\d+|stack/i);
}

describe.each(DB_KINDS)("bad input on %s", (kind) => {
  const t = useTestApp(kind);

  test("every body field of every endpoint refuses wrong types, long strings and unknown fields with 4xx in the error shape", async () => {
    const c = await t.signedUp("fuzz");
    const team = (await c.post("/api/teams", { name: "Fuzz" })).body.team;
    const meeting = (await c.post("/api/meetings", { teamId: team.id })).body.meeting;
    const endpoints: { method: string; path: string; valid: Record<string, unknown> }[] = [
      { method: "POST", path: "/api/auth/signup", valid: { email: "x@example.com", username: "xyz", password: "long enough pw" } },
      { method: "POST", path: "/api/auth/login", valid: { email: "x@example.com", password: "whatever" } },
      { method: "PATCH", path: "/api/me", valid: { username: "abc", email: "y@example.com", password: "long enough pw", currentPassword: "x" } },
      { method: "POST", path: "/api/teams", valid: { name: "Team" } },
      { method: "POST", path: "/api/teams/join", valid: { code: team.code } },
      { method: "POST", path: "/api/meetings", valid: { teamId: team.id, title: "T", agenda: "A", startsAt: "2030-01-01T10:00:00Z", endsAt: "2030-01-01T11:00:00Z" } },
      { method: "PATCH", path: `/api/meetings/${meeting.code}`, valid: { title: "T", agenda: "A", startsAt: "2030-01-01T10:00:00Z", endsAt: "2030-01-01T11:00:00Z" } },
      { method: "PATCH", path: "/api/notes/00000000-0000-4000-8000-000000000000", valid: { title: "T" } },
      { method: "PATCH", path: "/api/recordings/00000000-0000-4000-8000-000000000000", valid: { title: "T" } },
    ];
    let checked = 0;
    const accepted: string[] = [];
    for (const e of endpoints) {
      for (const field of Object.keys(e.valid)) {
        for (const bad of BAD_VALUES) {
          const res = await c.request(e.method, e.path, { ...e.valid, [field]: bad });
          if (res.status < 300) {
            accepted.push(`${e.method} ${e.path.split("/")[2]} ${field}=${JSON.stringify(bad)?.slice(0, 12)}`);
            continue;
          }
          expectErrorShape(res, `${e.method} ${e.path} ${field}=${JSON.stringify(bad)?.slice(0, 40)}`);
          checked++;
        }
      }
      const unknown = await c.request(e.method, e.path, { ...e.valid, isAdmin: true });
      expectErrorShape(unknown, `${e.method} ${e.path} unknown field`);
      expect(unknown.status).toBe(422);
      expect(unknown.body.error.fields.isAdmin).toBe("Unknown field");
      for (const body of BAD_BODIES) {
        const res = await c.request(e.method, e.path, body.raw, { raw: true, headers: body.contentType ? { "content-type": body.contentType } : {} });
        expectErrorShape(res, `${e.method} ${e.path} raw ${body.raw.slice(0, 30)}`);
        checked++;
      }
    }
    // The only "bad" values that are in fact fine: any text is a valid password or team name (the
    // markup is stored and later escaped), and a null teamId means a public meeting. (Signing up
    // with the <script> password signs this client in as that user, so the login and the profile
    // change with it succeed too.)
    expect(accepted.sort()).toEqual([
      'PATCH me currentPassword="<script>ale',
      'POST auth password="<script>ale',
      'POST auth password="<script>ale',
      "POST meetings teamId=null",
      'POST teams name="<script>ale',
    ]);
    expect(checked).toBeGreaterThan(300);
  }, 120_000);

  test("validation answers 422 with the failing fields; malformed JSON 400; a body too large 413", async () => {
    const c = t.client();
    const bad = await c.post("/api/auth/signup", { email: "not-an-email", username: "x".repeat(10_000), password: "short" });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe("INVALID_ARGUMENT");
    expect(Object.keys(bad.body.error.fields).sort()).toEqual(["email", "password", "username"]);
    const missing = await c.post("/api/auth/signup", { email: "a@b.co" });
    expect(missing.status).toBe(422);
    expect(missing.body.error.fields).toMatchObject({ username: "Required", password: "Required" });

    const malformed = await c.post("/api/auth/login", "{\"email\":", { raw: true });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe("INVALID_ARGUMENT");

    const huge = await c.post("/api/teams", { name: "x".repeat(200_000) });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe("INVALID_ARGUMENT");

    const s = await t.signedUp("dates");
    const backwards = await s.post("/api/meetings", { startsAt: "2030-01-01T11:00:00Z", endsAt: "2030-01-01T10:00:00Z" });
    expect(backwards.status).toBe(422);
    expect(backwards.body.error.fields.endsAt).toBeDefined();
    const notADate = await s.post("/api/meetings", { startsAt: "tomorrow at ten" });
    expect(notADate.status).toBe(422);
    expect(notADate.body.error.fields.startsAt).toBeDefined();
    const range = await s.get("/api/meetings?from=2030-02-01T00:00:00Z&to=2030-01-01T00:00:00Z");
    expect(range.status).toBe(422);
    expect((await s.get("/api/meetings?from=yesterday")).status).toBe(422);
    expect((await s.get("/api/meetings?from=1000-01-01T00:00:00Z&to=9999-01-01T00:00:00Z")).status).toBe(422);
    expect((await s.get("/api/meetings?bogus=1")).status).toBe(422);
  });

  test("a deeply nested body is 400, quickly, never 500 (the NUL check recursed until the stack overflowed)", async () => {
    const c = await t.signedUp("deep");
    const nested = (depth: number) => `{"name":${"[".repeat(depth)}${"]".repeat(depth)}}`;
    // Within the depth limit the body is parsed and then fails validation like any wrong type.
    const shallow = await c.post("/api/teams", nested(20), { raw: true });
    expect(shallow.status).toBe(422);
    for (const depth of [40, 30_000]) {
      const started = performance.now();
      const res = await c.post("/api/teams", nested(depth), { raw: true });
      const ms = performance.now() - started;
      expectErrorShape(res, `depth ${depth}`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("INVALID_ARGUMENT");
      expect(res.body.error.message).toMatch(/nested/i);
      expect(ms).toBeLessThan(100);
    }
    const objects = await c.post("/api/teams", `${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`, { raw: true });
    expect(objects.status).toBe(400);
    // Brackets inside strings are text, not nesting.
    const inText = await c.post("/api/teams", { name: "[".repeat(50) + '\\"{' });
    expect(inText.status).toBe(201);
  });

  test("a chunked body (no Content-Length) has the same size limit and content-type rule as any other", async () => {
    const c = await t.signedUp("chunked");
    let pulled = 0;
    // 4 MB: the server must stop reading at the limit, not wait for the end.
    const endless = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"name":"'));
      },
      pull(controller) {
        if (pulled >= 4 * 1024 * 1024) return controller.close();
        const chunk = new TextEncoder().encode("x".repeat(16 * 1024));
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const send = (body: ReadableStream<Uint8Array> | string, type: string) => {
      const stream =
        typeof body === "string"
          ? new ReadableStream<Uint8Array>({
              start(controller) {
                controller.enqueue(new TextEncoder().encode(body));
                controller.close();
              },
            })
          : body;
      const request = new Request("http://localhost/api/teams", { method: "POST", headers: { "content-type": type, cookie: c.cookie! }, body: stream });
      expect(request.headers.get("content-length")).toBeNull();
      return t.app.handle(request);
    };
    const huge = await send(endless, "application/json");
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as any).error.code).toBe("INVALID_ARGUMENT");
    expect(pulled).toBeLessThan(1024 * 1024);

    const text = await send(JSON.stringify({ name: "Plain" }), "text/plain");
    expect(text.status).toBe(400);
    expect(((await text.json()) as any).error.code).toBe("INVALID_ARGUMENT");
    const form = await send("name=Form", "application/x-www-form-urlencoded");
    expect(form.status).toBe(400);

    const fine = await send(JSON.stringify({ name: "Chunked" }), "application/json");
    expect(fine.status).toBe(201);
    expect(((await fine.json()) as any).team.name).toBe("Chunked");
  });

  test("bad ids, codes and tokens in paths and queries are 4xx, never 500", async () => {
    const c = await t.signedUp("paths");
    const probes: [string, string][] = [];
    for (const id of BAD_IDS) {
      const e = encodeURIComponent(id);
      probes.push(
        ["GET", `/api/teams/${e}`],
        ["POST", `/api/teams/${e}/leave`],
        ["GET", `/api/notes/${e}`],
        ["DELETE", `/api/notes/${e}`],
        ["GET", `/api/notes/${e}/export.md`],
        ["GET", `/api/recordings/${e}`],
        ["DELETE", `/api/recordings/${e}`],
        ["GET", `/api/notes?teamId=${e}`],
        ["GET", `/api/recordings?teamId=${e}`],
        ["GET", `/api/meetings?teamId=${e}`],
        ["GET", `/api/calendar.ics?token=${e}`],
      );
    }
    for (const code of BAD_CODES) {
      const e = encodeURIComponent(code);
      probes.push(["GET", `/api/meetings/${e}`], ["DELETE", `/api/meetings/${e}`]);
    }
    probes.push(["GET", "/api/calendar.ics"], ["GET", "/api/nope"], ["POST", "/api/teams/join"], ["DELETE", "/api/meetings/"]);
    for (const [method, path] of probes) {
      const res = await c.request(method, path);
      expectErrorShape(res, `${method} ${path}`);
    }
    const unknown = await c.get("/api/nope");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("NOT_FOUND");
  });
});
