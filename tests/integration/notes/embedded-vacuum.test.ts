/**
 * The embedded database keeps its notes tables small (issue 13, a light embedded default). PGlite
 * runs Postgres in single-user mode: no autovacuum, ever. Every keystroke logs a row in
 * note_updates and every compaction deletes them and rewrites the notes row, so without a VACUUM
 * of its own the folder grows by every row ever typed (a meeting of five typing for an hour leaves
 * ~90,000 dead rows) and scans wade through them.
 */
import { describe, expect, test } from "bun:test";
import { PGlite } from "@electric-sql/pglite";
import * as Y from "yjs";
import { openDatabase, schema } from "../../../src/db/index.ts";
import { createNotesStore, NOTES_TEXT } from "../../../src/notes/index.ts";

const CYCLES = 24;
const ROWS_PER_CYCLE = 400;

describe("the notes tables on the embedded database", () => {
  test("stay about as large as one stretch of typing between compactions, however long the meeting", async () => {
    const pg = await PGlite.create();
    const database = await openDatabase({ pglite: pg });
    try {
      await database.migrate();
      // The threshold the rooms use on PGlite, lowered so the test stays short.
      const store = createNotesStore(database.db, { vacuumAfterDeletedRows: 2 * ROWS_PER_CYCLE });
      const [meeting] = await database.db.insert(schema.meetings).values({ code: `vac-${crypto.randomUUID()}`, title: "Long meeting", agenda: "" }).returning();
      const loaded = await store.open({ id: meeting!.id, title: meeting!.title, agenda: "" });
      const doc = new Y.Doc();
      let pending: Uint8Array[] = [];
      doc.on("update", (u: Uint8Array) => pending.push(u));
      const size = async () =>
        Number((await pg.query<{ n: string }>("select pg_total_relation_size('note_updates') + pg_total_relation_size('notes') as n")).rows[0]!.n);

      const sizes: number[] = [];
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        for (let i = 0; i < ROWS_PER_CYCLE; i++) doc.getText(NOTES_TEXT).insert(0, `${cycle}:${i} `);
        let lastId = 0;
        for (let i = 0; i < pending.length; i += 50) {
          const ids = await store.append(pending.slice(i, i + 50).map((update) => ({ noteId: loaded.noteId, leaseToken: loaded.leaseToken, update })));
          lastId = Math.max(lastId, ...ids.map(Number));
        }
        pending = [];
        expect(await store.compact(loaded.noteId, loaded.leaseToken, Y.encodeStateAsUpdate(doc), doc.getText(NOTES_TEXT).toString(), lastId, {})).toBe(true);
        sizes.push(await size());
      }
      // Everything typed is still there.
      const reopened = await store.open({ id: meeting!.id, title: meeting!.title, agenda: "" });
      const check = new Y.Doc();
      for (const u of reopened.updates) Y.applyUpdate(check, u);
      expect(check.getText(NOTES_TEXT).toString()).toBe(doc.getText(NOTES_TEXT).toString());
      // Without vacuuming the tables grow by every cycle's dead rows (~19x from cycle 4 to the
      // last); vacuumed, space freed by one cycle is reused by the next, and only the document grows.
      const early = sizes[3]!;
      const late = sizes.at(-1)!;
      expect(late).toBeLessThan(early * 3);
    } finally {
      await database.close();
    }
  }, 60_000);
});
