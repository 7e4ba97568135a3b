import type { NotesStore } from "./store.ts";

interface Pending {
  noteId: string;
  leaseToken: number;
  update: Uint8Array;
  resolve(id: number | null): void;
  reject(err: unknown): void;
}

const MAX_BATCH = 500;

/**
 * Group commit for notes updates from every room of this process: while one write is under way
 * (and until `minIntervalMs` after the previous one started), new updates gather, and the next
 * write takes them all. An idle writer starts at once.
 */
export function createNotesWriter(store: NotesStore, { minIntervalMs = 5 }: { minIntervalMs?: number } = {}) {
  let queue: Pending[] = [];
  let running: Promise<void> | null = null;
  let batches = 0;

  let lastStart = 0;

  async function run() {
    while (queue.length > 0) {
      // A write has a fixed cost (PGlite: ~1.5 ms of this process's CPU however small): under a
      // steady trickle of keystrokes, writing each alone would cost a core. Gathering for up to
      // `minIntervalMs` bounds the writes per second and adds no delay when the writer was idle.
      const wait = lastStart + minIntervalMs - performance.now();
      if (wait > 0) await Bun.sleep(wait);
      lastStart = performance.now();
      const batch = queue.slice(0, MAX_BATCH);
      queue = queue.slice(batch.length);
      batches++;
      try {
        const ids = await store.append(batch);
        batch.forEach((p, i) => p.resolve(ids[i] ?? null));
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    running = null;
  }

  return {
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
    stats: () => ({ batches, queued: queue.length }),
  };
}

export type NotesWriter = ReturnType<typeof createNotesWriter>;
