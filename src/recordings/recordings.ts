import { and, desc, eq } from "drizzle-orm";
import { schema, type Db, type RecordingStatus } from "../db/index.ts";
import { notFound } from "../errors.ts";
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
