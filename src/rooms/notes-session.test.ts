import { describe, expect, test } from "bun:test";
import * as encoding from "lib0/encoding";
import * as Y from "yjs";
import { createManualClock } from "../../tests/helpers/clock.ts";
import { createNotesWriter, NOTES_TEXT } from "../notes/index.ts";
import { createMemoryNotesStore } from "../notes/testing.ts";
import type { Connection } from "./connection.ts";
import { COMPACT_DEBOUNCE_MS, COMPACT_MAX_DELAY_MS, createNotesSession } from "./notes-session.ts";

/** A session on the in-memory store and a manual clock, with one writer socket. */
async function session() {
  const store = createMemoryNotesStore();
  const clock = createManualClock();
  const loaded = await store.open({ id: crypto.randomUUID(), title: "Standup", agenda: "" });
  const s = createNotesSession(loaded, {
    store,
    writer: createNotesWriter(store),
    clock,
    maxDocBytes: 1024 * 1024,
    post: (task) => task(),
    onFenced: () => {},
  });
  const conn: Connection = { id: "writer", send: () => {}, close: () => {} };
  s.attach(conn);
  const doc = new Y.Doc();
  doc.on("update", (update: Uint8Array) => {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 0); // sync
    encoding.writeVarUint(e, 2); // update
    encoding.writeVarUint8Array(e, update);
    s.receive(conn, encoding.toUint8Array(e));
  });
  const row = store.rows.get(loaded.noteId)!;
  let typed = 0;
  return {
    clock,
    /** Types one character and waits until it is durable and applied. */
    async type() {
      doc.getText(NOTES_TEXT).insert(typed++, "x");
      for (let i = 0; i < 50 && s.text().length < typed; i++) await Bun.sleep(0);
      expect(s.text().length).toBe(typed);
    },
    /** Whether a compaction ran since the last call (it empties the update log into the row). */
    compacted() {
      const did = row.updates.length === 0 && row.text.length > 0;
      if (did) row.text = "";
      return did;
    },
    settle: () => Bun.sleep(5),
  };
}

describe("notes compaction schedule", () => {
  test("once the notes have been quiet for the debounce, counted from the last update", async () => {
    const s = await session();
    await s.type();
    s.clock.advance(COMPACT_DEBOUNCE_MS - 500);
    await s.type();
    s.clock.advance(COMPACT_DEBOUNCE_MS - 500);
    await s.settle();
    expect(s.compacted()).toBe(false);
    s.clock.advance(500);
    await s.settle();
    expect(s.compacted()).toBe(true);
  });

  test("while typing never stops: at the longest delay after the first update, then again as long after the next", async () => {
    const s = await session();
    const step = COMPACT_DEBOUNCE_MS / 4;
    let elapsed = 0;
    const compactedAt: number[] = [];
    while (elapsed < 2 * COMPACT_MAX_DELAY_MS + step) {
      await s.type();
      s.clock.advance(step);
      elapsed += step;
      await s.settle();
      if (s.compacted()) compactedAt.push(elapsed);
    }
    expect(compactedAt).toEqual([COMPACT_MAX_DELAY_MS, 2 * COMPACT_MAX_DELAY_MS]);
  });
});
