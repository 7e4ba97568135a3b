import { mergeRuns, recordUpdate, type ClockRuns } from "./clock.ts";
import { seedNotes, type LoadedNotes, type NotesStore } from "./store.ts";

/**
 * In-memory NotesStore for unit tests of rooms; same rules as the database one, held to them by
 * tests/integration/notes/contract.test.ts. `failNextAppend` makes the next append throw, as a
 * database outage would.
 */
export function createMemoryNotesStore() {
  interface Row {
    id: string;
    meetingId: string;
    ydoc: Uint8Array;
    text: string;
    leaseToken: number;
    clock: ClockRuns;
    updates: { id: number; update: Uint8Array; at: number; clock?: ClockRuns }[];
  }
  const rows = new Map<string, Row>();
  let nextUpdateId = 1;
  const byMeeting = (meetingId: string) => [...rows.values()].find((r) => r.meetingId === meetingId);

  const store: NotesStore & { rows: Map<string, Row>; failNextAppend?: boolean } = {
    rows,
    async open(meeting): Promise<LoadedNotes> {
      let row = byMeeting(meeting.id);
      if (!row) {
        row = { id: crypto.randomUUID(), meetingId: meeting.id, ydoc: seedNotes(meeting.agenda), text: meeting.agenda, leaseToken: 0, clock: {}, updates: [] };
        rows.set(row.id, row);
      }
      row.leaseToken++;
      return {
        noteId: row.id,
        leaseToken: row.leaseToken,
        updates: [row.ydoc, ...row.updates.map((u) => u.update)],
        lastUpdateId: row.updates.at(-1)?.id ?? 0,
        clock: row.updates.reduce((runs, u) => (u.clock ? mergeRuns(runs, u.clock) : recordUpdate(runs, u.update, u.at), runs), structuredClone(row.clock)),
      };
    },
    async append(entries) {
      if (store.failNextAppend) {
        store.failNextAppend = false;
        throw new Error("database unavailable");
      }
      // As the database store: every accepted entry answers the last id written for its note in
      // this batch, not its own.
      const lastId = new Map<string, number>();
      for (const e of entries) {
        const row = rows.get(e.noteId);
        if (!row || row.leaseToken !== e.leaseToken) continue;
        const id = nextUpdateId++;
        row.updates.push({ id, update: e.update, at: Date.now() });
        lastId.set(e.noteId, id);
      }
      return entries.map((e) => (rows.get(e.noteId)?.leaseToken === e.leaseToken ? (lastId.get(e.noteId) ?? null) : null));
    },
    async compact(noteId, leaseToken, state, text, upToId, clock) {
      const row = rows.get(noteId);
      if (!row || row.leaseToken !== leaseToken) return false;
      row.ydoc = state;
      row.text = text;
      row.clock = structuredClone(clock);
      row.updates = row.updates.filter((u) => u.id > upToId);
      return true;
    },
    async compactLog(noteId, leaseToken, merged, clock, afterId, upToId) {
      const row = rows.get(noteId);
      if (!row || row.leaseToken !== leaseToken) return false;
      const kept = row.updates.find((u) => u.id === upToId);
      if (!kept) throw new Error(`note update ${upToId} of note ${noteId} is missing`);
      kept.update = merged;
      kept.clock = structuredClone(clock);
      row.updates = row.updates.filter((u) => u.id <= afterId || u.id >= upToId);
      return true;
    },
  };
  return store;
}
