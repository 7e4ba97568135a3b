/**
 * The one drizzle schema, shared by PGlite and Postgres 15. Change it, then `npm run db:generate`;
 * never edit files under migrations/ by hand.
 */
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  bigserial,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => "bytea",
  fromDriver: (value) => (value instanceof Uint8Array ? value : new Uint8Array(value as ArrayBuffer)),
});

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });
const createdAt = () => timestamptz("created_at").notNull().defaultNow();

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    /** The handle: unique (case-insensitively), no spaces. */
    username: text("username").notNull(),
    /** What teammates see, spaces allowed; null for rows from before it existed (the username stands in). */
    displayName: text("display_name"),
    passwordHash: text("password_hash").notNull(),
    /**
     * The ICS feed's token is derived, HMAC(server secret, id + version), and only its SHA-256 is
     * kept, for the feed to look it up. Rotating bumps the version. Null for rows from before the
     * token was derived, until the user's next GET /api/me.
     */
    calendarTokenHash: text("calendar_token_hash"),
    calendarTokenVersion: integer("calendar_token_version").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: timestamptz("updated_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("users_email_key").on(t.email),
    uniqueIndex("users_username_lower_key").on(sql`lower(${t.username})`),
    uniqueIndex("users_calendar_token_hash_key").on(t.calendarTokenHash),
  ],
);

/**
 * Secrets the server makes for itself on first use and every node shares (e.g. the key that derives
 * ICS tokens), for settings that have no configured secret.
 */
export const serverSecrets = pgTable("server_secrets", {
  name: text("name").primaryKey(),
  value: text("value").notNull(),
  createdAt: createdAt(),
});

export const sessions = pgTable(
  "sessions",
  {
    /** SHA-256 of the cookie's token: a leaked table does not leak sessions. */
    id: text("id").primaryKey(),
    userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    expiresAt: timestamptz("expires_at").notNull(),
  },
  (t) => [index("sessions_user_id_idx").on(t.userId)],
);

export const teams = pgTable(
  "teams",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    code: text("code").notNull(),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("teams_code_key").on(t.code)],
);

export const teamMembers = pgTable(
  "team_members",
  {
    teamId: uuid("team_id").notNull().references(() => teams.id, { onDelete: "cascade" }),
    userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    joinedAt: timestamptz("joined_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.userId] }), index("team_members_user_id_idx").on(t.userId)],
);

export const meetings = pgTable(
  "meetings",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    code: text("code").notNull(),
    teamId: uuid("team_id").references(() => teams.id, { onDelete: "cascade" }),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    title: text("title").notNull(),
    agenda: text("agenda").notNull().default(""),
    startsAt: timestamptz("starts_at"),
    endsAt: timestamptz("ends_at"),
    startedAt: timestamptz("started_at"),
    endedAt: timestamptz("ended_at"),
    /** Guests (and a team meeting's outsiders) wait until a host lets them in. */
    lobby: boolean("lobby").notNull().default(false),
    /** People a host muted may unmute themselves at any time. */
    selfUnmute: boolean("self_unmute").notNull().default(true),
    /** A host locked the live meeting: nobody new joins. Kept while the room moves or restarts; cleared when it ends or empties. */
    locked: boolean("locked").notNull().default(false),
    /** Whom hosts promoted or removed in the live meeting (participant ids and user ids); cleared with `locked`. */
    control: jsonb("control").$type<{ promotedIds: string[]; promotedUsers: string[]; removedIds: string[]; removedUsers: string[] }>(),
    createdAt: createdAt(),
    updatedAt: timestamptz("updated_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("meetings_code_key").on(t.code),
    index("meetings_team_id_starts_at_idx").on(t.teamId, t.startsAt),
    index("meetings_created_by_idx").on(t.createdBy),
  ],
);

/**
 * Meetings that were cancelled (their row is deleted): only so that their link can say "cancelled"
 * instead of "not found", to the people who could see the meeting (a team meeting's: its members).
 */
export const cancelledMeetings = pgTable("cancelled_meetings", {
  code: text("code").primaryKey(),
  teamId: uuid("team_id").references(() => teams.id, { onDelete: "cascade" }),
  cancelledAt: timestamptz("cancelled_at").notNull().defaultNow(),
});

export const meetingParticipants = pgTable(
  "meeting_participants",
  {
    meetingId: uuid("meeting_id").notNull().references(() => meetings.id, { onDelete: "cascade" }),
    userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    firstJoinedAt: timestamptz("first_joined_at").notNull().defaultNow(),
    lastJoinedAt: timestamptz("last_joined_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.meetingId, t.userId] }), index("meeting_participants_user_id_idx").on(t.userId)],
);

export const notes = pgTable(
  "notes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    meetingId: uuid("meeting_id").notNull().references(() => meetings.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    /** Compacted Y.Doc state (Y.encodeStateAsUpdate). */
    ydoc: bytea("ydoc"),
    /** Plain text of the `notes` Y.Text at the last compaction (Markdown). */
    text: text("text").notNull().default(""),
    /**
     * Fencing token of the node that owns the live room. Appends check it under a row lock, so a
     * node that lost its lease cannot write any more.
     */
    leaseToken: bigint("lease_token", { mode: "number" }).notNull().default(0),
    /**
     * When each part of the document was first written, as of the last compaction (src/notes/clock.ts):
     * per Yjs client, runs of [first clock, epoch ms]. Updates logged since carry their own created_at.
     */
    clock: jsonb("clock").$type<Record<string, [number, number][]>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: timestamptz("updated_at").notNull().defaultNow(),
  },
  (t) => [uniqueIndex("notes_meeting_id_key").on(t.meetingId)],
);

/** Who spoke when in a meeting (from the SFU's talking events; a gap under a second joins two). */
export const speakerSegments = pgTable(
  "speaker_segments",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    meetingId: uuid("meeting_id").notNull().references(() => meetings.id, { onDelete: "cascade" }),
    /** The room's participant id (stable across reconnects and moves). */
    participantId: text("participant_id").notNull(),
    userId: uuid("user_id").references(() => users.id, { onDelete: "set null" }),
    name: text("name").notNull(),
    startedAt: timestamptz("started_at").notNull(),
    endedAt: timestamptz("ended_at").notNull(),
  },
  (t) => [index("speaker_segments_meeting_id_started_at_idx").on(t.meetingId, t.startedAt)],
);

/** Each stay of a participant in a meeting: from joining to leaving (null while still there). */
export const attendance = pgTable(
  "attendance",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    meetingId: uuid("meeting_id").notNull().references(() => meetings.id, { onDelete: "cascade" }),
    participantId: text("participant_id").notNull(),
    userId: uuid("user_id").references(() => users.id, { onDelete: "set null" }),
    name: text("name").notNull(),
    joinedAt: timestamptz("joined_at").notNull(),
    leftAt: timestamptz("left_at"),
  },
  (t) => [index("attendance_meeting_id_idx").on(t.meetingId)],
);

export const noteUpdates = pgTable(
  "note_updates",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    noteId: uuid("note_id").notNull().references(() => notes.id, { onDelete: "cascade" }),
    update: bytea("update").notNull(),
    /**
     * For a row that folds several updates into one (a partial compaction, src/rooms/notes-session.ts):
     * when each part of it was written, as the notes' own clock. Null: all of it at created_at.
     */
    clock: jsonb("clock").$type<Record<string, [number, number][]>>(),
    createdAt: createdAt(),
  },
  (t) => [index("note_updates_note_id_id_idx").on(t.noteId, t.id)],
);

export const RECORDING_STATUSES = ["recording", "processing", "ready", "failed"] as const;
export type RecordingStatus = (typeof RECORDING_STATUSES)[number];

export const recordings = pgTable(
  "recordings",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    meetingId: uuid("meeting_id").notNull().references(() => meetings.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    status: text("status", { enum: RECORDING_STATUSES }).notNull().default("recording"),
    blobKey: text("blob_key"),
    mime: text("mime"),
    bytes: bigint("bytes", { mode: "number" }),
    durationMs: integer("duration_ms"),
    /** 0..1 while processing. */
    progress: real("progress"),
    startedBy: uuid("started_by").references(() => users.id, { onDelete: "set null" }),
    startedAt: timestamptz("started_at").notNull().defaultNow(),
    stoppedAt: timestamptz("stopped_at"),
    error: text("error"),
    createdAt: createdAt(),
    updatedAt: timestamptz("updated_at").notNull().defaultNow(),
  },
  (t) => [index("recordings_meeting_id_idx").on(t.meetingId)],
);

export const recordingJobs = pgTable(
  "recording_jobs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    recordingId: uuid("recording_id").notNull().references(() => recordings.id, { onDelete: "cascade" }),
    attempts: integer("attempts").notNull().default(0),
    nextRunAt: timestamptz("next_run_at").notNull().defaultNow(),
    lockedUntil: timestamptz("locked_until"),
    lastError: text("last_error"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("recording_jobs_recording_id_key").on(t.recordingId), index("recording_jobs_next_run_at_idx").on(t.nextRunAt)],
);
