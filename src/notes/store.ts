import { and, asc, eq, gt, lt, lte, sql } from "drizzle-orm";
import * as Y from "yjs";
import { executePrepared, schema, type Db } from "../db/index.ts";
import { mergeRuns, recordUpdate, type ClockRuns } from "./clock.ts";

const { notes, noteUpdates } = schema;

/** The name of the shared Y.Text holding the notes (Markdown). */
export const NOTES_TEXT = "notes";

export interface LoadedNotes {
  noteId: string;
  /** Fencing token this owner writes under; a later open of the same notes increments it. */
  leaseToken: number;
  /** The compacted state followed by every update appended since, in order. */
  updates: Uint8Array[];
  /** Id of the last update row included; compaction may delete up to it. */
  lastUpdateId: number;
  /** When each part was first written: as of the last compaction, with the logged updates' times added. */
  clock: ClockRuns;
}

export interface NotesStore {
  /**
   * Opens a meeting's notes for a live room: creates them seeded from the agenda the first time,
   * takes the next fencing token (so any earlier owner can write no more), and returns everything
   * written so far.
   */
  open(meeting: { id: string; title: string; agenda: string }): Promise<LoadedNotes>;
  /**
   * Appends updates of several notes in one statement (group commit). Each entry is written only if
   * its note is still fenced by its token; the result says, per entry, the last row id written for
   * its note in this batch (so at least its own), or null when fenced out.
   */
  append(entries: { noteId: string; leaseToken: number; update: Uint8Array }[]): Promise<(number | null)[]>;
  /** Replaces the compacted state (and its clock) and drops the updates it includes. False when fenced out. */
  compact(noteId: string, leaseToken: number, state: Uint8Array, text: string, upToId: number, clock: ClockRuns): Promise<boolean>;
  /**
   * A partial compaction: the log rows after `afterId` up to `upToId` become one, the row `upToId`,
   * holding `merged` (their updates merged) and `clock` (when each part of it was written). The
   * compacted state is left alone, so the cost is that of what was typed since, not of the whole
   * document. False when fenced out.
   */
  compactLog(noteId: string, leaseToken: number, merged: Uint8Array, clock: ClockRuns, afterId: number, upToId: number): Promise<boolean>;
}

/** A new meeting's notes document: its agenda, ending with a line break. */
export function seedNotes(agenda: string): Uint8Array {
  const doc = new Y.Doc();
  if (agenda) doc.getText(NOTES_TEXT).insert(0, agenda.endsWith("\n") ? agenda : `${agenda}\n`);
  const state = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return state;
}

export interface NotesStoreOptions {
  /**
   * VACUUM (ANALYZE) the notes tables once compactions have deleted this many update rows; null:
   * never. For PGlite, which runs Postgres in single-user mode with no autovacuum: without it every
   * row ever typed stays in the folder as a dead tuple, and the planner never gets statistics.
   * Postgres's own autovacuum does this for a server.
   */
  vacuumAfterDeletedRows?: number | null;
}

/** What the rooms use on PGlite: a meeting of five typing steadily reaches it every ~15 minutes. */
export const EMBEDDED_VACUUM_AFTER_DELETED_ROWS = 20_000;

export function createNotesStore(db: Db, { vacuumAfterDeletedRows = null }: NotesStoreOptions = {}): NotesStore {
  let deletedSinceVacuum = 0;
  /** PGlite answers a delete with { affectedRows }, postgres.js with a list that has `count`. */
  const countDeleted = (result: unknown) => {
    const counted = result as { affectedRows?: number; count?: number };
    deletedSinceVacuum += counted.affectedRows ?? counted.count ?? 0;
  };
  async function vacuumIfDue() {
    if (vacuumAfterDeletedRows === null || deletedSinceVacuum < vacuumAfterDeletedRows) return;
    deletedSinceVacuum = 0;
    // Outside the transaction (VACUUM refuses to run in one); the caller's turn in the writer's
    // background queue covers it, so it never runs beside a compaction.
    await db.execute(sql`vacuum (analyze) ${noteUpdates}, ${notes}`);
  }
  return {
    async open(meeting) {
      await db
        .insert(notes)
        .values({ meetingId: meeting.id, title: `${meeting.title} — notes`.slice(0, 200), ydoc: seedNotes(meeting.agenda), text: meeting.agenda })
        .onConflictDoNothing({ target: notes.meetingId });
      return db.transaction(async (tx) => {
        // Taking the next token takes the row lock: an old owner's append in flight finishes first,
        // so what we read below includes it, and it can append nothing after.
        const [claimed] = await tx
          .update(notes)
          .set({ leaseToken: sql`${notes.leaseToken} + 1` })
          .where(eq(notes.meetingId, meeting.id))
          .returning({ id: notes.id, ydoc: notes.ydoc, leaseToken: notes.leaseToken, clock: notes.clock });
        if (!claimed) throw new Error(`notes of meeting ${meeting.id} vanished while opening`);
        const rows = await tx
          .select({ id: noteUpdates.id, update: noteUpdates.update, clock: noteUpdates.clock, createdAt: noteUpdates.createdAt })
          .from(noteUpdates)
          .where(eq(noteUpdates.noteId, claimed.id))
          .orderBy(asc(noteUpdates.id));
        return {
          noteId: claimed.id,
          leaseToken: claimed.leaseToken,
          updates: [...(claimed.ydoc ? [claimed.ydoc] : []), ...rows.map((r) => r.update)],
          lastUpdateId: rows.at(-1)?.id ?? 0,
          clock: withLoggedTimes(claimed.clock, rows),
        };
      });
    },

    async append(entries) {
      if (entries.length === 0) return [];
      // One statement (one round trip, its own transaction): only notes still fenced by the
      // writer's token take rows. FOR SHARE makes a new owner's token bump wait for this insert to
      // commit, and makes this insert see that bump if it came first (re-checked after the wait).
      // The rows go in as three array parameters, so the statement's text is the same for every
      // batch: prepared once per connection on Postgres (a VALUES list of n rows was a new
      // statement per batch size, and building it cost the server more than the insert).
      const noteIds = entries.map((e) => e.noteId);
      const tokens = entries.map((e) => String(e.leaseToken));
      const updates = entries.map((e) => Buffer.from(e.update.buffer, e.update.byteOffset, e.update.byteLength).toString("hex"));
      const result = await executePrepared<{ id: number | string; note_id: string }>(db, "notes_append", sql`
        insert into ${noteUpdates} (note_id, update)
        select n.id, decode(v.update, 'hex')
        from unnest(${sql.param(noteIds)}::uuid[], ${sql.param(tokens)}::bigint[], ${sql.param(updates)}::text[])
          with ordinality as v(note_id, lease_token, update, ord)
        join ${notes} n on n.id = v.note_id and n.lease_token = v.lease_token
        order by v.ord
        for share of n
        returning id, note_id`);
      const rows = Array.isArray(result) ? result : result.rows;
      // Each accepted update resolves with the last row id written for its note in this batch:
      // compaction only needs to know how far the log goes.
      const lastId = new Map<string, number>();
      for (const row of rows) lastId.set(row.note_id, Math.max(lastId.get(row.note_id) ?? 0, Number(row.id)));
      // Rows do not say which token let them in, but only the note's current token can, and tokens
      // only grow: it is the highest one in the batch for that note. A stale entry batched beside
      // the current owner's (a room reopened on this node) is refused, not acknowledged.
      const topToken = new Map<string, number>();
      for (const e of entries) topToken.set(e.noteId, Math.max(topToken.get(e.noteId) ?? e.leaseToken, e.leaseToken));
      return entries.map((e) => (e.leaseToken === topToken.get(e.noteId) ? (lastId.get(e.noteId) ?? null) : null));
    },

    async compact(noteId, leaseToken, state, text, upToId, clock) {
      const compacted = await db.transaction(async (tx) => {
        const [row] = await tx
          .update(notes)
          .set({ ydoc: state, text, clock, updatedAt: new Date() })
          .where(and(eq(notes.id, noteId), eq(notes.leaseToken, leaseToken)))
          .returning({ id: notes.id });
        if (!row) return false;
        countDeleted(await tx.delete(noteUpdates).where(and(eq(noteUpdates.noteId, noteId), lte(noteUpdates.id, upToId))));
        return true;
      });
      await vacuumIfDue();
      return compacted;
    },

    async compactLog(noteId, leaseToken, merged, clock, afterId, upToId) {
      const compacted = await db.transaction(async (tx) => {
        // The fence, as an append checks it: a new owner's token bump waits for this to commit.
        const [owned] = await tx
          .select({ id: notes.id })
          .from(notes)
          .where(and(eq(notes.id, noteId), eq(notes.leaseToken, leaseToken)))
          .for("share");
        if (!owned) return false;
        const [kept] = await tx
          .update(noteUpdates)
          .set({ update: merged, clock })
          .where(and(eq(noteUpdates.noteId, noteId), eq(noteUpdates.id, upToId)))
          .returning({ id: noteUpdates.id });
        // Only this owner writes rows under its token, and none is deleted but by it: a missing row
        // means the caller's ids are wrong, and deleting the others would lose what they hold.
        if (!kept) throw new Error(`note update ${upToId} of note ${noteId} is missing`);
        countDeleted(await tx.delete(noteUpdates).where(and(eq(noteUpdates.noteId, noteId), gt(noteUpdates.id, afterId), lt(noteUpdates.id, upToId))));
        return true;
      });
      await vacuumIfDue();
      return compacted;
    },
  };
}

/** The compacted clock with the times of the updates logged since (each row's created_at). */
function withLoggedTimes(compacted: ClockRuns | null, rows: { update: Uint8Array; clock: ClockRuns | null; createdAt: Date }[]): ClockRuns {
  const runs: ClockRuns = structuredClone(compacted ?? {});
  for (const row of rows) {
    // A row folding several updates carries their times; a plain one was written at created_at.
    if (row.clock) {
      mergeRuns(runs, row.clock);
      continue;
    }
    try {
      recordUpdate(runs, row.update, row.createdAt.getTime());
    } catch {
      // A row that does not decode carries no time; the document loader reports it.
    }
  }
  return runs;
}

/**
 * A meeting's notes as they are durably, without taking the live room's fence: the document (the
 * compacted state and every update logged since) and when each part was written. Null when the
 * meeting has no notes.
 */
export async function readNotesWithClock(db: Db, meetingId: string): Promise<{ noteId: string; doc: Y.Doc; clock: ClockRuns } | null> {
  // One snapshot for both reads: a compaction committing between them would fold updates into the
  // row after it was read and delete them before they were (an edit just made, missing).
  const read = await db.transaction(
    async (tx) => {
      const [note] = await tx.select({ id: notes.id, ydoc: notes.ydoc, clock: notes.clock }).from(notes).where(eq(notes.meetingId, meetingId));
      if (!note) return null;
      const rows = await tx
        .select({ update: noteUpdates.update, clock: noteUpdates.clock, createdAt: noteUpdates.createdAt })
        .from(noteUpdates)
        .where(eq(noteUpdates.noteId, note.id))
        .orderBy(asc(noteUpdates.id));
      return { note, rows };
    },
    { isolationLevel: "repeatable read", accessMode: "read only" },
  );
  if (!read) return null;
  const { note, rows } = read;
  const doc = new Y.Doc();
  for (const update of [...(note.ydoc ? [note.ydoc] : []), ...rows.map((r) => r.update)]) {
    try {
      Y.applyUpdate(doc, update);
    } catch {
      // As the room does: a broken row is skipped.
    }
  }
  return { noteId: note.id, doc, clock: withLoggedTimes(note.clock, rows) };
}
