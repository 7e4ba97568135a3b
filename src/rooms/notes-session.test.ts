import { describe, expect, test } from "bun:test";
import * as encoding from "lib0/encoding";
import * as Y from "yjs";
import { createManualClock } from "../../tests/helpers/clock.ts";
import { createNotesWriter, NOTES_TEXT } from "../notes/index.ts";
import { createMemoryNotesStore } from "../notes/testing.ts";
import type { Connection } from "./connection.ts";
import { COMPACT_DEBOUNCE_MS, COMPACT_MAX_DELAY_MS, createNotesSession, FOLDS_BETWEEN_FULL } from "./notes-session.ts";

/** A session on the in-memory store and a manual clock, with one writer socket; compactions are logged. */
async function session() {
  const store = createMemoryNotesStore();
  const clock = createManualClock();
  const compactions: { kind: "full" | "fold"; at: number }[] = [];
  let failNext = false;
  const compact = store.compact.bind(store);
  const compactLog = store.compactLog.bind(store);
  store.compact = (...args) => (compactions.push({ kind: "full", at: clock.now() }), compact(...args));
  store.compactLog = async (...args) => {
    compactions.push({ kind: "fold", at: clock.now() });
    if (failNext) {
      failNext = false;
      throw new Error("database unavailable");
    }
    return compactLog(...args);
  };
  const meeting = { id: crypto.randomUUID(), title: "Standup", agenda: "" };
  const loaded = await store.open(meeting);
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
  doc.clientID = 5;
  doc.on("update", (update: Uint8Array) => {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, 0); // sync
    encoding.writeVarUint(e, 2); // update
    encoding.writeVarUint8Array(e, update);
    s.receive(conn, encoding.toUint8Array(e));
  });
  let typed = 0;
  const start = clock.now();
  return {
    clock,
    store,
    meeting,
    compactions,
    /** Compactions so far, as [kind, ms since the start]. */
    kinds: () => compactions.map((c) => [c.kind, c.at - start] as const),
    failNextFold: () => (failNext = true),
    text: () => doc.getText(NOTES_TEXT).toString(),
    /** Types one character and waits until it is durable and applied. */
    async type() {
      doc.getText(NOTES_TEXT).insert(typed++, String(typed % 10));
      for (let i = 0; i < 50 && s.text().length < typed; i++) await Bun.sleep(0);
      expect(s.text().length).toBe(typed);
    },
    /** Types every `step` ms for `ms`, letting compactions run as their timers fire. */
    async typeFor(ms: number, step = COMPACT_DEBOUNCE_MS / 4) {
      for (let elapsed = 0; elapsed < ms; elapsed += step) {
        await this.type();
        clock.advance(step);
        await Bun.sleep(2);
      }
    },
    settle: () => Bun.sleep(5),
  };
}

describe("notes compaction schedule", () => {
  test("a full compaction once the notes have been quiet for the debounce, counted from the last update", async () => {
    const s = await session();
    await s.type();
    s.clock.advance(COMPACT_DEBOUNCE_MS - 500);
    await s.type();
    s.clock.advance(COMPACT_DEBOUNCE_MS - 500);
    await s.settle();
    expect(s.kinds()).toEqual([]);
    s.clock.advance(500);
    await s.settle();
    expect(s.kinds()).toEqual([["full", 2 * COMPACT_DEBOUNCE_MS - 500]]);
  });

  test("while typing never stops: the log is folded at the longest delay, and every few folds the whole document is written", async () => {
    const s = await session();
    await s.typeFor((FOLDS_BETWEEN_FULL + 1) * COMPACT_MAX_DELAY_MS + 100);
    const folds = Array.from({ length: FOLDS_BETWEEN_FULL }, (_, i) => ["fold", (i + 1) * COMPACT_MAX_DELAY_MS] as const);
    expect(s.kinds()).toEqual([...folds, ["full", (FOLDS_BETWEEN_FULL + 1) * COMPACT_MAX_DELAY_MS]]);
    // The stored log reads back as what was typed, with the times the room saw.
    const reloaded = await s.store.open(s.meeting);
    const check = new Y.Doc();
    for (const u of reloaded.updates) Y.applyUpdate(check, u);
    expect(check.getText(NOTES_TEXT).toString()).toBe(s.text());
  });

  test("folded rows keep the times the room saw, not the time they were folded", async () => {
    const s = await session();
    await s.typeFor(COMPACT_MAX_DELAY_MS + 100, 1_000);
    expect(s.kinds()).toEqual([["fold", COMPACT_MAX_DELAY_MS]]);
    const reloaded = await s.store.open(s.meeting);
    // One run per second of typing, on the manual clock (the memory store would stamp a plain row
    // with the wall clock, years away from it).
    const runs = reloaded.clock["5"]!;
    expect(runs.length).toBeGreaterThanOrEqual(10);
    const start = s.compactions[0]!.at - COMPACT_MAX_DELAY_MS;
    for (const [, at] of runs.slice(0, 10)) expect(at - start).toBeLessThanOrEqual(COMPACT_MAX_DELAY_MS);
  });

  test("after a fold fails, the next compaction is a full one (the rows it left hold updates no fold can name)", async () => {
    const s = await session();
    s.failNextFold();
    await s.typeFor(3 * COMPACT_MAX_DELAY_MS + 100);
    const kinds = s.kinds().map(([kind]) => kind);
    expect(kinds[0]).toBe("fold");
    expect(kinds[1]).toBe("full");
    const reloaded = await s.store.open(s.meeting);
    const check = new Y.Doc();
    for (const u of reloaded.updates) Y.applyUpdate(check, u);
    expect(check.getText(NOTES_TEXT).toString()).toBe(s.text());
  });
});
