/**
 * Builds the services from their dependencies. Shared by main.ts and tests so both run the same
 * wiring; it holds no rules of its own.
 */
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { createAccounts } from "./accounts/index.ts";
import {
  createLoginGuard,
  createMemoryRateCounter,
  createRedisRateCounter,
  createSessionStore,
  type LoginLimits,
} from "./auth/index.ts";
import type { Config } from "./config.ts";
import type { Database } from "./db/index.ts";
import { noMetrics, type Metrics } from "./http/metrics.ts";
import { turnCredentials, type MediaServer } from "./media/index.ts";
import { createMeetings } from "./meetings/index.ts";
import { createMemory, createMemoryRecords } from "./memory/index.ts";
import { createNotes } from "./notes/index.ts";
import { createRecordings, createRecordingWorker } from "./recordings/index.ts";
import { createCaps } from "./limits/index.ts";
import { createRooms, DEFAULT_ROOM_LIMITS, type RoomDirectory, type ActorFactory, type Clock, type RoomLimits } from "./rooms/index.ts";
import type { BlobStore } from "./storage/index.ts";
import { createTeams } from "./teams/index.ts";

export interface ServiceDeps {
  config: Readonly<Config>;
  database: Database;
  redis: Redis | null;
  blobs: BlobStore;
  loginLimits?: LoginLimits;
  logger: Logger;
  /** Places rooms; in-process by default. */
  directory?: (createActor: ActorFactory) => RoomDirectory;
  clock?: Clock;
  roomLimits?: RoomLimits;
  /** The SFU; rooms run without media when it is absent. */
  media?: MediaServer;
  /** What is counted for /metrics (`loadMetrics`); nothing by default. */
  metrics?: Metrics;
}

export function createServices({ config, database, redis, blobs, loginLimits, logger, directory, clock, roomLimits, media, metrics = noMetrics() }: ServiceDeps) {
  const db = database.db;
  const sessions = createSessionStore(db, { ttlMs: config.sessionTtlMs });
  const counter = redis ? createRedisRateCounter(redis, config.redisPrefix) : createMemoryRateCounter();
  const loginGuard = createLoginGuard(counter, loginLimits);
  const teams = createTeams({ db });
  // The memory edits notes through the rooms, which are built after the meetings they need.
  let openNotes: Parameters<typeof createMemory>[0]["openNotes"] = () => Promise.reject(new Error("rooms not ready"));
  const memory = createMemory({ db, teams, publicUrl: config.publicUrl, openNotes: (m, conn, p) => openNotes(m, conn, p) });
  const meetings = createMeetings({ db, teams, publicUrl: config.publicUrl, seedAgenda: memory.agendaSeed });
  const recordings = createRecordings({ db, blobs, teams });
  // Turns stopped recordings into one playable file; started by main.ts (tests start their own).
  const recordingWorker = createRecordingWorker({ db, blobs, recordingsDir: config.recordingsDir, logger, lockMs: config.recordingJobLeaseMs });
  const rooms = createRooms({
    db,
    databaseKind: database.kind,
    meetings,
    logger,
    graceMs: config.roomGraceMs,
    // Every node of a cluster holds CLUSTER_SECRET; a lone server may have SECRET_KEY (else the
    // rooms make their own, and a restart forgets who was who).
    seatKey: config.clusterSecret ?? config.secretKey ?? undefined,
    clock,
    limits: roomLimits ?? { ...DEFAULT_ROOM_LIMITS, notesMaxDocBytes: config.notesMaxBytes, seatsPerRoom: config.caps.seatsPerRoom },
    directory,
    media,
    recordings: {
      begin: recordings.begin,
      async finish(id: string) {
        const row = await recordings.finish(id);
        recordingWorker.poke();
        return row;
      },
      status: recordings.status,
    },
    recordingsDir: config.recordingsDir,
    memory: createMemoryRecords(db),
    iceServers: () => (config.turn ? [turnCredentials(config.turn, crypto.randomUUID())] : []),
    onNotesUpdate: () => metrics.notesUpdates.inc(),
  });
  openNotes = (m, conn, p) => rooms.directory.open(m, "notes", conn, p);
  metrics.roomGauges(() => {
    const live = rooms.directory.localRooms();
    return { rooms: live.length, participants: live.reduce((n, r) => n + r.stats().participants, 0) };
  });
  return {
    logger,
    metrics,
    rooms,
    config,
    database,
    redis,
    blobs,
    trustProxy: config.trustProxy,
    caps: createCaps(counter, config.caps),
    sessions,
    accounts: createAccounts({ db, sessions, loginGuard, publicUrl: config.publicUrl, calendarSecret: config.secretKey ?? undefined }),
    teams,
    meetings,
    notes: createNotes({ db, teams, isLive: (code) => rooms.directory.isLive(code) }),
    recordings,
    recordingWorker,
    memory,
  };
}

export type AppServices = ReturnType<typeof createServices>;
