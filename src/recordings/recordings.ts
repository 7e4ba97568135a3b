import { and, desc, eq } from "drizzle-orm";
import { schema, type Db, type RecordingStatus } from "../db/index.ts";
import { AppError, notFound } from "../errors.ts";
import { isUuid } from "../ids.ts";
import { meetingReadableBy } from "../meetings/index.ts";
import type { Teams } from "../teams/index.ts";
import type { BlobStore } from "../storage/index.ts";

const { recordings, recordingJobs, meetings } = schema;

export interface RecordingView {
  id: string;
  meetingId: string;
  meetingCode: string;
  meetingTitle: string;
  /** When the meeting took place (it started; else it was scheduled; else it was made), to group and date items by meeting. */
  meetingAt: string;
  teamId: string | null;
  title: string;
  status: RecordingStatus;
  /** 0..1 while processing, else null. */
  progress: number | null;
  durationMs: number | null;
  bytes: number | null;
  mime: string | null;
  error: string | null;
  startedBy: string | null;
  startedAt: string;
  stoppedAt: string | null;
  createdAt: string;
}

type Row = { recording: typeof recordings.$inferSelect; meeting: typeof meetings.$inferSelect };
const view = ({ recording: r, meeting: m }: Row): RecordingView => ({
  id: r.id,
  meetingId: m.id,
  meetingCode: m.code,
  meetingTitle: m.title,
  meetingAt: (m.startedAt ?? m.startsAt ?? m.createdAt).toISOString(),
  teamId: m.teamId,
  title: r.title,
  status: r.status,
  progress: r.status === "processing" ? (r.progress ?? 0) : null,
  durationMs: r.durationMs,
  bytes: r.bytes,
  mime: r.mime,
  error: r.error,
  startedBy: r.startedBy,
  startedAt: r.startedAt.toISOString(),
  stoppedAt: r.stoppedAt?.toISOString() ?? null,
  createdAt: r.createdAt.toISOString(),
});

/** A requested byte range: from `start` (to `end` inclusive, or the end), or the last `suffix` bytes. */
export type ByteRange = { start: number; end: number | null } | { suffix: number };

/** The inclusive byte span of `range` in a file of `size` bytes; 416 when none of it is there. */
export function resolveRange(range: ByteRange, size: number): { start: number; end: number } {
  const span =
    "suffix" in range
      ? { start: Math.max(0, size - range.suffix), end: size - 1 }
      : { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
  if (size === 0 || ("suffix" in range && range.suffix === 0) || span.start > span.end) {
    throw new AppError("INVALID_ARGUMENT", "The range is outside the file", { status: 416, headers: { "content-range": `bytes */${size}` } });
  }
  return span;
}

export function createRecordings({ db, blobs, teams }: { db: Db; blobs: BlobStore; teams: Teams }) {
  async function find(id: string, userId: string): Promise<Row> {
    if (!isUuid(id)) throw notFound("Recording");
    const [row] = await db
      .select({ recording: recordings, meeting: meetings })
      .from(recordings)
      .innerJoin(meetings, eq(meetings.id, recordings.meetingId))
      .where(and(eq(recordings.id, id), meetingReadableBy(recordings.meetingId, userId)))
      .limit(1);
    if (!row) throw notFound("Recording");
    return row;
  }

  return {
    find,
    view,

    /** Where processing stands, for the room that made the recording. */
    async status(id: string) {
      const [row] = await db
        .select({ status: recordings.status, progress: recordings.progress, durationMs: recordings.durationMs })
        .from(recordings)
        .where(eq(recordings.id, id))
        .limit(1);
      return row ? { ...row, progress: row.status === "processing" ? (row.progress ?? 0) : null } : null;
    },

    /** A recording starts in a live room: its row, status `recording`. */
    async begin(meetingId: string, startedBy: string, title: string) {
      const [row] = await db.insert(recordings).values({ meetingId, startedBy, title: title.slice(0, 200), status: "recording" }).returning();
      return row!;
    },

    /**
     * The room stopped recording: status `processing`, and a durable job (a row, picked up again
     * after a restart) that turns the Janus files into one playable file.
     */
    async finish(id: string) {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .update(recordings)
          .set({ status: "processing", stoppedAt: new Date(), progress: 0, updatedAt: new Date() })
          .where(eq(recordings.id, id))
          .returning();
        await tx.insert(recordingJobs).values({ recordingId: id }).onConflictDoNothing();
        return row!;
      });
    },

    async list(userId: string, filter: { teamId?: string } = {}): Promise<RecordingView[]> {
      if (filter.teamId !== undefined) await teams.requireMembership(filter.teamId, userId);
      const rows = await db
        .select({ recording: recordings, meeting: meetings })
        .from(recordings)
        .innerJoin(meetings, eq(meetings.id, recordings.meetingId))
        .where(and(meetingReadableBy(recordings.meetingId, userId), filter.teamId ? eq(meetings.teamId, filter.teamId) : undefined))
        .orderBy(desc(recordings.startedAt))
        .limit(500);
      return rows.map(view);
    },

    /**
     * The recording's file for playback: a short-lived presigned URL where the store has them (S3),
     * else the bytes (`range` inclusive), with the total size.
     */
    async media(id: string, userId: string, range: ByteRange | null) {
      const { recording } = await find(id, userId);
      if (recording.status !== "ready" || !recording.blobKey) {
        throw new AppError("CONFLICT", recording.status === "failed" ? "This recording could not be processed" : "This recording is still being processed");
      }
      if (blobs.presignGet) return { redirect: await blobs.presignGet(recording.blobKey, 300) } as const;
      const head = await blobs.head(recording.blobKey);
      if (!head) throw notFound("Recording file");
      const clamped = range ? resolveRange(range, head.bytes) : null;
      const body = await blobs.read(recording.blobKey, clamped ?? undefined);
      if (!body) throw notFound("Recording file");
      return { body, size: head.bytes, range: clamped, mime: recording.mime ?? head.mime ?? "application/octet-stream", title: recording.title } as const;
    },

    async get(id: string, userId: string): Promise<RecordingView> {
      return view(await find(id, userId));
    },

    async rename(id: string, userId: string, title: string): Promise<RecordingView> {
      const row = await find(id, userId);
      const [recording] = await db
        .update(recordings)
        .set({ title: title.trim(), updatedAt: new Date() })
        .where(eq(recordings.id, row.recording.id))
        .returning();
      return view({ recording: recording!, meeting: row.meeting });
    },

    /** Deletes the recording and its file. The file goes first: a failure leaves the row to retry. */
    async remove(id: string, userId: string): Promise<void> {
      const row = await find(id, userId);
      if (row.recording.blobKey) await blobs.delete(row.recording.blobKey);
      await db.delete(recordings).where(eq(recordings.id, row.recording.id));
    },
  };
}

export type Recordings = ReturnType<typeof createRecordings>;
