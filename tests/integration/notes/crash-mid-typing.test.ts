/**
 * `kill -9` of the server while two people type (issue 13): on each backend, every edit that the
 * other editor had received before the kill is in the notes after a restart on the same data.
 * The editors are dropped at the kill, so they cannot send again what the server lost: only what
 * was durable counts.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { notesWriters } from "../../helpers/cluster.ts";
import { createTrackedDatabase, DB_KINDS } from "../../helpers/db.ts";
import { eventually } from "../../helpers/eventually.ts";
import { httpClient, startServer, type RunningServer } from "../../helpers/server.ts";
import { notesProvider } from "../../helpers/yjs.ts";

describe.each(DB_KINDS)("kill -9 mid-typing on %s", (kind) => {
  const dirs: string[] = [];
  const servers: RunningServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop("SIGKILL");
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test("every edit another editor had is there after the restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dictate-crash-"));
    dirs.push(dir);
    const env: Record<string, string> = { DATA_DIR: dir, SOCKETS_PER_MINUTE: "0" };
    if (kind === "postgres") env.DATABASE_URL = await createTrackedDatabase(`crash_typing_${process.pid}_${Date.now() % 100000}`);
    const first = await startServer(env);
    servers.push(first);
    const meeting = (await httpClient(first.url)("POST", "/api/meetings", {})).body.meeting;

    const writers = notesWriters(() => first.url, meeting.code, 2);
    await Promise.all(writers.clients.map((c) => c.synced()));
    let typing = true;
    const typist = (async () => {
      while (typing) {
        writers.type(0);
        writers.type(1);
        await Bun.sleep(15);
      }
    })();
    await Bun.sleep(1_500);
    await first.stop("SIGKILL");
    typing = false;
    await typist;
    const acknowledged = [...writers.acknowledged.keys()];
    writers.destroy();
    expect(acknowledged.length).toBeGreaterThan(50);
    expect(writers.typed.length).toBeGreaterThan(acknowledged.length / 2);

    const second = await startServer(env);
    servers.push(second);
    const reader = notesProvider(second.url, meeting.code);
    try {
      await reader.synced();
      await eventually(() => expect(reader.text.length).toBeGreaterThan(0));
      const text = reader.text.toString();
      expect(acknowledged.filter((marker) => !text.includes(marker))).toEqual([]);
    } finally {
      reader.destroy();
    }
  }, 90_000);
});
