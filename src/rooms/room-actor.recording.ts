import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { AppError } from "../errors.ts";
import type { Clock } from "./clock.ts";
import type { RoomMedia } from "./room-actor.media.ts";
import type { ServerMessage } from "./protocol.ts";

/** Where a room's recordings are recorded in the database. */
export interface RecordingRecords {
  begin(meetingId: string, startedBy: string, title: string): Promise<{ id: string; startedAt: Date }>;
  finish(id: string): Promise<{ stoppedAt: Date | null }>;
  /** Where processing stands (the worker may run on any node). */
  status(id: string): Promise<{ status: string; progress: number | null; durationMs: number | null } | null>;
}

/** How often a room looks at the processing of its stopped recordings, to show progress. */
export const STATUS_POLL_MS = 1000;

/** A recording as the room protocol shows it. */
export interface RecordingView {
  id: string;
  status: "recording" | "processing" | "ready" | "failed";
  startedAt: string;
  startedBy: string;
  stoppedAt: string | null;
  progress: number | null;
  durationMs: number | null;
}

/** Janus needs this long after recording starts before a keyframe request lands in the files. */
export const KEYFRAME_DELAY_MS = 500;

/**
 * Recording control of one room: Janus records every stream into a folder per recording, every
 * publisher is asked for a keyframe ~500 ms later, and stopping hands the files to a durable job.
 */
export function createRoomRecording(host: {
  meeting: { id: string; title: string };
  clock: Clock;
  logger: Logger;
  recordingsDir: string;
  records: RecordingRecords;
  media(): RoomMedia | null;
  broadcast(message: ServerMessage): void;
}) {
  let current: (RecordingView & { dir: string; keyframeTimer: unknown }) | null = null;
  /** A start whose I/O is under way; `cancelled` when the room emptied meanwhile. */
  let starting: { cancelled: boolean } | null = null;
  /** Stopped recordings still processing: their last view and the poll timer. */
  const processing = new Map<string, { view: RecordingView; timer: unknown }>();
  let disposed = false;

  /** Broadcasts `recording.status` while a stopped recording is processed, until ready or failed. */
  function watch(view: RecordingView) {
    const poll = async () => {
      if (disposed) return;
      const entry = processing.get(view.id);
      if (!entry) return;
      try {
        const s = await host.records.status(view.id);
        if (disposed || !s) return void processing.delete(view.id);
        const next: RecordingView = { ...entry.view, status: s.status as RecordingView["status"], progress: s.progress, durationMs: s.durationMs };
        if (next.status !== entry.view.status || next.progress !== entry.view.progress) {
          entry.view = next;
          host.broadcast({ type: "recording.status", recording: next });
        }
        if (next.status === "ready" || next.status === "failed") return void processing.delete(view.id);
      } catch (err) {
        host.logger.warn({ err }, "reading the recording's progress failed");
      }
      entry.timer = host.clock.setTimeout(() => void poll(), STATUS_POLL_MS);
    };
    processing.set(view.id, { view, timer: host.clock.setTimeout(() => void poll(), STATUS_POLL_MS) });
  }
  const view = (r: NonNullable<typeof current>): RecordingView => ({
    id: r.id,
    status: r.status,
    startedAt: r.startedAt,
    startedBy: r.startedBy,
    stoppedAt: r.stoppedAt,
    progress: r.progress,
    durationMs: r.durationMs,
  });

  return {
    current: () => (current ? view(current) : null),

    /** A publisher came up mid-recording: its files need a keyframe near their start too. */
    publisherUp() {
      const r = current;
      if (!r) return;
      host.clock.clearTimeout(r.keyframeTimer);
      r.keyframeTimer = host.clock.setTimeout(() => void host.media()?.requestKeyframes(), KEYFRAME_DELAY_MS);
    },

    /**
     * Starts recording for a signed-in participant. The checks and the state change are immediate;
     * the I/O (the recording row, its folder, Janus) runs outside the room's mailbox, so the room
     * never waits on it. Resolves once recording runs, or rejects with an AppError to reply with.
     */
    start(participantId: string, userId: string | null): Promise<void> {
      if (!userId) return Promise.reject(new AppError("UNAUTHENTICATED", "Sign in to record this meeting"));
      if (current || starting) return Promise.reject(new AppError("CONFLICT", "This meeting is already being recorded"));
      const media = host.media();
      if (!media?.available) return Promise.reject(new AppError("UNAVAILABLE", "Media is unavailable in this meeting, so it cannot be recorded"));
      const when = new Date(host.clock.now()).toISOString().slice(0, 16).replace("T", " ");
      const attempt = { cancelled: false };
      starting = attempt;
      const io = async () => {
        const row = await host.records.begin(host.meeting.id, userId, `${host.meeting.title} — ${when} UTC`);
        const dir = join(host.recordingsDir, row.id);
        try {
          await mkdir(dir, { recursive: true });
          await media.record(true, dir);
        } catch (err) {
          await host.records.finish(row.id).catch(() => {});
          throw err;
        }
        return { row, dir };
      };
      return io().then(
        async ({ row, dir }) => {
          starting = null;
          // The room emptied or closed while Janus was being asked: stop again at once.
          if (attempt.cancelled || disposed) {
            await media.record(false, dir).catch((err) => host.logger.warn({ err }, "turning recording off failed"));
            await host.records.finish(row.id).catch((err) => host.logger.warn({ err }, "closing the recording row failed"));
            throw new AppError("CONFLICT", "The meeting ended before the recording started");
          }
          current = {
            id: row.id,
            status: "recording",
            startedAt: row.startedAt.toISOString(),
            startedBy: participantId,
            stoppedAt: null,
            progress: null,
            durationMs: null,
            dir,
            // Recording switched on mid-stream can start without a keyframe: ask every publisher.
            keyframeTimer: host.clock.setTimeout(() => void media.requestKeyframes(), KEYFRAME_DELAY_MS),
          };
          host.broadcast({ type: "recording.started", recording: view(current) });
        },
        (err) => {
          starting = null;
          throw err;
        },
      );
    },

    /**
     * Stops recording (also when the room empties) and queues the processing job; like start, the
     * state changes at once and the I/O runs outside the mailbox.
     */
    stop(participantUserId: string | null | "room"): Promise<void> {
      if (participantUserId === null) return Promise.reject(new AppError("UNAUTHENTICATED", "Sign in to stop the recording"));
      if (!current) {
        if (starting && participantUserId === "room") starting.cancelled = true;
        if (participantUserId === "room") return Promise.resolve();
        return Promise.reject(new AppError("CONFLICT", starting ? "The recording is still starting" : "This meeting is not being recorded"));
      }
      const r = current;
      current = null;
      host.clock.clearTimeout(r.keyframeTimer);
      return (async () => {
        await host.media()?.record(false, r.dir).catch((err) => host.logger.warn({ err }, "turning recording off failed"));
        const row = await host.records.finish(r.id);
        r.status = "processing";
        r.stoppedAt = (row.stoppedAt ?? new Date(host.clock.now())).toISOString();
        r.progress = 0;
        host.broadcast({ type: "recording.stopped", recording: view(r) });
        watch(view(r));
      })();
    },

    /** Stops watching processing; nothing keeps running. */
    dispose() {
      disposed = true;
      for (const entry of processing.values()) host.clock.clearTimeout(entry.timer);
      processing.clear();
    },
  };
}

export type RoomRecording = ReturnType<typeof createRoomRecording>;
