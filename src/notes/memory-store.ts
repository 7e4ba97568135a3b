import * as Y from "yjs";
import { NOTES_TEXT, type LoadedNotes, type NotesStore } from "./store.ts";

/** In-memory NotesStore for unit tests of rooms; same rules as the database one. */
export function createMemoryNotesStore() {
  interface Row {
    id: string;
    meetingId: string;
    ydoc: Uint8Array;
    text: string;
    leaseToken: number;
    updates: { id: number; update: Uint8Array }[];
  }
  const rows = new Map<string, Row>();
  let nextUpdateId = 1;
  const byMeeting = (meetingId: string) => [...rows.values()].find((r) => r.meetingId === meetingId);

  const store: NotesStore & { rows: Map<string, Row>; failNextAppend?: boolean } = {
    rows,
    async open(meeting): Promise<LoadedNotes> {
      let row = byMeeting(meeting.id);
      if (!row) {
        const doc = new Y.Doc();
        if (meeting.agenda) doc.getText(NOTES_TEXT).insert(0, `${meeting.agenda}\n`);
        row = { id: crypto.randomUUID(), meetingId: meeting.id, ydoc: Y.encodeStateAsUpdate(doc), text: meeting.agenda, leaseToken: 0, updates: [] };
        doc.destroy();
        rows.set(row.id, row);
      }
      row.leaseToken++;
      return {
        noteId: row.id,
        leaseToken: row.leaseToken,
        updates: [row.ydoc, ...row.updates.map((u) => u.update)],
        lastUpdateId: row.updates.at(-1)?.id ?? 0,
      };
    },
    async append(entries) {
      if (store.failNextAppend) {
        store.failNextAppend = false;
        throw new Error("database unavailable");
      }
      return entries.map((e) => {
        const row = rows.get(e.noteId);
        if (!row || row.leaseToken !== e.leaseToken) return null;
        const id = nextUpdateId++;
        row.updates.push({ id, update: e.update });
        return id;
      });
    },
    async compact(noteId, leaseToken, state, text, upToId) {
      const row = rows.get(noteId);
      if (!row || row.leaseToken !== leaseToken) return false;
      row.ydoc = state;
      row.text = text;
      row.updates = row.updates.filter((u) => u.id > upToId);
      return true;
    },
  };
  return store;
}
