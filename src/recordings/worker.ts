/**
 * The durable recording job: a row in `recording_jobs` (made by `finish`), picked up by any worker
 * whose poll finds it due and unlocked. The worker locks it for a while (and keeps extending the
 * lock while it works), runs the processing steps, uploads the composed file through the
 * BlobStore, marks the recording ready and deletes the job in one transaction, and only then
 * deletes the source folder. A failure retries with backoff; a worker that dies leaves a lock that
 * expires, and the next worker starts the job again.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { and, asc, eq, inArray, isNull, lt, lte, or } from "drizzle-orm";
import type { Logger } from "pino";
import { schema, type Db } from "../db/index.ts";
import type { BlobStore } from "../storage/index.ts";
import { processRecordingFolder, type ComposeOptions, type Tools, DEFAULT_TOOLS } from "./processing.ts";

const { recordings, recordingJobs } = schema;

export interface WorkerClock {
  now(): number;
}

export interface RecordingWorkerOptions {
  db: Db;
  blobs: BlobStore;
  /** Janus writes each recording into `<recordingsDir>/<recording id>/`. */
  recordingsDir: string;
  logger: Logger;
  clock?: WorkerClock;
  /** How often to look for due jobs when idle (ms). */
  pollMs?: number;
  /** How long a lock holds before another worker may take the job (ms); extended while working. */
  lockMs?: number;
  /** After this many failed attempts the recording is `failed`. */
  maxAttempts?: number;
  /** Delay before retry number `attempts` (1-based), ms. Default 2^attempts s, capped at 10 min. */
  backoffMs?: (attempts: number) => number;
  tools?: Tools;
  compose?: ComposeOptions;
}

export const blobKeyFor = (recordingId: string) => `recordings/${recordingId}.webm`;
/** Where the worker puts converted tracks and the composed file: inside the source folder. */
export const WORK_SUBDIR = ".processing";

export function createRecordingWorker(options: RecordingWorkerOptions) {
  const { db, blobs, recordingsDir, logger } = options;
  const clock = options.clock ?? { now: () => Date.now() };
  const pollMs = options.pollMs ?? 2000;
  const lockMs = options.lockMs ?? 60_000;
  const maxAttempts = options.maxAttempts ?? 8;
  const backoffMs = options.backoffMs ?? ((attempts: number) => Math.min(2 ** attempts * 1000, 10 * 60_000));
  const tools = options.tools ?? DEFAULT_TOOLS;

  let running = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let loop: Promise<void> | null = null;
  let abort: AbortController | null = null;
  let wake: (() => void) | null = null;

  /** Locks one due job, or returns null. The same statement is safe on PGlite and Postgres. */
  async function claim() {
    const now = new Date(clock.now());
    const lockedUntil = new Date(clock.now() + lockMs);
    const due = db
      .select({ id: recordingJobs.id })
      .from(recordingJobs)
      .where(and(lte(recordingJobs.nextRunAt, now), or(isNull(recordingJobs.lockedUntil), lt(recordingJobs.lockedUntil, now))))
      .orderBy(asc(recordingJobs.nextRunAt))
      .limit(1)
      .for("update", { skipLocked: true });
    const [job] = await db.update(recordingJobs).set({ lockedUntil }).where(inArray(recordingJobs.id, due)).returning();
    return job ? { ...job, lockedUntil } : null;
  }

  type Job = NonNullable<Awaited<ReturnType<typeof claim>>>;
  /** Our lock still holds: nobody took the job over after it expired. */
  const ours = (job: Job) => and(eq(recordingJobs.id, job.id), eq(recordingJobs.lockedUntil, job.lockedUntil));

  async function extendLock(job: Job): Promise<boolean> {
    const lockedUntil = new Date(clock.now() + lockMs);
    const rows = await db.update(recordingJobs).set({ lockedUntil }).where(ours(job)).returning({ id: recordingJobs.id });
    if (rows.length) job.lockedUntil = lockedUntil;
    return rows.length > 0;
  }

  async function setProgress(recordingId: string, progress: number) {
    await db
      .update(recordings)
      .set({ progress, updatedAt: new Date(clock.now()) })
      .where(and(eq(recordings.id, recordingId), eq(recordings.status, "processing")));
  }

  async function runJob(job: Job, signal: AbortSignal): Promise<void> {
    const [recording] = await db.select().from(recordings).where(eq(recordings.id, job.recordingId));
    if (!recording || recording.status !== "processing") {
      // Nothing left to do (ready already, or the recording is still being recorded): drop the job.
      if (recording?.status !== "recording") await db.delete(recordingJobs).where(ours(job));
      else await db.update(recordingJobs).set({ lockedUntil: null, nextRunAt: new Date(clock.now() + pollMs) }).where(ours(job));
      return;
    }
    const log = logger.child({ recordingId: recording.id, attempt: job.attempts + 1 });
    const sourceDir = join(recordingsDir, recording.id);
    const workDir = join(sourceDir, WORK_SUBDIR);
    const output = join(workDir, "composed.webm");
    const startedAt = clock.now();
    // Keep the lock while working, and throttle progress writes.
    const heartbeat = setInterval(() => void extendLock(job).catch(() => {}), Math.max(50, Math.floor(lockMs / 3)));
    let lastWrite = 0;
    let lastValue = -1;
    let pending: Promise<void> = Promise.resolve();
    const onProgress = (fraction: number) => {
      const value = Math.round(fraction * 0.95 * 1000) / 1000;
      if (value - lastValue < 0.01 && Date.now() - lastWrite < 1000) return;
      lastValue = value;
      lastWrite = Date.now();
      pending = pending.then(() => setProgress(recording.id, value)).catch(() => {});
    };
    try {
      log.info({ sourceDir }, "recording processing started");
      const result = await processRecordingFolder(sourceDir, workDir, output, { tools, signal, onProgress, compose: options.compose });
      await pending;
      if (signal.aborted) throw new Error("stopped");
      const key = blobKeyFor(recording.id);
      const stored = await blobs.putFile(key, output, "video/webm");
      if (signal.aborted) throw new Error("stopped");
      const done = await db.transaction(async (tx) => {
        const deleted = await tx.delete(recordingJobs).where(ours(job)).returning({ id: recordingJobs.id });
        if (!deleted.length) return false;
        await tx
          .update(recordings)
          .set({
            status: "ready",
            blobKey: key,
            mime: "video/webm",
            bytes: stored.bytes,
            durationMs: result.durationMs,
            progress: null,
            error: null,
            updatedAt: new Date(clock.now()),
          })
          .where(eq(recordings.id, recording.id));
        return true;
      });
      if (!done) {
        const [still] = await db.select({ id: recordings.id }).from(recordings).where(eq(recordings.id, recording.id));
        if (!still) {
          // The recording was deleted while it was processed (its job went with it): drop what we made.
          await blobs.delete(key);
          await rm(sourceDir, { recursive: true, force: true });
          log.info("recording was deleted while processing; its upload and sources are removed");
        } else {
          log.warn("recording job lock was lost; another worker owns it now");
        }
        return;
      }
      // Only now, with the upload confirmed and the recording ready, do the sources go.
      await rm(sourceDir, { recursive: true, force: true });
      log.info({ durationMs: result.durationMs, bytes: stored.bytes, tookMs: clock.now() - startedAt }, "recording ready");
    } catch (err) {
      await pending;
      if (signal.aborted) {
        // A clean stop: free the job for the next worker without counting an attempt.
        await db.update(recordingJobs).set({ lockedUntil: null }).where(ours(job)).catch(() => {});
        log.info("recording processing stopped; the job is left for the next worker");
        return;
      }
      await fail(job, err, log);
    } finally {
      clearInterval(heartbeat);
    }
  }

  async function fail(job: Job, err: unknown, log: Logger) {
    const message = (err instanceof Error ? err.message : String(err)).slice(0, 2000);
    const attempts = job.attempts + 1;
    const final = attempts >= maxAttempts;
    log.warn({ err: message, attempts, final }, "recording processing failed");
    await db.transaction(async (tx) => {
      if (final) {
        const deleted = await tx.delete(recordingJobs).where(ours(job)).returning({ id: recordingJobs.id });
        if (!deleted.length) return;
        await tx
          .update(recordings)
          .set({ status: "failed", error: message, progress: null, updatedAt: new Date(clock.now()) })
          .where(eq(recordings.id, job.recordingId));
      } else {
        const updated = await tx
          .update(recordingJobs)
          .set({ attempts, lastError: message, lockedUntil: null, nextRunAt: new Date(clock.now() + backoffMs(attempts)) })
          .where(ours(job))
          .returning({ id: recordingJobs.id });
        if (!updated.length) return;
        await tx.update(recordings).set({ error: message, updatedAt: new Date(clock.now()) }).where(eq(recordings.id, job.recordingId));
      }
    });
  }

  /** Claims and runs one due job; true when there was one. */
  async function runOnce(signal: AbortSignal = new AbortController().signal): Promise<boolean> {
    const job = await claim();
    if (!job) return false;
    await runJob(job, signal);
    return true;
  }

  async function work() {
    while (running) {
      let found = false;
      try {
        found = await runOnce(abort!.signal);
      } catch (err) {
        logger.error({ err }, "recording worker poll failed");
      }
      if (!running) break;
      if (found) continue;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, pollMs);
      });
      wake = null;
      timer = null;
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      abort = new AbortController();
      loop = work();
    },
    /** Stops polling and any job in flight (its lock is released for the next worker). */
    async stop() {
      if (!running) return;
      running = false;
      abort?.abort();
      if (timer) clearTimeout(timer);
      wake?.();
      await loop;
      loop = null;
    },
    /** Looks for work now instead of at the next poll. */
    poke() {
      if (timer) clearTimeout(timer);
      wake?.();
    },
    runOnce,
  };
}

export type RecordingWorker = ReturnType<typeof createRecordingWorker>;
