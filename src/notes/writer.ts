import * as Y from "yjs";
import type { NotesStore } from "./store.ts";

interface Pending {
  noteId: string;
  leaseToken: number;
  update: Uint8Array;
  resolve(id: number | null): void;
  reject(err: unknown): void;
}

/** Rows per statement at most (each row one note's updates of the batch, merged). */
const MAX_ROWS = 500;

/**
 * Group commit for notes updates from every room of this process. An idle writer writes at once
 * (after letting what arrives in the same turn of the event loop join); while a write is under way
 * new updates gather, and the next write takes them all. So a quiet meeting waits for one round
 * trip, and a busy server writes as often as the database answers, with batches as large as the
 * load makes them. `minIntervalMs` (0 by default) holds writes at least that far apart.
 *
 * In a batch, one note's updates under one fencing token become one row (`Y.mergeUpdates`): each
 * resolves with that row's id. Every update has been decoded by the room before it gets here.
 */
export function createNotesWriter(store: NotesStore, { minIntervalMs = 0 }: { minIntervalMs?: number } = {}) {
  let queue: Pending[] = [];
  let running: Promise<void> | null = null;
  let batches = 0;
  let rowsWritten = 0;
  let lastStart = 0;

  /** The batch as rows: one per note and token, in first-arrival order. */
  function rowsOf(batch: Pending[]) {
    const groups = new Map<string, Pending[]>();
    for (const p of batch) {
      const key = `${p.noteId}\u0000${p.leaseToken}`;
      const group = groups.get(key);
      if (group) group.push(p);
      else groups.set(key, [p]);
    }
    return [...groups.values()].map((group) => {
      let update = group[0]!.update;
      if (group.length > 1) {
        try {
          update = Y.mergeUpdates(group.map((p) => p.update));
        } catch {
          // Cannot happen for decoded updates; if it does, write them one by one.
          return group.map((p) => ({ group: [p], update: p.update }));
        }
      }
      return [{ group, update }];
    }).flat();
  }

  async function run() {
    while (queue.length > 0) {
      const wait = lastStart + minIntervalMs - performance.now();
      if (wait > 0) await Bun.sleep(wait);
      else await new Promise<void>((resolve) => setImmediate(resolve));
      lastStart = performance.now();
      const rows = rowsOf(queue);
      queue = [];
      for (let i = 0; i < rows.length; i += MAX_ROWS) {
        const chunk = rows.slice(i, i + MAX_ROWS);
        batches++;
        rowsWritten += chunk.length;
        try {
          const ids = await store.append(chunk.map((r) => ({ noteId: r.group[0]!.noteId, leaseToken: r.group[0]!.leaseToken, update: r.update })));
          chunk.forEach((r, j) => {
            for (const p of r.group) p.resolve(ids[j] ?? null);
          });
        } catch (err) {
          for (const r of chunk) for (const p of r.group) p.reject(err);
        }
      }
    }
    running = null;
  }

  let backgroundTail: Promise<unknown> = Promise.resolve();

  return {
    /**
     * Runs `task` once the background tasks queued before it have finished: one at a time. Compactions
     * go through here. A hundred rooms compacting at once (they reach their 10 s bound together after
     * a restart, or in a benchmark) took the connection pool and the event loop from the appends, and
     * every edit of the moment waited: p99 90 ms against 9 ms with no compaction in the window
     * (bench/notes-sync.ts, 100 rooms on Postgres).
     */
    background<T>(task: () => Promise<T>): Promise<T> {
      // Each task starts in a turn of the event loop of its own: PGlite answers through promises
      // alone, so back-to-back compactions would otherwise hold the loop from every socket for the
      // whole burst (on the embedded default p99 178 ms against 30 ms with no compaction).
      const turn = () => new Promise<void>((resolve) => setImmediate(resolve)).then(task);
      const run = backgroundTail.then(turn, turn);
      backgroundTail = run.catch(() => {});
      return run;
    },
    /** Resolves with the update's row id once it is durable, or null if the note's fence moved on. */
    append(noteId: string, leaseToken: number, update: Uint8Array): Promise<number | null> {
      return new Promise((resolve, reject) => {
        queue.push({ noteId, leaseToken, update, resolve, reject });
        running ??= run();
      });
    },
    /** Waits until everything queued so far is written. */
    async drain(): Promise<void> {
      while (running) await running;
    },
    stats: () => ({ batches, rows: rowsWritten, queued: queue.length }),
  };
}

export type NotesWriter = ReturnType<typeof createNotesWriter>;
