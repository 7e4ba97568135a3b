import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as awarenessProtocol from "y-protocols/awareness";
import * as Y from "yjs";
import type { LoadedNotes, NotesStore, NotesWriter } from "../notes/index.ts";
import { recordUpdate, type ClockRuns } from "../notes/clock.ts";
import { NOTES_TEXT } from "../notes/index.ts";
import type { Clock } from "./clock.ts";
import { CLOSE, type Connection } from "./connection.ts";
import { filterAwarenessUpdate } from "./notes-awareness.ts";
import { MAX_NOTES_UPDATE } from "./protocol.ts";

// y-websocket's message types.
const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const MESSAGE_QUERY_AWARENESS = 3;
const SYNC_STEP1 = 0;
const SYNC_STEP2 = 1;
const SYNC_UPDATE = 2;

export const COMPACT_DEBOUNCE_MS = 2_000;
/** Y.encodeStateAsUpdate of an empty document (no structs, no deletions). */
const EMPTY_UPDATE_BYTES = 2;
export const COMPACT_MAX_DELAY_MS = 10_000;
/** While typing never pauses, every this many folds of the log the whole document is written. */
export const FOLDS_BETWEEN_FULL = 5;

export interface NotesSessionDeps {
  store: NotesStore;
  writer: NotesWriter;
  clock: Clock;
  /** The largest the document may grow (its encoded state, in bytes); updates past it are refused. */
  maxDocBytes: number;
  /**
   * Runs the result of a durable write in the room's mailbox, like every other change to the room;
   * after the room has closed its mailbox (while it saves), right away.
   */
  post(task: () => void, label: string): void;
  /** A newer owner took the notes: this session may write no more. */
  onFenced(): void;
  onUpdateApplied?(): void;
  onError?(err: unknown, what: string): void;
}

class BadFrame extends Error {}
class DocumentFull extends Error {}

/**
 * The live notes of one room: a Y.Doc holding only what is durable, y-websocket's sync and
 * awareness protocols, and compaction into the notes row. An update is appended to note_updates
 * (group commit) before it is applied and relayed, so anything another client has seen survives
 * a crash.
 */
export function createNotesSession(loaded: LoadedNotes, deps: NotesSessionDeps) {
  const { noteId, leaseToken } = loaded;
  const doc = new Y.Doc();
  const text = doc.getText(NOTES_TEXT);
  for (const update of loaded.updates) {
    try {
      Y.applyUpdate(doc, update);
    } catch (err) {
      // Updates are decoded before they are written, so this should not happen; if one slipped
      // through, the notes still open without it.
      deps.onError?.(err, "apply a stored notes update");
    }
  }
  /**
   * The document's size, counted without encoding it on every keystroke: exact after load and after
   * each compaction, and in between the sum of what was applied (an upper bound: deletions shrink
   * nothing here). `pendingBytes` are updates being written, counted so a burst cannot slip past.
   */
  let docBytes = Y.encodeStateAsUpdate(doc).byteLength;
  let pendingBytes = 0;
  let lastUpdateId = loaded.lastUpdateId;
  /** When each part of the document became durable (saved with each compaction). */
  const clockRuns = loaded.clock;
  let compactedUpTo = loaded.lastUpdateId;
  const awareness = new awarenessProtocol.Awareness(doc);
  awareness.setLocalState(null);
  /** Each connection and the awareness client ids it controls. */
  const conns = new Map<Connection, Set<number>>();
  const inFlight = new Set<Promise<unknown>>();
  let fenced = false;
  let closing = false;
  let disposed = false;
  let debounceTimer: unknown = null;
  let lastChangeAt = 0;
  /** The updates applied since the last compaction (for a fold). */
  let sinceCompaction: Uint8Array[] = [];
  /** How many runs each client had in `clockRuns` at the last compaction: a fold stores the ones after. */
  let clockMarks = runCounts(clockRuns);
  let foldsSinceFull = 0;
  /** A compaction failed: the rows after the last one may hold updates no longer in `sinceCompaction`. */
  let needsFull = false;
  let maxDelayTimer: unknown = null;
  let compacting: Promise<void> | null = null;

  const syncMessage = (sub: number, payload: Uint8Array) => {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, MESSAGE_SYNC);
    encoding.writeVarUint(e, sub);
    encoding.writeVarUint8Array(e, payload);
    return encoding.toUint8Array(e);
  };
  const awarenessMessage = (clients: number[]) => {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, MESSAGE_AWARENESS);
    encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(awareness, clients));
    return encoding.toUint8Array(e);
  };

  doc.on("update", (update: Uint8Array, origin: unknown) => {
    const message = syncMessage(SYNC_UPDATE, update);
    for (const conn of conns.keys()) if (conn !== origin) conn.send(message);
  });

  awareness.on("update", ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
    const owned = conns.get(origin as Connection);
    if (owned) {
      // Only ids this socket may touch get here (see receiveAwareness), so they are its own now.
      for (const id of added) owned.add(id);
      for (const id of updated) owned.add(id);
      for (const id of removed) owned.delete(id);
    }
    const changed = [...added, ...updated, ...removed];
    if (changed.length === 0) return;
    const message = awarenessMessage(changed);
    for (const conn of conns.keys()) conn.send(message);
  });

  /**
   * Compacts once the notes have been quiet for COMPACT_DEBOUNCE_MS, or COMPACT_MAX_DELAY_MS after
   * the first update since the last compaction. Each update only moves `lastChangeAt`: the quiet
   * timer, when it fires early, sets itself again for what is left (clearing and setting a timer on
   * every keystroke of every room cost more than the check).
   */
  function scheduleCompaction() {
    if (disposed) return;
    lastChangeAt = deps.clock.now();
    if (debounceTimer === null) armDebounce(COMPACT_DEBOUNCE_MS);
    // While typing goes on, the log is folded (cheap) and the whole document written every few times.
    maxDelayTimer ??= deps.clock.setTimeout(() => void compact(foldsSinceFull < FOLDS_BETWEEN_FULL ? "fold" : "full"), COMPACT_MAX_DELAY_MS);
  }

  function armDebounce(ms: number) {
    debounceTimer = deps.clock.setTimeout(() => {
      debounceTimer = null;
      const left = lastChangeAt + COMPACT_DEBOUNCE_MS - deps.clock.now();
      if (left > 0) armDebounce(left);
      else void compact();
    }, ms);
  }

  function clearCompactionTimers() {
    if (debounceTimer !== null) deps.clock.clearTimeout(debounceTimer);
    if (maxDelayTimer !== null) deps.clock.clearTimeout(maxDelayTimer);
    debounceTimer = maxDelayTimer = null;
  }

  /**
   * "full": writes the doc's state into the notes row and drops the updates it now holds. "fold":
   * merges the updates applied since the last compaction into one log row in place of theirs — the
   * cost of what was typed since, where a full one rewrites the whole document (on PGlite 6–9 ms for
   * a 50 KB document, all of it on the thread that relays, against ~1 ms).
   */
  function compact(kind: "full" | "fold" = "full"): Promise<void> {
    clearCompactionTimers();
    if (fenced || lastUpdateId === compactedUpTo) return compacting ?? Promise.resolve();
    const run = async () => {
      if (compacting) await compacting;
      try {
        // One compaction of this process at a time (the writer's background queue); what it writes
        // is taken when its turn comes, so it holds everything applied up to then.
        await deps.writer.background(async () => {
          const upTo = lastUpdateId;
          if (fenced || upTo === compactedUpTo) return;
          const afterId = compactedUpTo;
          const parts = sinceCompaction;
          const partsClock = runsSince(clockRuns, clockMarks);
          sinceCompaction = [];
          clockMarks = runCounts(clockRuns);
          // A fold covers exactly the rows after the last compaction: after a failed one, only a
          // full compaction knows what those rows held.
          const fold = kind === "fold" && !needsFull && parts.length > 0;
          let ok: boolean;
          try {
            if (fold) {
              ok = await deps.store.compactLog(noteId, leaseToken, parts.length === 1 ? parts[0]! : Y.mergeUpdates(parts), partsClock, afterId, upTo);
            } else {
              const state = Y.encodeStateAsUpdate(doc);
              docBytes = state.byteLength;
              ok = await deps.store.compact(noteId, leaseToken, state, text.toString(), upTo, structuredClone(clockRuns));
            }
          } catch (err) {
            needsFull = true;
            throw err;
          }
          if (!ok) return fence();
          compactedUpTo = upTo;
          if (fold) foldsSinceFull++;
          else {
            foldsSinceFull = 0;
            needsFull = false;
          }
        });
      } catch (err) {
        deps.onError?.(err, "compact notes");
        if (!disposed) scheduleCompaction();
      }
    };
    const p = run().finally(() => {
      if (compacting === p) compacting = null;
    });
    compacting = p;
    return p;
  }

  function fence() {
    if (fenced) return;
    fenced = true;
    deps.onFenced();
  }

  function persist(conn: Connection, update: Uint8Array) {
    // Refuse what does not decode before it reaches the log: a broken update written durably would
    // haunt every later load. (Decoding reads every struct and its content; applying it to a scratch
    // document as well would cost twenty times more per keystroke.)
    // The cap is checked before decoding, which costs milliseconds on a large update. (The empty
    // update every provider sends on connect is 2 bytes: it must never be refused.)
    const size = update.byteLength;
    if (size > EMPTY_UPDATE_BYTES && docBytes + pendingBytes + size > deps.maxDocBytes) throw new DocumentFull();
    let decoded: ReturnType<typeof Y.decodeUpdate>;
    try {
      decoded = Y.decodeUpdate(update);
    } catch {
      throw new BadFrame("undecodable update");
    }
    // The provider answers our sync step 1 with an empty update on every connect: nothing to keep.
    if (decoded.structs.length === 0 && decoded.ds.clients.size === 0) return;
    pendingBytes += size;
    // The write runs outside the room's mailbox; its result comes back through it. Writes complete
    // in the order they were made (group commit), and the mailbox keeps that order.
    const p = deps.writer.append(noteId, leaseToken, update).then(
      (id) =>
        new Promise<void>((resolve) =>
          deps.post(() => {
            resolve();
            pendingBytes -= size;
            if (id === null) return fence();
            if (disposed) return;
            try {
              Y.applyUpdate(doc, update, conn);
            } catch (err) {
              deps.onError?.(err, "apply a notes update");
              return;
            }
            docBytes += size;
            lastUpdateId = Math.max(lastUpdateId, id);
            recordUpdate(clockRuns, decoded, deps.clock.now());
            sinceCompaction.push(update);
            deps.onUpdateApplied?.();
            scheduleCompaction();
          }, "notes update saved"),
        ),
      (err) =>
        deps.post(() => {
          pendingBytes -= size;
          deps.onError?.(err, "append notes update");
          // Not durable, so not acknowledged: the client keeps it and sends it again on reconnect.
          conn.close(CLOSE.SERVER_ERROR, "Notes could not be saved; reconnecting");
        }, "notes update failed"),
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }

  /** Applies the entries of an awareness update that `conn` may set; the rest are dropped, not relayed. */
  function receiveAwareness(conn: Connection, update: Uint8Array) {
    const own = conns.get(conn)!;
    const mayTouch = (id: number) => {
      if (own.has(id)) return true;
      for (const [other, ids] of conns) if (other !== conn && ids.has(id)) return false;
      return true;
    };
    let allowed: Uint8Array | null;
    try {
      allowed = filterAwarenessUpdate(update, mayTouch);
    } catch {
      throw new BadFrame("bad awareness update");
    }
    if (allowed) awarenessProtocol.applyAwarenessUpdate(awareness, allowed, conn);
  }

  function handle(conn: Connection, data: Uint8Array) {
    const decoder = decoding.createDecoder(data);
    const type = decoding.readVarUint(decoder);
    if (type === MESSAGE_SYNC) {
      const sub = decoding.readVarUint(decoder);
      const payload = decoding.readVarUint8Array(decoder);
      if (sub === SYNC_STEP1) {
        let diff: Uint8Array;
        try {
          diff = Y.encodeStateAsUpdate(doc, payload);
        } catch {
          throw new BadFrame("bad state vector");
        }
        conn.send(syncMessage(SYNC_STEP2, diff));
      } else if (sub === SYNC_STEP2 || sub === SYNC_UPDATE) {
        persist(conn, payload);
      } else {
        throw new BadFrame("unknown sync message");
      }
    } else if (type === MESSAGE_AWARENESS) {
      receiveAwareness(conn, decoding.readVarUint8Array(decoder));
    } else if (type === MESSAGE_QUERY_AWARENESS) {
      conn.send(awarenessMessage([...awareness.getStates().keys()]));
    } else {
      throw new BadFrame("unknown message type");
    }
  }

  return {
    noteId,
    leaseToken,
    get connectionCount() {
      return conns.size;
    },
    text: () => text.toString(),

    attach(conn: Connection) {
      conns.set(conn, new Set());
      // As y-websocket's server does: our state vector first, so the client sends what we lack.
      conn.send(syncMessage(SYNC_STEP1, Y.encodeStateVector(doc)));
      if (awareness.getStates().size > 0) conn.send(awarenessMessage([...awareness.getStates().keys()]));
    },

    /** One binary frame from `conn`. A frame that does not decode closes that socket only. */
    receive(conn: Connection, data: Uint8Array) {
      if (!conns.has(conn) || closing) return;
      if (data.byteLength > MAX_NOTES_UPDATE) {
        conn.close(CLOSE.TOO_LARGE, "Notes update over 1 MB");
        return;
      }
      try {
        handle(conn, data);
      } catch (err) {
        if (err instanceof DocumentFull) return conn.close(CLOSE.TOO_LARGE, `The notes are full (${Math.round(deps.maxDocBytes / 1024 / 1024)} MB)`);
        // lib0 throws plain Errors on truncated input; either way the frame is bad.
        conn.close(CLOSE.BAD_REQUEST, "Malformed notes frame");
      }
    },

    detach(conn: Connection) {
      const owned = conns.get(conn);
      conns.delete(conn);
      if (owned && owned.size > 0) awarenessProtocol.removeAwarenessStates(awareness, [...owned], null);
    },

    /** Lets every in-flight append land, compacts once more, and frees the doc and awareness. */
    async dispose() {
      if (closing) return;
      closing = true;
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      disposed = true;
      await compact();
      clearCompactionTimers();
      awareness.destroy();
      doc.destroy();
      conns.clear();
    },
  };
}

export type NotesSession = ReturnType<typeof createNotesSession>;

/** Each client's number of runs. */
function runCounts(runs: ClockRuns): Record<string, number> {
  return Object.fromEntries(Object.entries(runs).map(([client, list]) => [client, list.length]));
}

/** The runs added since `marks` was taken (runs are only ever appended). */
function runsSince(runs: ClockRuns, marks: Record<string, number>): ClockRuns {
  const since: ClockRuns = {};
  for (const [client, list] of Object.entries(runs)) {
    const added = list.slice(marks[client] ?? 0);
    if (added.length > 0) since[client] = added.map(([clock, at]) => [clock, at]);
  }
  return since;
}
