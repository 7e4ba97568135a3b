/**
 * Every kind of response the production server gives carries the security headers: pages (the
 * bundle Bun builds), lazy parts, bundle assets, API JSON, API errors, the 404 page, the Markdown
 * export, recording media (whole, Range, and the presigned S3 redirect), /healthz and /api/docs;
 * HSTS only when PUBLIC_URL is https.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, schema, type Database } from "../../../src/db/index.ts";
import { createLocalBlobStore, createS3BlobStore } from "../../../src/storage/index.ts";
import { createPostgresDatabase, dropPostgresDatabases } from "../../helpers/db.ts";
import { startTestS3, type TestS3 } from "../../helpers/s3.ts";
import { startServer, type RunningServer } from "../../helpers/server.ts";

let plain: RunningServer;
let secure: RunningServer;
let s3: TestS3;
let db: Database;
const dirs: string[] = [];
const S3_PUBLIC = "http://storage.dictate.test:9000";
// Its own database, dropped afterwards: other suites in the same run share the run's database.
const DATABASE = `dictate_headers_${Date.now()}_${process.pid}`;

beforeAll(async () => {
  const databaseUrl = await createPostgresDatabase(DATABASE);
  db = await openDatabase({ databaseUrl, maxConnections: 1 });
  await db.migrate();
  s3 = await startTestS3();
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), "dictate-headers-"));
    dirs.push(d);
    return d;
  };
  [plain, secure] = await Promise.all([
    startServer({ DATA_DIR: dir(), DATABASE_URL: databaseUrl, PUBLIC_URL: "http://localhost:3000" }),
    startServer({
      DATA_DIR: dir(),
      DATABASE_URL: databaseUrl,
      PUBLIC_URL: "https://meet.dictate.test",
      S3_BUCKET: s3.bucket,
      S3_ENDPOINT: s3.endpoint,
      S3_PUBLIC_ENDPOINT: S3_PUBLIC,
      S3_ACCESS_KEY_ID: "S3RVER",
      S3_SECRET_ACCESS_KEY: "S3RVER",
    }),
  ]);
}, 90_000);

afterAll(async () => {
  await Promise.all([plain?.stop(), secure?.stop()]);
  await db?.close();
  await s3?.cleanup();
  await dropPostgresDatabases([DATABASE]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Checks every header; returns the CSP's directives by name. */
function expectSecurityHeaders(res: Response, label: string, { https = false } = {}) {
  const h = res.headers;
  const csp = h.get("content-security-policy");
  if (!csp) throw new Error(`${label} (${res.status}) has no Content-Security-Policy`);
  const directives = new Map(csp.split(";").map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
  expect(directives.get("default-src")).toEqual(["'self'"]);
  expect(directives.get("script-src")).toEqual(["'self'", "'wasm-unsafe-eval'"]);
  expect(directives.get("style-src")).toEqual(["'self'"]);
  expect(directives.get("frame-ancestors")).toEqual(["'none'"]);
  expect(directives.get("object-src")).toEqual(["'none'"]);
  expect(directives.get("base-uri")).toEqual(["'none'"]);
  expect(directives.get("form-action")).toEqual(["'self'"]);
  expect(directives.get("img-src")).toEqual(["'self'", "data:", "blob:"]);
  // WebAssembly may be compiled (blur and noise suppression), JavaScript may not be evaluated.
  expect(csp.replaceAll("'wasm-unsafe-eval'", "")).not.toContain("unsafe-eval");
  expect(directives.get("script-src")!.join(" ")).not.toContain("unsafe-inline");
  expect(h.get("x-content-type-options")).toBe("nosniff");
  expect(h.get("referrer-policy")).toBe("same-origin");
  expect(h.get("permissions-policy")).toBe("camera=(self), microphone=(self), display-capture=(self)");
  expect(h.get("x-frame-options")).toBe("DENY");
  if (https) expect(h.get("strict-transport-security")).toMatch(/^max-age=\d{7,}/);
  else expect(h.get("strict-transport-security")).toBeNull();
  return directives;
}

/** Signs up on `base` and returns a fetch that sends the session cookie. */
async function signedIn(base: string) {
  const n = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
  const res = await fetch(`${base}/api/auth/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: `headers-${n}@example.com`, username: `headers_${n}`, password: "correct horse battery" }),
  });
  expect(res.status).toBe(201);
  const { user } = (await res.json()) as { user: { id: string } };
  const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
  const call = (path: string, init: RequestInit = {}) =>
    fetch(base + path, { redirect: "manual", ...init, headers: { cookie, ...(init.headers as Record<string, string>) } });
  return { user, call };
}

/** A team meeting with notes and a ready recording whose file is `key` in the server's store. */
async function meetingWithResources(call: (path: string, init?: RequestInit) => Promise<Response>, userId: string) {
  const json = { "content-type": "application/json" };
  const team = ((await (await call("/api/teams", { method: "POST", headers: json, body: JSON.stringify({ name: "Headers" }) })).json()) as any).team;
  const meeting = ((await (await call("/api/meetings", { method: "POST", headers: json, body: JSON.stringify({ teamId: team.id }) })).json()) as any).meeting;
  const [note] = await db.db.insert(schema.notes).values({ meetingId: meeting.id, title: "Header notes", text: "# Notes\n" }).returning();
  const key = `recordings/${meeting.id}.webm`;
  const [recording] = await db.db
    .insert(schema.recordings)
    .values({ meetingId: meeting.id, title: "Header recording", status: "ready", blobKey: key, mime: "video/webm", bytes: 8, durationMs: 1000, startedBy: userId, stoppedAt: new Date() })
    .returning();
  return { key, note: note!, recording: recording!, meeting };
}

describe("security headers", () => {
  test("on every kind of response of a server on http, without HSTS", async () => {
    const html = { accept: "text/html,application/xhtml+xml" };
    const { user, call } = await signedIn(plain.url);
    const w = await meetingWithResources(call, user.id);
    await createLocalBlobStore(join(dirs[0]!, "blobs")).put(w.key, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), "video/webm");

    const page = await call(`/m/${w.meeting.code}`, { headers: html });
    expect(page.status).toBe(200);
    const pageHtml = await page.text();
    const directives = expectSecurityHeaders(page, "meeting page");
    expect(directives.get("connect-src")).toEqual(["'self'", "ws://localhost:3000"]);
    expect(directives.get("media-src")).toEqual(["'self'", "blob:"]);
    expectSecurityHeaders(await call("/", { headers: html }), "home page");
    const lazy = await call("/_lazy/notes-editor");
    expect(lazy.status).toBe(200);
    expectSecurityHeaders(lazy, "lazy part");
    const script = /<script[^>]+src="([^"]+)"/.exec(pageHtml)![1]!;
    const asset = await call(script);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toContain("javascript");
    expectSecurityHeaders(asset, "bundle asset");

    const me = await call("/api/me");
    expect(me.status).toBe(200);
    expectSecurityHeaders(me, "API JSON");
    const unauthenticated = await fetch(`${plain.url}/api/me`);
    expect(unauthenticated.status).toBe(401);
    expectSecurityHeaders(unauthenticated, "API error");
    const tooLarge = await call("/api/teams", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "x".repeat(100_000) }) });
    expect(tooLarge.status).toBe(413);
    expectSecurityHeaders(tooLarge, "413 refused before routing");
    const notFoundPage = await call("/no/such/page", { headers: html });
    expect(notFoundPage.status).toBe(404);
    expect(notFoundPage.headers.get("content-type")).toContain("text/html");
    expectSecurityHeaders(notFoundPage, "404 page");
    const notFoundApi = await call("/api/no-such-thing");
    expect(notFoundApi.status).toBe(404);
    expectSecurityHeaders(notFoundApi, "404 JSON");

    const exported = await call(`/api/notes/${w.note.id}/export.md`);
    expect(exported.status).toBe(200);
    expect(await exported.text()).toContain("# Notes");
    expectSecurityHeaders(exported, "Markdown export");
    const media = await call(`/api/recordings/${w.recording.id}/media`);
    expect(media.status).toBe(200);
    expect(new Uint8Array(await media.arrayBuffer())).toHaveLength(8);
    expectSecurityHeaders(media, "recording media");
    const range = await call(`/api/recordings/${w.recording.id}/media`, { headers: { range: "bytes=2-3" } });
    expect(range.status).toBe(206);
    expect([...new Uint8Array(await range.arrayBuffer())]).toEqual([3, 4]);
    expectSecurityHeaders(range, "recording media range");

    const health = await fetch(`${plain.url}/healthz`);
    expect(health.status).toBe(200);
    expectSecurityHeaders(health, "/healthz");
    // The API reference page runs its viewer (Scalar) from the CDN it names, and only that page may.
    const docs = await fetch(`${plain.url}/api/docs`);
    expect(docs.status).toBe(200);
    const viewer = (await docs.text()).match(/<script src="(https:\/\/[^/"]+)/)?.[1];
    expect(viewer).toBeDefined();
    const docsCsp = docs.headers.get("content-security-policy")!;
    expect(docsCsp).toContain(`script-src 'self' 'unsafe-inline' ${viewer}`);
    expect(docsCsp).toContain("frame-ancestors 'none'");
    expect(docs.headers.get("x-frame-options")).toBe("DENY");
    const docsJson = await fetch(`${plain.url}/api/docs/json`);
    expect(docsJson.status).toBe(200);
    expectSecurityHeaders(docsJson, "/api/docs/json");
  });

  test("with an https PUBLIC_URL: HSTS, wss in connect-src, the S3 endpoint in media-src, and on the presigned redirect", async () => {
    const { user, call } = await signedIn(secure.url);
    const w = await meetingWithResources(call, user.id);
    await createS3BlobStore(s3.options).put(w.key, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), "video/webm");

    const page = await call("/calendar", { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    const directives = expectSecurityHeaders(page, "page over https", { https: true });
    expect(directives.get("connect-src")).toEqual(["'self'", "wss://meet.dictate.test"]);
    expect(directives.get("media-src")).toEqual(["'self'", "blob:", S3_PUBLIC]);
    expectSecurityHeaders(await call("/api/me"), "API JSON over https", { https: true });
    const redirect = await call(`/api/recordings/${w.recording.id}/media`);
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toStartWith(`${S3_PUBLIC}/`);
    expectSecurityHeaders(redirect, "presigned redirect", { https: true });
    expectSecurityHeaders(await fetch(`${secure.url}/healthz`), "/healthz over https", { https: true });
  });
});
