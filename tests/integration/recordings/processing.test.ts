/**
 * The recording job against real tools and real Janus files: record-mjr.scenario.ts runs an
 * embedded Janus and headless Chromium inside a network namespace this file creates (a veth pair
 * with a private address and no default route: nothing leaves it) and records two participants,
 * Bob joining ~1.5 s after Alice. The processing steps (janus-pp-rec, ffmpeg, ffprobe) and the
 * durable worker (PGlite and Postgres, local BlobStore) then run on copies of those .mjr files.
 * Skipped without root, `ip`, Janus, Chromium, janus-pp-rec or ffmpeg.
 */
import { createTestNamespace, deleteTestNamespace } from "../../helpers/netns.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import pino from "pino";
import { schema, type Database } from "../../../src/db/index.ts";
import { createRecordings } from "../../../src/recordings/index.ts";
import { alignTracks, convertTrack, pairByFeed, probeMjr, processRecordingFolder } from "../../../src/recordings/processing.ts";
import { blobKeyFor, createRecordingWorker, WORK_SUBDIR } from "../../../src/recordings/worker.ts";
import { createS3BlobStore } from "../../../src/storage/index.ts";
import { startTestS3 } from "../../helpers/s3.ts";
import { startServer, type RunningServer } from "../../helpers/server.ts";
import { createLocalBlobStore, type BlobStore } from "../../../src/storage/index.ts";
import { DB_KINDS, openTestDatabase, postgresRunDatabaseUrl } from "../../helpers/db.ts";
import { eventually } from "../../helpers/eventually.ts";

const NS = `dictate-rec-${process.pid}`;
const ADDRESS = `10.214.${7 + (process.pid % 200)}.1/24`;
const canRun =
  process.getuid?.() === 0 &&
  ["ip", "janus", "chromium", "janus-pp-rec", "ffmpeg", "ffprobe"].every((bin) => Bun.which(bin) !== null);

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
const work = mkdtempSync(join(tmpdir(), "dictate-recording-test-"));
const fixtures = join(work, "mjr");
let recorded: { recordedMs: number; feeds: { alice: number; bob: number }; files: string[] } | null = null;


function ffprobe(path: string) {
  const r = spawnSync("ffprobe", ["-v", "error", "-show_entries", "stream=codec_type,codec_name,width,height:format=duration", "-of", "json", path], {
    encoding: "utf8",
  });
  return JSON.parse(r.stdout) as { streams: { codec_type: string; codec_name: string; width?: number; height?: number }[]; format: { duration: string } };
}

describe.skipIf(!canRun)("recording processing from real Janus recordings", () => {
  beforeAll(async () => {
    let child: ChildProcess | null = null;
    createTestNamespace(NS, ADDRESS);
    try {
      const proc = spawn("ip", ["netns", "exec", NS, process.execPath, join(import.meta.dir, "record-mjr.scenario.ts"), fixtures], {
        cwd: join(import.meta.dir, "../../.."),
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env },
      });
      child = proc;
      let stdout = "";
      let stderr = "";
      proc.stdout!.on("data", (d) => (stdout += d));
      proc.stderr!.on("data", (d) => (stderr += d));
      const exited = new Promise<void>((resolve) => proc.on("exit", () => resolve()));
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finished = await Promise.race([exited.then(() => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), 80_000)))]);
      clearTimeout(timer);
      if (!finished) throw new Error(`the recording scenario did not finish in time:\n${stderr}`);
      const last = stdout.trim().split("\n").filter((l) => l.startsWith('{"results"')).pop();
      if (!last) throw new Error(`the recording scenario printed no results:\n${stdout}\n${stderr}`);
      const { results } = JSON.parse(last);
      if (!results.ok) throw new Error(`the recording scenario failed: ${results.error}`);
      recorded = results;
    } finally {
      if (child?.pid && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, "SIGKILL");
      deleteTestNamespace(NS);
    }
  }, 90_000);

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  test("Janus recorded an audio and a video .mjr for each of the two participants", () => {
    expect(recorded!.files.length).toBe(4);
    for (const feed of [recorded!.feeds.alice, recorded!.feeds.bob]) {
      expect(recorded!.files.filter((f) => f.includes(`-user-${feed}-`)).map((f) => (f.includes("audio") ? "audio" : "video")).sort()).toEqual(["audio", "video"]);
    }
  });

  test("probe, convert, pair and align: Bob's tracks start ~1.5 s after Alice's", async () => {
    const files = readdirSync(fixtures).map((f) => join(fixtures, f));
    const tracks = await Promise.all(files.map((f) => probeMjr(f)));
    expect(tracks.map((t) => `${t.kind}:${t.codec}`).sort()).toEqual(["audio:opus", "audio:opus", "video:vp8", "video:vp8"]);
    const out = join(work, "steps");
    const converted = await Promise.all(tracks.map((t) => convertTrack(t, out)));
    for (const c of converted) expect(c.output.endsWith(c.kind === "audio" ? ".opus" : ".webm")).toBe(true);
    const paired = pairByFeed(converted);
    expect(paired.map((p) => p.feed)).toEqual([String(recorded!.feeds.alice), String(recorded!.feeds.bob)]);
    for (const p of paired) expect([p.audio.length, p.video.length]).toEqual([1, 1]);
    const timeline = alignTracks(paired);
    const [alice, bob] = timeline.participants;
    expect(alice!.audio[0]!.offsetMs).toBeLessThan(200);
    expect(bob!.audio[0]!.offsetMs).toBeGreaterThan(1200);
    expect(bob!.video[0]!.offsetMs).toBeGreaterThan(1200);
    // The span covers what Janus recorded (recording switched on → off).
    expect(Math.abs(timeline.spanMs - recorded!.recordedMs)).toBeLessThan(1000);
    rmSync(out, { recursive: true, force: true });
  });

  test("compose: one VP8 video (1280×720 grid) and one Opus audio stream, as long as the recorded span; progress runs to 1", async () => {
    const progress: number[] = [];
    const started = performance.now();
    const result = await processRecordingFolder(fixtures, join(work, "compose"), join(work, "compose", "out.webm"), {
      onProgress: (f) => progress.push(f),
    });
    const tookMs = performance.now() - started;
    const probe = ffprobe(result.output);
    expect(probe.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort()).toEqual(["audio:opus", "video:vp8"]);
    const video = probe.streams.find((s) => s.codec_type === "video")!;
    expect([video.width, video.height]).toEqual([1280, 720]);
    const seconds = Number(probe.format.duration);
    expect(Math.abs(seconds * 1000 - result.spanMs)).toBeLessThan(1000);
    expect(Math.abs(seconds * 1000 - recorded!.recordedMs)).toBeLessThan(1000);
    expect(Math.abs(result.durationMs - seconds * 1000)).toBeLessThan(2);
    expect(result).toMatchObject({ tracks: 4, participants: 2 });
    expect(progress.at(-1)).toBe(1);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!).toBeGreaterThanOrEqual(progress[i - 1]!);
    console.log(`[recording] composed ${result.spanMs} ms recorded (2 participants) in ${Math.round(tookMs)} ms`);
    rmSync(join(work, "compose"), { recursive: true, force: true });
  });

  for (const kind of DB_KINDS) {
    describe(`the worker (${kind})`, () => {
      let database: Database;
      let meetingId: string;
      const recordingsDir = join(work, `recordings-${kind}`);
      const blobRoot = join(work, `blobs-${kind}`);
      const blobs = createLocalBlobStore(blobRoot);
      const workers: { stop(): Promise<void> }[] = [];

      beforeAll(async () => {
        database = await openTestDatabase(kind);
        const [meeting] = await database.db
          .insert(schema.meetings)
          .values({ code: `rec-${kind}-${process.pid}`, title: "Recording test" })
          .returning();
        meetingId = meeting!.id;
      });
      afterAll(async () => {
        for (const w of workers) await w.stop();
        await database?.close();
      });

      /** A stopped recording whose Janus files sit in its folder, and its job, as `finish` leaves them. */
      async function stoppedRecording(withFiles = true) {
        const recs = createRecordings({ db: database.db, blobs, teams: {} as never });
        const row = await recs.begin(meetingId, null as never, "test");
        if (withFiles) cpSync(fixtures, join(recordingsDir, row.id), { recursive: true });
        else mkdirSync(join(recordingsDir, row.id), { recursive: true });
        await recs.finish(row.id);
        return row.id;
      }
      const recordingOf = async (id: string) => (await database.db.select().from(schema.recordings).where(eq(schema.recordings.id, id)))[0]!;
      const jobOf = async (id: string) => (await database.db.select().from(schema.recordingJobs).where(eq(schema.recordingJobs.recordingId, id)))[0];
      const worker = (opts: Partial<Parameters<typeof createRecordingWorker>[0]> = {}) => {
        const w = createRecordingWorker({ db: database.db, blobs, recordingsDir, logger, pollMs: 50, ...opts });
        workers.push(w);
        return w;
      };

      test("a job ends ready: the blob exists, the job row and the source folder are gone", async () => {
        const id = await stoppedRecording();
        const seen: number[] = [];
        const w = worker();
        w.start();
        const ready = await eventually(
          async () => {
            const r = await recordingOf(id);
            if (r.status === "processing" && r.progress !== null) seen.push(r.progress);
            if (r.status !== "ready") throw new Error(`still ${r.status}`);
            return r;
          },
          { timeoutMs: 30_000, intervalMs: 20 },
        );
        await w.stop();
        expect(ready).toMatchObject({ blobKey: blobKeyFor(id), mime: "video/webm", progress: null, error: null });
        expect(Math.abs(ready.durationMs! - recorded!.recordedMs)).toBeLessThan(1000);
        const head = await blobs.head(blobKeyFor(id));
        expect(head).toEqual({ bytes: ready.bytes!, mime: "video/webm" });
        expect(ready.bytes!).toBeGreaterThan(10_000);
        expect(ffprobe(join(blobRoot, blobKeyFor(id))).streams.length).toBe(2);
        expect(await jobOf(id)).toBeUndefined();
        expect(existsSync(join(recordingsDir, id))).toBe(false);
        // Progress was visible on the recording while it was processed.
        expect(seen.some((p) => p > 0 && p < 1)).toBe(true);
      }, 40_000);

      test("a failing upload retries with backoff, its error visible; the sources stay until the upload succeeds", async () => {
        const id = await stoppedRecording();
        const sourceDir = join(recordingsDir, id);
        let calls = 0;
        const atFailure: { folder: boolean; status?: string } = { folder: false };
        const flaky: BlobStore = {
          ...blobs,
          async putFile(key, path, mime) {
            calls++;
            if (calls === 1) {
              atFailure.folder = existsSync(sourceDir);
              throw new Error("upload refused: bucket unavailable");
            }
            return blobs.putFile(key, path, mime);
          },
        };
        const w = worker({ blobs: flaky, backoffMs: () => 1500 });
        w.start();
        // After the failure: still processing, the error on the recording and the job, retry scheduled.
        const failed = await eventually(
          async () => {
            const job = await jobOf(id);
            if (!job || job.attempts !== 1) throw new Error("not failed yet");
            return job;
          },
          { timeoutMs: 30_000 },
        );
        expect(failed.lastError).toContain("bucket unavailable");
        expect(failed.lockedUntil).toBeNull();
        expect(failed.nextRunAt.getTime()).toBeGreaterThan(Date.now());
        const between = await recordingOf(id);
        expect(between.status).toBe("processing");
        expect(between.error).toContain("bucket unavailable");
        expect(atFailure.folder).toBe(true);
        expect(existsSync(sourceDir)).toBe(true);
        const ready = await eventually(
          async () => {
            const r = await recordingOf(id);
            if (r.status !== "ready") throw new Error(`still ${r.status}`);
            return r;
          },
          { timeoutMs: 30_000 },
        );
        await w.stop();
        expect(calls).toBe(2);
        expect(ready.error).toBeNull();
        expect(await blobs.head(blobKeyFor(id))).not.toBeNull();
        expect(await jobOf(id)).toBeUndefined();
        expect(existsSync(sourceDir)).toBe(false);
      }, 60_000);

      test("S3 (s3rver) stopped during the upload: the job retries, and ends ready once it is back", async () => {
        const s3 = await startTestS3();
        try {
          const store = createS3BlobStore(s3.options);
          const id = await stoppedRecording();
          // Knock the server over as the upload begins, and bring it back a little later.
          let knocked = false;
          const off = s3.onRequest((r) => {
            if (knocked || !["PUT", "POST"].includes(r.method)) return;
            knocked = true;
            void s3.stop().then(() => setTimeout(() => void s3.start(), 1500));
          });
          const w = worker({ blobs: store, backoffMs: () => 1000 });
          w.start();
          const failed = await eventually(
            async () => {
              const job = await jobOf(id);
              if (!job || job.attempts < 1) throw new Error("not failed yet");
              return job;
            },
            { timeoutMs: 30_000 },
          );
          expect(failed.lastError).toContain("unreachable");
          expect(existsSync(join(recordingsDir, id))).toBe(true);
          expect((await recordingOf(id)).status).toBe("processing");
          const ready = await eventually(
            async () => {
              const r = await recordingOf(id);
              if (r.status !== "ready") throw new Error(`still ${r.status}`);
              return r;
            },
            { timeoutMs: 40_000, intervalMs: 50 },
          );
          await w.stop();
          off();
          expect(knocked).toBe(true);
          expect(await store.head(blobKeyFor(id))).toEqual({ bytes: ready.bytes!, mime: "video/webm" });
          expect(existsSync(join(recordingsDir, id))).toBe(false);
          store.destroy();
        } finally {
          await s3.cleanup();
        }
      }, 80_000);

      test("a worker stopped mid-job leaves it to the next; a crashed worker's lock expires and the job resumes", async () => {
        const id = await stoppedRecording();
        const sourceDir = join(recordingsDir, id);
        const first = worker();
        first.start();
        // Stop it once composition has started (progress past the conversion share).
        await eventually(
          async () => {
            const r = await recordingOf(id);
            if ((r.progress ?? 0) < 0.2) throw new Error("not composing yet");
          },
          { timeoutMs: 30_000, intervalMs: 10 },
        );
        await first.stop();
        const job = await jobOf(id);
        expect(job).toMatchObject({ attempts: 0, lockedUntil: null });
        expect((await recordingOf(id)).status).toBe("processing");
        expect(existsSync(sourceDir)).toBe(true);
        expect(await blobs.head(blobKeyFor(id))).toBeNull();

        // A worker that died holding the lock: nobody takes the job until the lock expires.
        await database.db
          .update(schema.recordingJobs)
          .set({ lockedUntil: new Date(Date.now() + 60 * 60_000) })
          .where(eq(schema.recordingJobs.recordingId, id));
        expect(await worker().runOnce()).toBe(false);

        const later = worker({ clock: { now: () => Date.now() + 2 * 60 * 60_000 } });
        expect(await later.runOnce()).toBe(true);
        const ready = await recordingOf(id);
        expect(ready).toMatchObject({ status: "ready", blobKey: blobKeyFor(id), progress: null });
        expect(await blobs.head(blobKeyFor(id))).not.toBeNull();
        expect(await jobOf(id)).toBeUndefined();
        expect(existsSync(sourceDir)).toBe(false);
      }, 60_000);

      test("two workers polling at once: exactly one of them takes the job", async () => {
        const id = await stoppedRecording(false);
        const [a, b] = await Promise.all([worker({ backoffMs: () => 60_000 }).runOnce(), worker({ backoffMs: () => 60_000 }).runOnce()]);
        expect([a, b].filter(Boolean).length).toBe(1);
        expect((await jobOf(id))!.attempts).toBe(1);
        await database.db.delete(schema.recordings).where(eq(schema.recordings.id, id));
        rmSync(join(recordingsDir, id), { recursive: true, force: true });
      }, 20_000);

      test("a recording with no streams fails after the last attempt, its error kept; sources are not deleted", async () => {
        const id = await stoppedRecording(false);
        const w = worker({ maxAttempts: 2, backoffMs: () => 50 });
        w.start();
        const failed = await eventually(
          async () => {
            const r = await recordingOf(id);
            if (r.status !== "failed") throw new Error(`still ${r.status}`);
            return r;
          },
          { timeoutMs: 10_000 },
        );
        await w.stop();
        expect(failed.error).toContain("no streams");
        expect(failed.progress).toBeNull();
        expect(await jobOf(id)).toBeUndefined();
        expect(existsSync(join(recordingsDir, id))).toBe(true);
        expect(existsSync(join(recordingsDir, id, WORK_SUBDIR, "composed.webm"))).toBe(false);
      }, 20_000);
    });
  }

  test("the server killed with SIGKILL during processing and started again: the job resumes and ends ready", async () => {
    const database = await openTestDatabase("postgres");
    const dataDir = join(work, "killed-server");
    const recordingsDir = join(dataDir, "recordings");
    const servers: RunningServer[] = [];
    try {
      const [meeting] = await database.db.insert(schema.meetings).values({ code: `kill-${process.pid}`, title: "Killed mid-processing" }).returning();
      const recs = createRecordings({ db: database.db, blobs: createLocalBlobStore(join(dataDir, "blobs")), teams: {} as never });
      const row = await recs.begin(meeting!.id, null as never, "kill test");
      cpSync(fixtures, join(recordingsDir, row.id), { recursive: true });
      await recs.finish(row.id);
      const env = { DATA_DIR: dataDir, DATABASE_URL: await postgresRunDatabaseUrl(), RECORDINGS_DIR: recordingsDir, RECORDING_JOB_LEASE_MS: "2000" };
      const recordingOf = async () => (await database.db.select().from(schema.recordings).where(eq(schema.recordings.id, row.id)))[0]!;

      servers.push(await startServer(env));
      await eventually(async () => {
        const r = await recordingOf();
        if (!(r.progress !== null && r.progress > 0 && r.status === "processing")) throw new Error("not processing yet");
      }, { timeoutMs: 30_000, intervalMs: 10 });
      await servers[0]!.stop("SIGKILL");
      expect((await recordingOf()).status).toBe("processing");

      servers.push(await startServer(env));
      const ready = await eventually(async () => {
        const r = await recordingOf();
        if (r.status !== "ready") throw new Error(`still ${r.status}`);
        return r;
      }, { timeoutMs: 40_000, intervalMs: 50 });
      expect(Math.abs(ready.durationMs! - recorded!.recordedMs)).toBeLessThan(1000);
      expect(existsSync(join(dataDir, "blobs", blobKeyFor(row.id)))).toBe(true);
      // The sources go right after the recording is marked ready (never before).
      await eventually(() => expect(existsSync(join(recordingsDir, row.id))).toBe(false), { timeoutMs: 10_000 });
    } finally {
      for (const server of servers) await server.stop();
      await database.close();
    }
  }, 90_000);
});
