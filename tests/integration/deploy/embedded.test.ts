/**
 * The embedded default on a fresh folder, as `npm start` runs it (`bun src/main.ts`, production):
 * the folder is seeded from the migrated PGlite template (no initdb: it cost 4–8 s and ~1.1 GB),
 * serves /healthz, holds every migration, and keeps a notes edit that another editor saw across a
 * kill -9 and a restart on the same folder (read back through the notes socket: after a crash the
 * edit is in note_updates, and /api/notes's text is compacted when the room saves).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { MIGRATIONS_DIR, writePgliteTemplate } from "../../../src/db/index.ts";
import { eventually } from "../../helpers/eventually.ts";
import { httpClient, runServerToExit, startServer, type RunningServer } from "../../helpers/server.ts";
import { openRoomSocket, wsUrl } from "../../helpers/ws.ts";
import { notesProvider } from "../../helpers/yjs.ts";

const temps: string[] = [];
const running: RunningServer[] = [];
const tempDir = (label: string) => {
  const dir = mkdtempSync(join(tmpdir(), `dictate-embedded-${label}-`));
  temps.push(dir);
  return dir;
};
async function start(dataDir: string) {
  const server = await startServer({ DATA_DIR: dataDir }, { timeoutMs: 90_000 });
  running.push(server);
  return server;
}
/** Peak resident memory of a process so far (VmHWM), in MB. */
const peakMb = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

afterAll(async () => {
  for (const server of running) await server.stop("SIGKILL");
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe("the embedded default on a fresh folder", () => {
  test("starts from the template, migrates, and keeps an acknowledged notes edit across kill -9 and a restart", async () => {
    // What `npm start` and scripts/build.sh do before a server starts (a no-op when it exists).
    await writePgliteTemplate();
    const dataDir = tempDir("fresh");
    const first = await start(dataDir);
    expect(first.output()).toContain('"database":"pglite"');
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    // Regression guard: initdb on a fresh folder peaked at ~1.1 GB; the template start stays far below.
    expect(peakMb(first.pid)).toBeLessThan(400);
    // The folder holds the database and nothing half-unpacked beside it.
    expect(readdirSync(dataDir).filter((f) => f.startsWith("db"))).toEqual(["db"]);
    expect(existsSync(join(dataDir, "db", "PG_VERSION"))).toBe(true);

    const api = httpClient(first.url);
    const n = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const signup = await fetch(`${first.url}/api/auth/signup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: `embedded-${n}@example.com`, username: `embedded_${n}`, password: "correct horse battery" }),
    });
    expect(signup.status).toBe(201);
    const cookie = signup.headers.get("set-cookie")!.split(";")[0]!;
    const created = await fetch(`${first.url}/api/meetings`, { method: "POST", headers: { "content-type": "application/json", cookie }, body: JSON.stringify({ title: "Fresh folder" }) });
    expect(created.status).toBe(201);
    const code = ((await created.json()) as { meeting: { code: string } }).meeting.code;
    expect((await api("GET", "/healthz")).status).toBe(200);

    // Taking part (a signed-in hello) is what lets the user read the notes afterwards.
    const member = await openRoomSocket(wsUrl(first.url, `/ws/meetings/${code}`), { cookie });
    member.send({ type: "hello" });
    await member.next("welcome");
    const text = "Decided: the embedded default starts light.";
    const writer = notesProvider(first.url, code, { cookie });
    const reader = notesProvider(first.url, code, { cookie });
    await Promise.all([writer.synced(), reader.synced()]);
    writer.text.insert(0, text);
    // The other editor has it, so the server wrote it before relaying it.
    await eventually(() => expect(reader.text.toString()).toContain(text), { timeoutMs: 10_000 });
    await first.stop("SIGKILL");
    writer.destroy();
    reader.destroy();
    member.close(1000);

    const second = await start(dataDir);
    expect((await fetch(`${second.url}/healthz`)).status).toBe(200);
    // Whoever opens the notes again gets the edit: the room loads it from the database.
    const again = await openRoomSocket(wsUrl(second.url, `/ws/meetings/${code}`), { cookie });
    again.send({ type: "hello" });
    await again.next("welcome");
    const later = notesProvider(second.url, code, { cookie });
    await later.synced();
    await eventually(() => expect(later.text.toString()).toContain(text), { timeoutMs: 10_000 });
    later.destroy();
    again.close(1000);
    await again.closed;
    expect(await second.stop("SIGTERM")).toBe(0);

    // Every migration is recorded, as drizzle's migrator records them.
    const pg = await PGlite.create({ dataDir: join(dataDir, "db") });
    try {
      const { rows } = await pg.query<{ hash: string; created_at: string | number }>("select hash, created_at from drizzle.__drizzle_migrations order by id");
      expect(rows.map((r) => ({ hash: r.hash, createdAt: Number(r.created_at) }))).toEqual(
        readMigrationFiles({ migrationsFolder: MIGRATIONS_DIR }).map((m) => ({ hash: m.hash, createdAt: m.folderMillis })),
      );
    } finally {
      await pg.close();
    }
  }, 180_000);

  test("a start killed while unpacking leaves nothing that stops the next one", async () => {
    const dataDir = tempDir("half");
    // What a kill -9 mid-unpack leaves: a partial folder beside data/db, and no data/db.
    mkdirSync(join(dataDir, "db.unpacking-999999", "base"), { recursive: true });
    writeFileSync(join(dataDir, "db.unpacking-999999", "PG_VERSION"), "18\n");
    const server = await start(dataDir);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(await server.stop("SIGTERM")).toBe(0);
  }, 120_000);

  test("a data/db folder holding files but no database stops the start and says so", async () => {
    const dataDir = tempDir("stray");
    mkdirSync(join(dataDir, "db"), { recursive: true });
    writeFileSync(join(dataDir, "db", "notes.txt"), "not a database");
    const { code, stdout, stderr } = await runServerToExit({ DATA_DIR: dataDir, JANUS_BIN: "/nonexistent/janus", PORT: "0", HOST: "127.0.0.1" });
    expect(code).not.toBe(0);
    expect(stdout + stderr).toContain("holds files but no database");
    expect(readFileSync(join(dataDir, "db", "notes.txt"), "utf8")).toBe("not a database");
  }, 60_000);
});
