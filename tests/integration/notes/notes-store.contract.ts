/**
 * What every `NotesStore` promises the room, run against each implementation (memory, PGlite,
 * Postgres). The database runs are the ones that count; the memory run keeps the room actor's unit
 * tests honest.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as Y from "yjs";
import { createNotesWriter, NOTES_TEXT, type LoadedNotes, type NotesStore } from "../../../src/notes/index.ts";

export interface ContractNotesStore {
  store: NotesStore;
  /** A meeting that exists wherever the store keeps notes (a row, for the database stores). */
  meeting(agenda: string): Promise<{ id: string; title: string; agenda: string }>;
  /** What is stored for a note beside the log: the text written by the last compaction, and how many updates remain. */
  inspect(noteId: string): Promise<{ text: string; updates: number }>;
  /** Releases the store and whatever it runs on; called even when tests failed. */
  close(): Promise<void>;
}

/** The document a room would build from what `open` returned. */
function docOf(loaded: LoadedNotes): Y.Doc {
  const doc = new Y.Doc();
  for (const update of loaded.updates) Y.applyUpdate(doc, update);
  return doc;
}
const textOf = (loaded: LoadedNotes) => {
  const doc = docOf(loaded);
  const text = doc.getText(NOTES_TEXT).toString();
  doc.destroy();
  return text;
};

/** Types `text` at the end of the document and returns the update that made it. */
function edit(doc: Y.Doc, text: string): Uint8Array {
  let update: Uint8Array | null = null;
  const capture = (u: Uint8Array) => (update = u);
  doc.on("update", capture);
  const t = doc.getText(NOTES_TEXT);
  t.insert(t.length, text);
  doc.off("update", capture);
  return update!;
}

export function describeNotesStoreContract(name: string, open: () => Promise<ContractNotesStore>): void {
  describe(`NotesStore contract: ${name}`, () => {
    let subject: ContractNotesStore;
    let store: NotesStore;
    beforeAll(async () => {
      subject = await open();
      store = subject.store;
    });
    afterAll(() => subject?.close());

    test("a new meeting's notes are its agenda with one closing line break, and nothing in the log yet", async () => {
      for (const [agenda, expected] of [
        ["Budget\n- [ ] hire", "Budget\n- [ ] hire\n"],
        ["Already ends\n", "Already ends\n"],
        ["", ""],
      ] as const) {
        const loaded = await store.open(await subject.meeting(agenda));
        expect(textOf(loaded)).toBe(expected);
        expect(loaded.lastUpdateId).toBe(0);
        expect(loaded.updates).toHaveLength(1);
      }
    });

    test("the agenda seeds the notes once: a later open keeps what was written, not the agenda again", async () => {
      const meeting = await subject.meeting("Agenda");
      const first = await store.open(meeting);
      const doc = docOf(first);
      const [id] = await store.append([{ noteId: first.noteId, leaseToken: first.leaseToken, update: edit(doc, "typed") }]);
      const again = await store.open({ ...meeting, agenda: "A different agenda" });
      expect(again.noteId).toBe(first.noteId);
      expect(textOf(again)).toBe("Agenda\ntyped");
      expect(again.lastUpdateId).toBe(id!);
      doc.destroy();
    });

    test("concurrent opens of one meeting give one note, seeded once, each with its own lease token", async () => {
      const meeting = await subject.meeting("Only once");
      const opened = await Promise.all(Array.from({ length: 6 }, () => store.open(meeting)));
      expect(new Set(opened.map((o) => o.noteId)).size).toBe(1);
      expect(new Set(opened.map((o) => o.leaseToken)).size).toBe(6);
      for (const o of opened) expect(textOf(o)).toBe("Only once\n");
      // The latest token is the one that writes; every other is fenced out.
      const latest = opened.reduce((a, b) => (b.leaseToken > a.leaseToken ? b : a));
      const doc = docOf(latest);
      const update = edit(doc, "x");
      const results = await store.append(opened.map((o) => ({ noteId: o.noteId, leaseToken: o.leaseToken, update })));
      expect(results.filter((r) => r !== null)).toHaveLength(1);
      expect(results[opened.indexOf(latest)]).not.toBeNull();
      doc.destroy();
    });

    test("open returns every update written since, in order, and the last update id", async () => {
      const meeting = await subject.meeting("");
      const first = await store.open(meeting);
      const doc = docOf(first);
      const ids: number[] = [];
      for (const word of ["one ", "two ", "three"]) {
        const [id] = await store.append([{ noteId: first.noteId, leaseToken: first.leaseToken, update: edit(doc, word) }]);
        ids.push(id!);
      }
      const again = await store.open(meeting);
      expect(again.updates).toHaveLength(4);
      expect(again.lastUpdateId).toBe(ids[2]!);
      expect(textOf(again)).toBe("one two three");
      // Applied one by one, in the order given, each update extends the text as it was typed.
      const replay = new Y.Doc();
      const seen = again.updates.map((u) => (Y.applyUpdate(replay, u), replay.getText(NOTES_TEXT).toString()));
      expect(seen).toEqual(["", "one ", "one two ", "one two three"]);
      replay.destroy();
      doc.destroy();
    });

    test("a new open fences the previous lease token: its appends and compactions are refused", async () => {
      const meeting = await subject.meeting("Fenced");
      const old = await store.open(meeting);
      const oldDoc = docOf(old);
      const current = await store.open(meeting);
      expect(current.leaseToken).toBeGreaterThan(old.leaseToken);
      expect(await store.append([{ noteId: old.noteId, leaseToken: old.leaseToken, update: edit(oldDoc, " stale") }])).toEqual([null]);
      expect(await store.compact(old.noteId, old.leaseToken, Y.encodeStateAsUpdate(oldDoc), "stale", current.lastUpdateId, {})).toBe(false);
      const doc = docOf(current);
      const [id] = await store.append([{ noteId: current.noteId, leaseToken: current.leaseToken, update: edit(doc, " fresh") }]);
      expect(id).toBeGreaterThan(0);
      const reloaded = await store.open(meeting);
      expect(textOf(reloaded)).toBe("Fenced\n fresh");
      expect((await subject.inspect(current.noteId)).text).not.toBe("stale");
      oldDoc.destroy();
      doc.destroy();
    });

    test("append: an empty batch writes nothing; ids grow; each entry answers the last id written for its note in the batch", async () => {
      expect(await store.append([])).toEqual([]);
      const meetingA = await subject.meeting("");
      const a = await store.open(meetingA);
      const b = await store.open(await subject.meeting(""));
      const docA = docOf(a);
      const docB = docOf(b);
      const [before] = await store.append([{ noteId: a.noteId, leaseToken: a.leaseToken, update: edit(docA, "a0") }]);
      const batch = await store.append([
        { noteId: a.noteId, leaseToken: a.leaseToken, update: edit(docA, "a1") },
        { noteId: b.noteId, leaseToken: b.leaseToken, update: edit(docB, "b1") },
        { noteId: a.noteId, leaseToken: a.leaseToken, update: edit(docA, "a2") },
        { noteId: b.noteId, leaseToken: b.leaseToken - 1, update: edit(new Y.Doc(), "stale") },
      ]);
      expect(batch[0]).toBe(batch[2]!);
      expect(batch[0]).toBeGreaterThan(before!);
      expect(batch[1]).toBeGreaterThan(before!);
      expect(batch[1]).not.toBe(batch[0]!);
      const [after] = await store.append([{ noteId: b.noteId, leaseToken: b.leaseToken, update: edit(docB, "b2") }]);
      expect(after).toBeGreaterThan(Math.max(batch[0]!, batch[1]!));
      const reA = await store.open(meetingA);
      expect(textOf(reA)).toBe("a0a1a2");
      expect(reA.lastUpdateId).toBe(batch[0]!);
      docA.destroy();
      docB.destroy();
    });

    test("compact stores the state and the text, drops the updates up to the id, keeps the later ones; a reload reads the same text", async () => {
      const meeting = await subject.meeting("Title");
      const loaded = await store.open(meeting);
      const doc = docOf(loaded);
      const ids: number[] = [];
      for (const word of [" a", " b", " c"]) {
        const [id] = await store.append([{ noteId: loaded.noteId, leaseToken: loaded.leaseToken, update: edit(doc, word) }]);
        ids.push(id!);
      }
      // A snapshot of the first two updates (the room compacts while later ones are being written).
      const reopened = await store.open(meeting);
      const snapshot = new Y.Doc();
      for (const u of reopened.updates.slice(0, 3)) Y.applyUpdate(snapshot, u);
      const text = snapshot.getText(NOTES_TEXT).toString();
      expect(text).toBe("Title\n a b");
      expect(await store.compact(reopened.noteId, reopened.leaseToken, Y.encodeStateAsUpdate(snapshot), text, ids[1]!, reopened.clock)).toBe(true);
      expect(await subject.inspect(loaded.noteId)).toEqual({ text, updates: 1 });
      const afterPartial = await store.open(meeting);
      expect(afterPartial.updates).toHaveLength(2);
      expect(afterPartial.lastUpdateId).toBe(ids[2]!);
      expect(textOf(afterPartial)).toBe("Title\n a b c");

      const full = docOf(afterPartial);
      const fullText = full.getText(NOTES_TEXT).toString();
      expect(await store.compact(afterPartial.noteId, afterPartial.leaseToken, Y.encodeStateAsUpdate(full), fullText, afterPartial.lastUpdateId, afterPartial.clock)).toBe(true);
      expect(await subject.inspect(loaded.noteId)).toEqual({ text: fullText, updates: 0 });
      const reloaded = await store.open(meeting);
      expect(reloaded.updates).toHaveLength(1);
      expect(reloaded.lastUpdateId).toBe(0);
      expect(textOf(reloaded)).toBe("Title\n a b c");
      for (const d of [doc, snapshot, full]) d.destroy();
    });

    test("compactLog folds the rows after one id up to another into the last of them, with their times; the state and later rows stay; a stale token folds nothing", async () => {
      const meeting = await subject.meeting("Fold");
      const loaded = await store.open(meeting);
      const doc = docOf(loaded);
      doc.clientID = 77;
      const ids: number[] = [];
      const updates: Uint8Array[] = [];
      for (const word of [" a", " b", " c", " d"]) {
        const update = edit(doc, word);
        updates.push(update);
        ids.push((await store.append([{ noteId: loaded.noteId, leaseToken: loaded.leaseToken, update }]))[0]!);
      }
      // " b" and " c" become one row, written (as the room saw it) at two known times.
      const times = { "77": [[2, 1_700_000_001_000], [4, 1_700_000_002_000]] as [number, number][] };
      const merged = Y.mergeUpdates([updates[1]!, updates[2]!]);
      const stale = await store.open(meeting);
      expect(await store.compactLog(loaded.noteId, loaded.leaseToken, merged, times, ids[0]!, ids[2]!)).toBe(false);
      expect(await subject.inspect(loaded.noteId)).toEqual({ text: "Fold", updates: 4 });
      const current = await store.open(meeting);
      expect(current.leaseToken).toBeGreaterThan(stale.leaseToken);
      expect(await store.compactLog(current.noteId, current.leaseToken, merged, times, ids[0]!, ids[2]!)).toBe(true);
      // The compacted state untouched (the agenda), three rows: " a", " b c" folded, " d".
      expect(await subject.inspect(loaded.noteId)).toEqual({ text: "Fold", updates: 3 });
      const reloaded = await store.open(meeting);
      expect(reloaded.updates).toHaveLength(4);
      expect(reloaded.updates[2]).toEqual(merged);
      expect(reloaded.lastUpdateId).toBe(ids[3]!);
      expect(textOf(reloaded)).toBe("Fold\n a b c d");
      // The folded row's times stand for its part; the plain rows keep their own (now-ish).
      const runs = reloaded.clock["77"]!;
      expect(runs.map(([clock]) => clock)).toEqual([0, 2, 4, 6]);
      expect(runs[1]![1]).toBe(1_700_000_001_000);
      expect(runs[2]![1]).toBe(1_700_000_002_000);
      expect(runs[3]![1]).toBeGreaterThan(1_700_000_002_000);
      // A full compaction afterwards takes the folded row with the rest.
      const full = docOf(reloaded);
      expect(await store.compact(reloaded.noteId, reloaded.leaseToken, Y.encodeStateAsUpdate(full), full.getText(NOTES_TEXT).toString(), reloaded.lastUpdateId, reloaded.clock)).toBe(true);
      expect(await subject.inspect(loaded.noteId)).toEqual({ text: "Fold\n a b c d", updates: 0 });
      // A fold naming a row that is not there refuses, and deletes nothing.
      const [extra] = await store.append([{ noteId: reloaded.noteId, leaseToken: reloaded.leaseToken, update: edit(doc, " e") }]);
      await expect(store.compactLog(reloaded.noteId, reloaded.leaseToken, merged, {}, 0, extra! + 1_000)).rejects.toThrow(/missing/);
      expect(await subject.inspect(loaded.noteId)).toEqual({ text: "Fold\n a b c d", updates: 1 });
      for (const d of [doc, full]) d.destroy();
    });

    test("the clock: open adds each logged update's time to the compacted clock; compact stores the clock it is given", async () => {
      const meeting = await subject.meeting("");
      const loaded = await store.open(meeting);
      expect(loaded.clock).toEqual({});
      const doc = docOf(loaded);
      doc.clientID = 4242;
      const before = Date.now();
      await store.append([{ noteId: loaded.noteId, leaseToken: loaded.leaseToken, update: edit(doc, "first") }]);
      const after = Date.now();
      const reopened = await store.open(meeting);
      // The logged update's time (its row's created_at, or when the memory store took it).
      const [clock, at] = reopened.clock["4242"]![0]!;
      expect(clock).toBe(0);
      expect(at).toBeGreaterThanOrEqual(before - 1_000);
      expect(at).toBeLessThanOrEqual(after + 1_000);
      // Compacted with a clock: the next open returns exactly it (nothing logged since).
      const kept = { "4242": [[0, 1_700_000_000_000]] as [number, number][], "7": [[3, 1_700_000_005_000]] as [number, number][] };
      const full = docOf(reopened);
      expect(await store.compact(reopened.noteId, reopened.leaseToken, Y.encodeStateAsUpdate(full), full.getText(NOTES_TEXT).toString(), reopened.lastUpdateId, kept)).toBe(true);
      expect((await store.open(meeting)).clock).toEqual(kept);
      for (const d of [doc, full]) d.destroy();
    });

    test("the group-commit writer on top: updates from two rooms typed at once all land, and a fenced room's resolve null", async () => {
      const writer = createNotesWriter(store, { minIntervalMs: 2 });
      const liveMeeting = await subject.meeting("Live");
      const live = await store.open(liveMeeting);
      const fencedMeeting = await subject.meeting("Moved");
      const fenced = await store.open(fencedMeeting);
      await store.open(fencedMeeting);
      const liveDoc = docOf(live);
      const fencedDoc = docOf(fenced);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => [
          writer.append(live.noteId, live.leaseToken, edit(liveDoc, `${i % 10}`)),
          writer.append(fenced.noteId, fenced.leaseToken, edit(fencedDoc, "x")),
        ]).flat(),
      );
      await writer.drain();
      const liveIds = results.filter((_, i) => i % 2 === 0);
      expect(liveIds.every((id) => typeof id === "number" && id > 0)).toBe(true);
      expect(results.filter((_, i) => i % 2 === 1).every((id) => id === null)).toBe(true);
      const reloaded = await store.open(liveMeeting);
      expect(textOf(reloaded)).toBe("Live\n01234567890123456789");
      expect(reloaded.lastUpdateId).toBe(Math.max(...(liveIds as number[])));
      liveDoc.destroy();
      fencedDoc.destroy();
    });
  });
}
