import { describe, expect, test } from "bun:test";
import { useTestApp } from "../../helpers/app.ts";
import { eventually } from "../../helpers/eventually.ts";

const METRICS_TOKEN = `metrics-${crypto.randomUUID()}`;
const scrape = { headers: { authorization: `Bearer ${METRICS_TOKEN}` } };

describe("operations endpoints", () => {
  const t = useTestApp("pglite", { config: { metricsToken: METRICS_TOKEN } });

  test("/healthz answers 200 while the database answers", async () => {
    const res = await t.client().get("/healthz");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
  });

  test("/metrics counts requests by route and status, with a latency histogram and process memory", async () => {
    const c = t.client();
    await c.get("/api/me");
    await c.get("/api/teams/abc");
    // Metrics are recorded after the response has gone out.
    const res = await eventually(async () => {
      const r = await c.get("/metrics", scrape);
      expect(r.text).toContain('route="/api/teams/:id"');
      return r;
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(res.text).toMatch(/dictate_http_requests_total\{method="GET",route="\/api\/me",status="401"\} 1/);
    expect(res.text).toMatch(/dictate_http_requests_total\{method="GET",route="\/api\/teams\/:id",status="401"\} 1/);
    expect(res.text).toMatch(/dictate_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/api\/me"\} \d+/);
    expect(res.text).toMatch(/dictate_process_resident_memory_bytes \d+/);
  });

  test("/metrics answers only with the bearer token: 401 without it or with a wrong one", async () => {
    const c = t.client();
    for (const headers of [{}, { authorization: "Bearer wrong" }, { authorization: `Basic ${METRICS_TOKEN}` }, { authorization: `Bearer ${METRICS_TOKEN}x` }] as Record<string, string>[]) {
      const res = await c.get("/metrics", { headers });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe("UNAUTHENTICATED");
      expect(res.text).not.toContain("dictate_");
    }
    const ok = await c.get("/metrics", scrape);
    expect(ok.status).toBe(200);
    expect(ok.text).toContain("dictate_http_requests_total");
  });

  test("/api/docs serves OpenAPI generated from the route schemas", async () => {
    const res = await t.client().get("/api/docs/json");
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(["/api/auth/signup", "/api/meetings", "/api/meetings/{code}", "/api/calendar.ics", "/api/notes/{id}/export.md"]));
    const signup = res.body.paths["/api/auth/signup"].post;
    expect(Object.keys(signup.requestBody.content.required ? {} : signup.requestBody.content)).toContain("application/json");
    expect(Object.keys(signup.requestBody.content["application/json"].schema.properties).sort()).toEqual(["displayName", "email", "password", "username"]);
    expect((await t.client().get("/api/docs")).status).toBe(200);
  });

  test("every response carries a request id; a given one is echoed", async () => {
    const res = await t.client().get("/healthz", { headers: { "x-request-id": "abc-123" } });
    expect(res.headers.get("x-request-id")).toBe("abc-123");
    expect((await t.client().get("/nope")).headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("/metrics without METRICS_TOKEN", () => {
  const t = useTestApp("pglite");

  test("answers 404, with or without a token", async () => {
    for (const headers of [{}, { authorization: "Bearer anything" }] as Record<string, string>[]) {
      const res = await t.client().get("/metrics", { headers });
      expect(res.status).toBe(404);
      expect(res.text).not.toContain("dictate_");
    }
  });
});
