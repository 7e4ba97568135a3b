import type { Logger } from "pino";
import type { Db } from "../db/index.ts";
import type { Meetings, Viewer } from "../meetings/index.ts";
import type { MediaServer } from "../media/index.ts";
import { createNotesStore, createNotesWriter, EMBEDDED_VACUUM_AFTER_DELETED_ROWS } from "../notes/index.ts";
import { systemClock, type Clock } from "./clock.ts";
import type { Channel, Connection, Principal, SocketSink } from "./connection.ts";
import { createLocalDirectory, type ActorFactory, type RoomDirectory } from "./local-directory.ts";
import { createRoomActor, type RoomLimits } from "./room-actor.ts";
import type { RecordingRecords } from "./room-actor.recording.ts";
import type { MemoryRecords } from "./room-actor.memory.ts";
import type { IceServer } from "../media/index.ts";

export interface RoomsDeps {
  db: Db;
  databaseKind?: "pglite" | "postgres";
  meetings: Meetings;
  logger: Logger;
  graceMs: number;
  /** Signs resume tokens (see RoomDeps.seatKey). */
  seatKey?: string;
  clock?: Clock;
  limits?: RoomLimits;
  /** Builds the directory from the actor factory; the in-process one by default. */
  directory?: (createActor: ActorFactory) => RoomDirectory;
  iceServers?(): IceServer[];
  onNotesUpdate?(): void;
  media?: MediaServer;
  recordings?: RecordingRecords;
  recordingsDir?: string;
  /** The speaker timeline and attendance rows. */
  memory?: MemoryRecords;
}

/** Live meetings: who may join, and the directory that places each room's actor. */
export function createRooms(deps: RoomsDeps) {
  // PGlite has no autovacuum (single-user Postgres): the store vacuums the notes tables itself.
  const notesStore = createNotesStore(deps.db, { vacuumAfterDeletedRows: deps.databaseKind === "pglite" ? EMBEDDED_VACUUM_AFTER_DELETED_ROWS : null });
  // Group commit (see createNotesWriter): an idle writer writes at once, a busy one gathers what
  // arrives meanwhile, and writes start at least `minIntervalMs` apart. bench/notes-sync.ts, 100
  // rooms × 5 clients (2,500 updates/s), p50 / p99 and CPU per update (server + database):
  // - Postgres, as often as it answers: 2.5 / 11 ms at 324 µs; every 2 ms 2.6 / 14 ms at 264 µs;
  //   every 4 ms 3.6 / 10 ms at 203 µs (each commit costs both sides, and a few more updates per
  //   commit halve the commits).
  // - PGlite runs on this thread, so each write is the server's own CPU: as often as it answers
  //   2.0 / 12 ms at 392 µs; every 5 ms 4.4 / 13 ms at 213 µs; every 25 ms 18.7 / 30 ms at 158 µs.
  const notesWriter = createNotesWriter(notesStore, { minIntervalMs: deps.databaseKind === "pglite" ? 5 : 4 });
  const createActor: ActorFactory = (meeting, onDisposed) =>
    createRoomActor(meeting, {
      clock: deps.clock ?? systemClock,
      graceMs: deps.graceMs,
      seatKey: deps.seatKey,
      notesStore,
      notesWriter,
      records: deps.meetings,
      logger: deps.logger,
      limits: deps.limits,
      iceServers: deps.iceServers,
      media: deps.media,
      recordings: deps.recordings,
      recordingsDir: deps.recordingsDir,
      memory: deps.memory,
      onDisposed,
      metrics: { notesUpdate: () => deps.onNotesUpdate?.() },
    });
  const directory = (deps.directory ?? createLocalDirectory)(createActor);

  return {
    directory,
    /** The meeting a socket for `code` may join, or an AppError (401, 403, 404). */
    authorize: (code: string, viewer: Viewer | null) => deps.meetings.findForJoin(code, viewer),
    open(meeting: { id: string; code: string; title: string; agenda: string; teamId: string | null }, channel: Channel, conn: Connection, principal: Principal): Promise<SocketSink> {
      return directory.open({ id: meeting.id, code: meeting.code, title: meeting.title, agenda: meeting.agenda, teamId: meeting.teamId }, channel, conn, principal);
    },
    async start() {
      await directory.start?.();
    },
    async shutdown() {
      await directory.shutdown();
      await notesWriter.drain();
    },
  };
}

export type Rooms = ReturnType<typeof createRooms>;
