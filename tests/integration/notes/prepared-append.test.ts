/**
 * The notes append is one constant statement (issue 13): on Postgres it must run as a prepared
 * statement, parsed and planned once per connection. drizzle's `execute()` asks postgres.js not to
 * prepare, which sends a Parse/Describe round trip before every append and plans it anew; this
 * reads the connection's own `pg_prepared_statements` (one connection, so the same session). On
 * PGlite it must go to PGlite's `query()` without drizzle's type parsers, which PGlite merges into a
 * copy of its own 318 on every call (more CPU than the insert): this watches what PGlite is handed.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import * as Y from "yjs";
import { openDatabase, schema, type Database } from "../../../src/db/index.ts";
import { createNotesStore, NOTES_TEXT } from "../../../src/notes/index.ts";
import { createTrackedDatabase } from "../../helpers/db.ts";

describe("the notes append on Postgres", () => {
  let database: Database;

  beforeAll(async () => {
    const url = await createTrackedDatabase(`prepared_append_${process.pid}_${Date.now() % 100000}`);
    database = await openDatabase({ databaseUrl: url, maxConnections: 1 });
    await database.migrate();
  }, 60_000);
  afterAll(() => database?.close());

  const preparedAppends = async () => {
    const rows = await database.db.execute<{ n: number }>(sql`select count(*)::int as n from pg_prepared_statements where statement like '%insert into "note_updates"%'`);
    return (Array.isArray(rows) ? rows : (rows as unknown as { rows: { n: number }[] }).rows)[0]!.n;
  };

  test("is prepared once on its connection and reused by every later batch", async () => {
    const store = createNotesStore(database.db);
    const [meeting] = await database.db.insert(schema.meetings).values({ code: `prep-${crypto.randomUUID()}`, title: "Prepared", agenda: "" }).returning();
    const loaded = await store.open({ id: meeting!.id, title: meeting!.title, agenda: "" });
    expect(await preparedAppends()).toBe(0);
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on("update", (u: Uint8Array) => updates.push(u));
    for (const word of ["one ", "two ", "three "]) doc.getText(NOTES_TEXT).insert(0, word);
    for (const [i, update] of updates.entries()) {
      const entries = Array.from({ length: i + 1 }, () => ({ noteId: loaded.noteId, leaseToken: loaded.leaseToken, update }));
      const ids = await store.append(entries);
      expect(ids.every((id) => typeof id === "number")).toBe(true);
    }
    // Three batches of one, two and three rows: one statement, prepared once.
    expect(await preparedAppends()).toBe(1);
    doc.destroy();
  });
});

describe("the notes append on PGlite", () => {
  test("reaches PGlite's query() with no options (no per-call parsers to merge), and stores what it says", async () => {
    const pg = await PGlite.create();
    const calls: { text: string; options: unknown }[] = [];
    const query = pg.query.bind(pg);
    pg.query = ((text: string, params?: unknown[], options?: unknown) => {
      calls.push({ text, options });
      return query(text, params, options as never);
    }) as typeof pg.query;
    const database = await openDatabase({ pglite: pg });
    try {
      await database.migrate();
      const store = createNotesStore(database.db);
      const [meeting] = await database.db.insert(schema.meetings).values({ code: `prep-${crypto.randomUUID()}`, title: "Prepared", agenda: "" }).returning();
      const loaded = await store.open({ id: meeting!.id, title: meeting!.title, agenda: "" });
      const doc = new Y.Doc();
      const updates: Uint8Array[] = [];
      doc.on("update", (u: Uint8Array) => updates.push(u));
      doc.getText(NOTES_TEXT).insert(0, "typed on the embedded default");
      calls.length = 0;
      const ids = await store.append(updates.map((update) => ({ noteId: loaded.noteId, leaseToken: loaded.leaseToken, update })));
      expect(ids.every((id) => typeof id === "number" && id > 0)).toBe(true);
      const appends = calls.filter((c) => c.text.includes('insert into "note_updates"'));
      expect(appends).toHaveLength(1);
      expect(appends[0]!.options).toBeUndefined();
      // A stale token takes no row and says so.
      expect(await store.append([{ noteId: loaded.noteId, leaseToken: loaded.leaseToken - 1, update: updates[0]! }])).toEqual([null]);
      // What was appended is what a fresh load gives back.
      const again = await store.open({ id: meeting!.id, title: meeting!.title, agenda: "" });
      const back = new Y.Doc();
      for (const u of again.updates) Y.applyUpdate(back, u);
      expect(back.getText(NOTES_TEXT).toString()).toBe("typed on the embedded default");
      doc.destroy();
      back.destroy();
    } finally {
      await database.close();
    }
  }, 60_000);
});
