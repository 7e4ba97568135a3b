import { describe, expect, test } from "bun:test";
import * as Y from "yjs";
import type { NotesStore } from "./store.ts";
import { createNotesWriter } from "./writer.ts";

/** A store that records each append and answers when told to. */
function recordingStore() {
  const calls: { noteId: string; leaseToken: number; update: Uint8Array }[][] = [];
  const gates: (() => void)[] = [];
  let nextId = 1;
  const store = {
    async append(entries: { noteId: string; leaseToken: number; update: Uint8Array }[]) {
      calls.push(entries);
      await new Promise<void>((resolve) => gates.push(resolve));
      return entries.map(() => nextId++);
    },
  } as unknown as NotesStore;
  return { store, calls, release: () => gates.splice(0).forEach((g) => g()) };
}

function edits(n: number) {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on("update", (u: Uint8Array) => updates.push(u));
  for (let i = 0; i < n; i++) doc.getText("notes").insert(i, String(i % 10));
  return { doc, updates };
}

describe("NotesWriter", () => {
  test("an idle writer writes at once; what arrives during a write goes in the next, one merged row per note", async () => {
    const { store, calls, release } = recordingStore();
    const writer = createNotesWriter(store);
    const a = edits(4);
    const b = edits(2);
    const first = writer.append("note-a", 1, a.updates[0]!);
    await new Promise((r) => setTimeout(r, 1));
    expect(calls).toHaveLength(1); // No gathering window.
    const more = [
      writer.append("note-a", 1, a.updates[1]!),
      writer.append("note-b", 1, b.updates[0]!),
      writer.append("note-a", 1, a.updates[2]!),
      writer.append("note-b", 1, b.updates[1]!),
      writer.append("note-a", 1, a.updates[3]!),
    ];
    release();
    expect(await first).toBe(1);
    await new Promise((r) => setTimeout(r, 1));
    // Five updates of two notes: two rows, each note's updates merged in order.
    expect(calls).toHaveLength(2);
    expect(calls[1]!.map((e) => e.noteId)).toEqual(["note-a", "note-b"]);
    const merged = new Y.Doc();
    Y.applyUpdate(merged, a.updates[0]!);
    Y.applyUpdate(merged, calls[1]![0]!.update);
    expect(merged.getText("notes").toString()).toBe(a.doc.getText("notes").toString());
    release();
    // Every update of a row resolves with that row's id.
    expect(await Promise.all(more)).toEqual([2, 3, 2, 3, 2]);
    await writer.drain();
    expect(writer.stats()).toMatchObject({ batches: 2, rows: 3, queued: 0 });
  });

  test("one note under two fencing tokens stays two rows (the store refuses the stale one)", async () => {
    const { store, calls, release } = recordingStore();
    const writer = createNotesWriter(store);
    const { updates } = edits(3);
    const blocker = writer.append("note-x", 1, updates[0]!);
    await new Promise((r) => setTimeout(r, 1));
    const stale = writer.append("note-a", 1, updates[1]!);
    const current = writer.append("note-a", 2, updates[2]!);
    release();
    await blocker;
    await new Promise((r) => setTimeout(r, 1));
    expect(calls[1]!.map((e) => [e.noteId, e.leaseToken])).toEqual([
      ["note-a", 1],
      ["note-a", 2],
    ]);
    release();
    await Promise.all([stale, current]);
  });
});
