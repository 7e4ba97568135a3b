import type { Logger } from "pino";
import type { NotesStore, NotesWriter } from "../notes/index.ts";
import type { Clock } from "./clock.ts";
import { CLOSE, type Connection, type SocketSink } from "./connection.ts";
import { createNotesSession, type NotesSession } from "./notes-session.ts";
import { createBucket } from "./rate-limit.ts";
import type { RoomMeeting } from "./room-actor.ts";

/** Frames a notes socket may send while its session loads. */
const MAX_EARLY_FRAMES = 100;

export interface RoomNotesDeps {
  store: NotesStore;
  writer: NotesWriter;
  clock: Clock;
  logger: Logger;
  limits: { notesMessagesPerSecond: number; notesBurst: number; notesBytesPerSecond: number; notesBytesBurst: number; notesMaxDocBytes: number };
  /** Runs `task` in the room's mailbox; false once the mailbox is closed. */
  post(task: () => unknown, label: string): boolean;
  /** A newer owner took the notes. */
  onFenced(): void;
  /** The last notes socket is gone. */
  onIdle(): void;
  onUpdateApplied?(): void;
}

/**
 * The room's notes sockets and its notes session, loaded only while someone has the notes open: an
 * idle room holds no Y.Doc, awareness or timer, and a meeting whose notes nobody opened leaves none.
 */
export function createRoomNotes(meeting: RoomMeeting, deps: RoomNotesDeps) {
  const conns = new Map<Connection, { early: Uint8Array[] | null }>();
  let session: NotesSession | null = null;
  let loading: Promise<NotesSession | null> | null = null;
  let closing: Promise<void> | null = null;
  let disposed = false;

  function load(): Promise<NotesSession | null> {
    if (session) return Promise.resolve(session);
    loading ??= (async () => {
      await closing;
      if (disposed) return null;
      const loaded = await deps.store.open(meeting);
      session = createNotesSession(loaded, {
        store: deps.store,
        writer: deps.writer,
        clock: deps.clock,
        maxDocBytes: deps.limits.notesMaxDocBytes,
        // Once the room has closed its mailbox (it is saving), write results are applied at once.
        post: (task, label) => {
          if (!deps.post(task, label)) task();
        },
        onFenced: deps.onFenced,
        onUpdateApplied: deps.onUpdateApplied,
        onError: (err, what) => deps.logger.error({ err }, what),
      });
      return session;
    })().finally(() => {
      loading = null;
    });
    return loading;
  }

  /** Saves and frees the session once nobody has the notes open. */
  function releaseIfUnused() {
    if (conns.size > 0 || !session) return;
    const s = session;
    session = null;
    closing = s
      .dispose()
      .catch((err) => deps.logger.error({ err }, "saving the notes failed"))
      .finally(() => {
        closing = null;
      });
  }

  return {
    get connectionCount() {
      return conns.size;
    },
    text: () => session?.text() ?? null,

    attach(conn: Connection): SocketSink {
      const entry: { early: Uint8Array[] | null } = { early: [] };
      conns.set(conn, entry);
      load().then(
        (s) =>
          deps.post(() => {
            if (!s || conns.get(conn) !== entry) return;
            // The session may have been released and reloaded meanwhile: use the current one.
            const current = session ?? s;
            current.attach(conn);
            const early = entry.early ?? [];
            entry.early = null;
            for (const frame of early) current.receive(conn, frame);
          }, "notes ready"),
        (err) => {
          deps.logger.error({ err }, "loading the notes failed");
          conn.close(CLOSE.SERVER_ERROR, "Notes could not be loaded; reconnecting");
        },
      );
      const bucket = createBucket(deps.clock, deps.limits.notesMessagesPerSecond, deps.limits.notesBurst);
      const bytes = createBucket(deps.clock, deps.limits.notesBytesPerSecond, deps.limits.notesBytesBurst);
      return {
        frame: (data) => {
          if (!bucket.take()) return conn.close(CLOSE.RATE_LIMITED, "Too many notes updates");
          if (typeof data === "string") return conn.close(CLOSE.BAD_REQUEST, "Notes frames are binary");
          // A flood of large updates is refused before it is written or relayed to anyone.
          if (!bytes.take(data.byteLength)) return conn.close(CLOSE.RATE_LIMITED, "Notes are arriving faster than they can be saved");
          deps.post(() => {
            if (entry.early) {
              if (entry.early.length >= MAX_EARLY_FRAMES) return conn.close(CLOSE.RATE_LIMITED, "Too many notes updates");
              entry.early.push(data);
            } else session?.receive(conn, data);
          }, "notes frame");
        },
        closed: () =>
          deps.post(() => {
            if (conns.get(conn) !== entry) return;
            conns.delete(conn);
            session?.detach(conn);
            releaseIfUnused();
            if (conns.size === 0) deps.onIdle();
          }, "notes closed"),
      };
    },

    /** Closes every notes socket with `code`; their close events are not needed afterwards. */
    closeAll(code: number, reason: string) {
      for (const conn of conns.keys()) conn.close(code, reason);
      conns.clear();
    },

    async dispose() {
      disposed = true;
      await loading?.catch(() => null);
      const s = session;
      session = null;
      await s?.dispose();
      await closing;
    },
  };
}

export type RoomNotes = ReturnType<typeof createRoomNotes>;
