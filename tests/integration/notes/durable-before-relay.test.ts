/**
 * Durable before relayed (issue 13): an edit reaches another editor only once its row is committed.
 * A trigger of this test's own database holds every notes write open for 400 ms before it commits;
 * the moment the second editor has the edit, a separate connection must already see the row. If the
 * relay were moved before the write, the editor would have it ~400 ms before the commit.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { openDatabase } from "../../../src/db/index.ts";
import { startTestServer, type TestServer } from "../../helpers/app.ts";
import { createTrackedDatabase } from "../../helpers/db.ts";
import { notesProvider } from "../../helpers/yjs.ts";

const SLOW_COMMIT = `
create or replace function slow_notes_commit() returns trigger language plpgsql as $$
begin
  perform pg_sleep(0.4);
  return null;
end $$;
create trigger slow_notes_commit after insert on note_updates for each statement execute function slow_notes_commit();
`;

describe("a notes edit is durable before any other editor receives it (Postgres)", () => {
  let url: string;
  let server: TestServer;
  let sql: postgres.Sql;

  beforeAll(async () => {
    url = await createTrackedDatabase(`durable_relay_${process.pid}_${Date.now() % 100000}`);
    const database = await openDatabase({ databaseUrl: url, maxConnections: 3 });
    await database.migrate();
    sql = postgres(url, { max: 1, onnotice: () => {} });
    await sql.unsafe(SLOW_COMMIT);
    server = await startTestServer("postgres", { database });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await sql?.end();
  });

  test("the second editor's copy of each edit is already committed when it arrives", async () => {
    const meeting = (await (await server.signedUp()).post("/api/meetings", {})).body.meeting;
    const a = notesProvider(server.url, meeting.code);
    const b = notesProvider(server.url, meeting.code);
    try {
      await Promise.all([a.synced(), b.synced()]);
      const checks: Promise<{ marker: string; rows: number; waitedMs: number }>[] = [];
      const typedAt = new Map<string, number>();
      b.text.observe((event) => {
        for (const op of event.delta) {
          if (typeof op.insert !== "string") continue;
          for (const [marker] of op.insert.matchAll(/<\d+>/g)) {
            // Asked at once, on another connection: is the update's row there?
            checks.push(
              sql`select count(*)::int as n from note_updates u join notes n on n.id = u.note_id
                  where n.meeting_id = ${meeting.id} and position(${marker}::bytea in u.update) > 0`.then(([row]) => ({
                marker,
                rows: row!.n,
                waitedMs: Date.now() - typedAt.get(marker)!,
              })),
            );
          }
        }
      });
      for (let i = 0; i < 3; i++) {
        const marker = `<${i}>`;
        typedAt.set(marker, Date.now());
        a.text.insert(a.text.length, marker);
        await new Promise<void>((resolve) => {
          const poll = setInterval(() => {
            if (b.text.toString().includes(marker)) {
              clearInterval(poll);
              resolve();
            }
          }, 5);
        });
      }
      const results = await Promise.all(checks);
      expect(results.map((r) => r.marker)).toEqual(["<0>", "<1>", "<2>"]);
      for (const r of results) {
        expect(r.rows).toBe(1);
        // It waited for the slow commit, as it must.
        expect(r.waitedMs).toBeGreaterThanOrEqual(350);
      }
    } finally {
      a.destroy();
      b.destroy();
    }
  }, 30_000);
});
