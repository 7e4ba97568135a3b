/**
 * The single binary, as a self-hoster gets it: built by scripts/build.sh, copied alone into an
 * empty folder and started there. It must serve the app (client, assets, lazy parts), run its
 * database (PGlite) and Janus with nothing beside it, keep what was written across a restart, and
 * agree with the source run about which migrations a database has had.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { readMigrationFiles } from "drizzle-orm/migrator";
import postgres from "postgres";
import { MIGRATIONS_DIR } from "../../../src/db/index.ts";
import { createTrackedDatabase } from "../../helpers/db.ts";
import { eventually } from "../../helpers/eventually.ts";
import { testRedis } from "../../helpers/redis.ts";
import { httpClient } from "../../helpers/server.ts";
import { openRoomSocket, wsUrl } from "../../helpers/ws.ts";
import { notesProvider } from "../../helpers/yjs.ts";
import { buildBinary, isRunning, janusChildren, ROOT, startDictate, type Running } from "./process.ts";

const JANUS = Bun.which("janus");
const BUN = process.execPath;

const temps: string[] = [];
const running: Running[] = [];
const janusPids = new Set<number>();
let binary = "";

function tempDir(label: string) {
  const dir = mkdtempSync(join(tmpdir(), `dictate-deploy-${label}-`));
  temps.push(dir);
  return dir;
}

/** A fresh empty folder holding only a copy of the binary. */
function folderWithBinary() {
  const dir = tempDir("run");
  copyFileSync(binary, join(dir, "dictate"));
  chmodSync(join(dir, "dictate"), 0o755);
  return dir;
}

async function start(command: string[], cwd: string, env: Record<string, string> = {}) {
  const server = await startDictate(command, { cwd, env });
  running.push(server);
  for (const pid of janusChildren(server.pid)) janusPids.add(pid);
  return server;
}

const startBinary = (cwd: string, env: Record<string, string> = {}) => start([join(cwd, "dictate")], cwd, env);
/** The source run, as `npm start` does it; no Janus (these runs only look at the database). */
const startSource = (env: Record<string, string>) => start([BUN, "src/main.ts"], ROOT, { JANUS_BIN: "/nonexistent/janus", ...env });

function signUpData(label: string) {
  const n = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  return { email: `${label}-${n}@example.com`, username: `${label}_${n}`, password: "correct horse battery" };
}

/** The rows drizzle keeps in `drizzle.__drizzle_migrations`, as (hash, created_at). */
const expectedMigrations = () => readMigrationFiles({ migrationsFolder: MIGRATIONS_DIR }).map((m) => ({ hash: m.hash, createdAt: m.folderMillis }));

async function pgliteMigrations(dataDir: string) {
  const pg = await PGlite.create({ dataDir: join(dataDir, "db") });
  try {
    const { rows } = await pg.query<{ hash: string; created_at: string | number }>("select hash, created_at from drizzle.__drizzle_migrations order by id");
    return rows.map((r) => ({ hash: r.hash, createdAt: Number(r.created_at) }));
  } finally {
    await pg.close();
  }
}

beforeAll(async () => {
  const out = join(tempDir("build"), "dictate");
  await buildBinary(out);
  binary = out;
}, 180_000);

afterAll(async () => {
  for (const server of running) await server.stop("SIGTERM");
  // A Janus is left only if its server died without stopping it; those are ours to end.
  for (const pid of janusPids) if (isRunning(pid)) process.kill(pid, "SIGKILL");
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe("the single binary, alone in an empty folder", () => {
  let folder = "";
  let server: Running;
  const user = signUpData("binary");
  let cookie = "";
  let meetingCode = "";
  const notesText = "Decisions: ship the single binary.";

  test("starts with nothing beside it and answers /healthz", async () => {
    folder = folderWithBinary();
    expect(readdirSync(folder)).toEqual(["dictate"]);
    server = await startBinary(folder);
    expect(server.output()).toContain('"database":"pglite"');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    // Everything it wrote went under ./data (DATA_DIR's default).
    expect(readdirSync(folder).sort()).toEqual(["data", "dictate"]);
  });

  test("serves the home page, every asset it names, the other pages and the lazy parts", async () => {
    const home = await fetch(`${server.url}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get("content-type")).toContain("text/html");
    const html = await home.text();
    const assets = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((a) => a.endsWith(".js"))).toBe(true);
    expect(assets.some((a) => a.endsWith(".css"))).toBe(true);
    for (const asset of assets) {
      const res = await fetch(server.url + asset);
      expect(`${asset} ${res.status}`).toBe(`${asset} 200`);
      expect(res.headers.get("content-type")).toMatch(asset.endsWith(".css") ? /text\/css/ : /javascript/);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
    for (const page of ["/login", "/signup", "/m/abcd-efgh-jkmn", "/calendar", "/resources"]) {
      const res = await fetch(server.url + page);
      expect(`${page} ${res.status}`).toBe(`${page} 200`);
    }
    // Each client/lazy/<name>.html is served at /_lazy/<name> with a script that loads.
    const lazy = readdirSync(join(ROOT, "client/lazy")).filter((f) => f.endsWith(".html")).map((f) => f.slice(0, -5));
    expect(lazy.length).toBeGreaterThan(0);
    for (const name of lazy) {
      const res = await fetch(`${server.url}/_lazy/${name}`);
      expect(`${name} ${res.status}`).toBe(`${name} 200`);
      const src = /<script[^>]+src="([^"]+)"/.exec(await res.text())?.[1];
      expect(src).toBeTruthy();
      expect((await fetch(new URL(src!, server.url))).status).toBe(200);
    }
  });

  test("carries background blur's and noise suppression's WebAssembly, model and scripts, and serves them itself", async () => {
    const sizes: Record<string, number> = {};
    for (const name of ["blur", "noise"]) {
      const src = /<script[^>]+src="([^"]+)"/.exec(await (await fetch(`${server.url}/_lazy/${name}`)).text())![1]!;
      const script = await (await fetch(new URL(src, server.url))).text();
      for (const [, file, ext] of script.matchAll(/"\.?\/([\w.-]+\.(wasm|tflite|binarypb|js|data))"/g)) {
        const res = await fetch(`${server.url}/${file}`);
        expect(`${file} ${res.status}`).toBe(`${file} 200`);
        if (ext === "wasm") expect(res.headers.get("content-type")).toContain("application/wasm");
        sizes[file!.replace(/-[a-z0-9]{8}\./, ".")] = (await res.arrayBuffer()).byteLength;
      }
    }
    const pkg = (path: string) => Bun.file(join(ROOT, "node_modules", path)).size;
    expect(sizes["selfie_segmentation_landscape.tflite"]).toBe(pkg("@mediapipe/selfie_segmentation/selfie_segmentation_landscape.tflite"));
    expect(sizes["selfie_segmentation_solution_simd_wasm_bin.wasm"]).toBe(pkg("@mediapipe/selfie_segmentation/selfie_segmentation_solution_simd_wasm_bin.wasm"));
    expect(sizes["selfie_segmentation.binarypb"]).toBe(pkg("@mediapipe/selfie_segmentation/selfie_segmentation.binarypb"));
    expect(sizes["rnnoise.wasm"]).toBe(pkg("@jitsi/rnnoise-wasm/dist/rnnoise.wasm"));
  });

  test("sign-up works and a meeting can be started", async () => {
    const post = (path: string, body: unknown) =>
      fetch(server.url + path, { method: "POST", headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) }, body: JSON.stringify(body) });
    const signup = await post("/api/auth/signup", user);
    expect(signup.status).toBe(201);
    expect(((await signup.json()) as { user: { email: string } }).user.email).toBe(user.email);
    cookie = signup.headers.get("set-cookie")!.split(";")[0]!;
    const me = await fetch(`${server.url}/api/me`, { headers: { cookie } });
    expect(me.status).toBe(200);
    const created = await post("/api/meetings", { title: "From the binary" });
    expect(created.status).toBe(201);
    meetingCode = ((await created.json()) as { meeting: { code: string } }).meeting.code;
  });

  const mediaTest = "a guest joins the meeting and is welcomed with media through the embedded Janus";
  test.skipIf(!JANUS)(JANUS ? mediaTest : `${mediaTest} (skipped: no janus on PATH; apt-get install janus)`, async () => {
    const kids = janusChildren(server.pid);
    expect(kids).toHaveLength(1);
    expect(server.output()).toContain("janus is up");
    const guest = await openRoomSocket(wsUrl(server.url, `/ws/meetings/${meetingCode}`));
    guest.send({ type: "hello", name: "Guest of the binary" });
    const welcome = await guest.next("welcome");
    expect(welcome.media).toEqual({ available: true });
    expect(welcome.self.userId).toBeNull();
    guest.close(1000);
    await guest.closed;
  });

  test("notes written over y-websocket are in /api/notes after the binary restarts from the same folder", async () => {
    // Taking part (a signed-in hello) is what lets the user read the notes afterwards.
    const member = await openRoomSocket(wsUrl(server.url, `/ws/meetings/${meetingCode}`), { cookie });
    member.send({ type: "hello" });
    await member.next("welcome");
    const writer = notesProvider(server.url, meetingCode, { cookie });
    await writer.synced();
    writer.text.insert(writer.text.length, notesText);
    // A second editor sees it: the server has taken it (notes are durable before they are relayed).
    const reader = notesProvider(server.url, meetingCode, { cookie });
    await reader.synced();
    await eventually(() => expect(reader.text.toString()).toContain(notesText), { timeoutMs: 10_000 });
    reader.destroy();
    writer.destroy();
    member.close(1000);
    await member.closed;

    const janusBefore = janusChildren(server.pid);
    expect(await server.stop("SIGTERM")).toBe(0);
    // A clean stop takes the embedded Janus with it.
    for (const pid of janusBefore) await eventually(() => expect(isRunning(pid)).toBe(false), { timeoutMs: 10_000 });

    server = await startBinary(folder);
    const res = await fetch(`${server.url}/api/notes`, { headers: { cookie } });
    expect(res.status).toBe(200);
    const { notes } = (await res.json()) as { notes: { id: string; meetingCode: string; excerpt: string }[] };
    const note = notes.find((n) => n.meetingCode === meetingCode);
    expect(note?.excerpt).toContain(notesText);
    const one = (await (await fetch(`${server.url}/api/notes/${note!.id}`, { headers: { cookie } })).json()) as { note: { text: string } };
    expect(one.note.text).toContain(notesText);
    expect(await server.stop("SIGTERM")).toBe(0);
  });
});

describe("migrations: the binary and the source run keep the same bookkeeping", () => {
  test("on PGlite, a data folder migrated by either one is taken as is by the other", async () => {
    const expected = expectedMigrations();
    expect(expected.length).toBeGreaterThan(0);
    for (const [first, second] of [
      ["source", "binary"],
      ["binary", "source"],
    ] as const) {
      const dataDir = tempDir(`data-${first}-first`);
      const env = { DATA_DIR: dataDir, JANUS_BIN: "/nonexistent/janus" };
      for (const which of [first, second]) {
        const server = which === "source" ? await startSource(env) : await startBinary(folderWithBinary(), env);
        expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
        expect(await server.stop("SIGTERM")).toBe(0);
        expect({ after: which, rows: await pgliteMigrations(dataDir) }).toEqual({ after: which, rows: expected });
      }
    }
  });

  test("on Postgres with Redis, the binary migrates a fresh database and the source run finds nothing to do", async () => {
    const url = new URL(await createTrackedDatabase(`dictate_deploy_${Date.now()}_${process.pid}`));
    const redis = await testRedis();
    try {
      const env = { DATABASE_URL: url.toString(), REDIS_URL: process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379", REDIS_PREFIX: redis.prefix, CLUSTER_SECRET: "deploy-test-cluster-secret", JANUS_BIN: "/nonexistent/janus" };
      const rows = async () => {
        const sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
        try {
          const found = await sql<{ hash: string; created_at: string }[]>`select hash, created_at from drizzle.__drizzle_migrations order by id`;
          return found.map((r) => ({ hash: r.hash, createdAt: Number(r.created_at) }));
        } finally {
          await sql.end();
        }
      };
      const bin = await startBinary(folderWithBinary(), env);
      expect(bin.output()).toContain('"database":"postgres"');
      expect(bin.output()).toContain("redis connected");
      const api = httpClient(bin.url);
      expect((await api("POST", "/api/auth/signup", signUpData("pg"))).status).toBe(201);
      expect(await bin.stop("SIGTERM")).toBe(0);
      expect(await rows()).toEqual(expectedMigrations());

      const source = await startSource(env);
      expect((await fetch(`${source.url}/healthz`)).status).toBe(200);
      expect(await source.stop("SIGTERM")).toBe(0);
      expect(await rows()).toEqual(expectedMigrations());
    } finally {
      await redis.cleanup();
    }
  });
});
