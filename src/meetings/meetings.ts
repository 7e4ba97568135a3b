import { and, asc, eq, exists, gte, isNull, lt, or, sql, type AnyColumn, type Placeholder, type SQL } from "drizzle-orm";
import { generateCode, normalizeCode } from "../codes.ts";
import { isUniqueViolation, schema, type Db } from "../db/index.ts";
import { AppError, conflict, forbidden, invalid, notFound, unauthenticated } from "../errors.ts";
import { requireName } from "../names.ts";
import type { Teams } from "../teams/index.ts";
import { notesWritten } from "./access.ts";
import { renderCalendar } from "./ics.ts";
import { instantMeetingTitle, requireTimeZone } from "./titles.ts";

/** A title may be left empty (the meeting gets a default one). */
const TITLE_RULES = { minLength: 0, maxLength: 200 };

const { meetings, meetingParticipants, teamMembers, notes, recordings, cancelledMeetings, teams: teamsTable } = schema;

/**
 * Why a code finds no meeting, told only to those who may know: the meeting page shows these
 * instead of "not found". Each is a 404 NOT_FOUND; the message is the difference.
 */
export const NOT_FOUND_MESSAGES = {
  cancelled: "This meeting was cancelled",
  /** To a signed-in non-member: the room socket's 4403 says as much; the title stays hidden. */
  teamOnly: "This is a team meeting: only its team's members can open it",
  /** A team's code typed as a meeting's: it already lets anyone signed in join that team. */
  teamCode: "That is a team code, not a meeting code: join the team on the Teams page",
} as const;

export type MeetingRow = typeof meetings.$inferSelect;

export interface MeetingView {
  id: string;
  code: string;
  title: string;
  agenda: string;
  teamId: string | null;
  startsAt: string | null;
  endsAt: string | null;
  startedAt: string | null;
  endedAt: string | null;
  url: string;
  createdAt: string;
  /** Whether the viewer may reschedule or cancel it. */
  canEdit: boolean;
  /** Guests wait in a lobby until a host lets them in. */
  lobby: boolean;
  /** People a host muted may unmute themselves. */
  selfUnmute: boolean;
  /** A team meeting seen by an outsider while its lobby is on: joining means waiting for a host. */
  knock?: boolean;
  /** Whether it is being recorded right now (on GET /api/meetings/:code, for the pre-join screen). */
  recording?: boolean;
}

export interface MeetingInput {
  teamId?: string | null;
  title?: string;
  agenda?: string;
  startsAt?: string | null;
  endsAt?: string | null;
  /**
   * The starter's IANA time zone (the browser's), on creation only: an untitled instant meeting is
   * named "<display name>'s meeting, 2 Dec 18:14" in that zone (in UTC, saying so, without it).
   */
  timeZone?: string;
  /** Meeting control settings (a host may change them in the meeting too). */
  lobby?: boolean;
  selfUnmute?: boolean;
}

export interface Viewer {
  id: string;
  /** For titles: the display name, else the username. */
  displayName?: string | null;
  username?: string;
}

const DEFAULT_DURATION_MS = 60 * 60_000;
const MAX_RANGE_MS = 400 * 86_400_000;
const LIST_LIMIT = 1000;

/** When a meeting counts as happening, for calendars: scheduled times, else when it really ran. */
const effectiveStart = sql`coalesce(${meetings.startsAt}, ${meetings.startedAt}, ${meetings.createdAt})`;
const effectiveEnd = sql`coalesce(${meetings.endsAt}, ${meetings.endedAt}, case when ${meetings.startedAt} is null then ${meetings.createdAt} else now() end)`;

/** An instant meeting (never scheduled) that has run and ended. */
export const hasEnded = (m: { startsAt: Date | string | null; endedAt: Date | string | null }) => m.startsAt === null && m.endedAt !== null;

const iso = (d: Date | null) => (d ? d.toISOString() : null);
/** A timestamp parameter for raw SQL: drizzle's postgres-js driver does not serialize Date there. */
const at = (d: Date) => sql`${d.toISOString()}::timestamptz`;

function parseTime(value: string | null | undefined, field: string): Date | null | undefined {
  if (value === undefined || value === null) return value;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw invalid(`${field} is not a date and time`, { [field]: "Expected an ISO 8601 date and time" });
  return new Date(t);
}

export function createMeetings({
  db,
  teams,
  publicUrl,
  seedAgenda,
}: {
  db: Db;
  teams: Teams;
  publicUrl: string;
  /** Agenda lines a new team meeting starts with (the team's open action items). */
  seedAgenda?(teamId: string, userId: string): Promise<string>;
}) {
  const mayEdit = async (m: MeetingRow, viewer: Viewer | null): Promise<boolean> => {
    if (!viewer) return false;
    if (m.teamId) return teams.isMember(m.teamId, viewer.id);
    return m.createdBy === viewer.id;
  };

  const view = (m: MeetingRow, canEdit: boolean): MeetingView => ({
    id: m.id,
    code: m.code,
    title: m.title,
    agenda: m.agenda,
    teamId: m.teamId,
    startsAt: iso(m.startsAt),
    endsAt: iso(m.endsAt),
    startedAt: iso(m.startedAt),
    endedAt: iso(m.endedAt),
    url: `${publicUrl}/m/${m.code}`,
    createdAt: m.createdAt.toISOString(),
    canEdit,
    lobby: m.lobby,
    selfUnmute: m.selfUnmute,
  });

  /** Start and end after applying `input` to `current`: both or neither, end after start. */
  function schedule(input: MeetingInput, current?: MeetingRow): { startsAt: Date | null; endsAt: Date | null } {
    const startsIn = parseTime(input.startsAt, "startsAt");
    const endsIn = parseTime(input.endsAt, "endsAt");
    let startsAt = startsIn === undefined ? (current?.startsAt ?? null) : startsIn;
    let endsAt = endsIn === undefined ? (current?.endsAt ?? null) : endsIn;
    if (startsIn === null) endsAt = endsIn ?? null;
    if (startsAt && startsIn && endsIn === undefined && current?.startsAt && current.endsAt) {
      // Moving the start keeps the meeting's length.
      endsAt = new Date(startsAt.getTime() + (current.endsAt.getTime() - current.startsAt.getTime()));
    }
    if (startsAt && !endsAt) endsAt = new Date(startsAt.getTime() + DEFAULT_DURATION_MS);
    if (!startsAt && endsAt) throw invalid("endsAt needs startsAt", { startsAt: "Required when endsAt is given" });
    if (startsAt && endsAt && endsAt <= startsAt) throw invalid("The meeting must end after it starts", { endsAt: "Must be after startsAt" });
    if (startsAt && endsAt && endsAt.getTime() - startsAt.getTime() > 7 * 86_400_000) {
      throw invalid("A meeting can last a week at most", { endsAt: "At most 7 days after startsAt" });
    }
    for (const [field, d] of [["startsAt", startsAt], ["endsAt", endsAt]] as const) {
      if (d && (d.getUTCFullYear() < 2000 || d.getUTCFullYear() > 9999)) throw invalid(`${field} is out of range`, { [field]: "Out of range" });
    }
    return { startsAt, endsAt };
  }

  async function byCode(codeInput: string): Promise<MeetingRow> {
    const code = normalizeCode(codeInput);
    if (!code) throw notFound("Meeting");
    const [m] = await db.select().from(meetings).where(eq(meetings.code, code)).limit(1);
    if (!m) throw notFound("Meeting");
    return m;
  }

  /** Who may see a meeting of `teamId`: 401 signed out, 404 (saying it is a team's) for outsiders. */
  async function requireTeamView(teamId: string, viewer: Viewer | null): Promise<void> {
    if (!viewer) throw unauthenticated("This is a team meeting: sign in to join");
    if (!(await teams.isMember(teamId, viewer.id))) throw new AppError("NOT_FOUND", NOT_FOUND_MESSAGES.teamOnly);
  }

  /**
   * Why there is no meeting with this code, as a 404 that tells no one more than they may know: a
   * cancelled meeting says so to those who could see it (anyone for a public one); a team's code
   * says so (whoever holds it may already join that team with it); else plain "not found".
   */
  async function missing(codeInput: string, viewer: Viewer | null): Promise<never> {
    const code = normalizeCode(codeInput);
    if (code) {
      const [gone] = await db.select({ teamId: cancelledMeetings.teamId }).from(cancelledMeetings).where(eq(cancelledMeetings.code, code)).limit(1);
      if (gone) {
        if (gone.teamId) await requireTeamView(gone.teamId, viewer);
        throw new AppError("NOT_FOUND", NOT_FOUND_MESSAGES.cancelled);
      }
      const [team] = await db.select({ one: sql`1` }).from(teamsTable).where(eq(teamsTable.code, code)).limit(1);
      if (team) throw new AppError("NOT_FOUND", NOT_FOUND_MESSAGES.teamCode);
    }
    throw notFound("Meeting");
  }

  /** The meeting by code if the viewer may see it. Team meetings: 401 signed out, 404 for outsiders. */
  async function find(codeInput: string, viewer: Viewer | null): Promise<MeetingRow> {
    const code = normalizeCode(codeInput);
    const [m] = code ? await db.select().from(meetings).where(eq(meetings.code, code)).limit(1) : [];
    if (!m) return missing(codeInput, viewer);
    if (m.teamId) await requireTeamView(m.teamId, viewer);
    return m;
  }

  async function findEditable(code: string, viewer: Viewer | null): Promise<MeetingRow> {
    const m = await find(code, viewer);
    if (!(await mayEdit(m, viewer))) {
      if (!viewer) throw unauthenticated("Sign in to change this meeting");
      throw forbidden("Only the person who created this meeting can change it");
    }
    return m;
  }

  const visibleTo = (userId: string | Placeholder): SQL =>
    or(
      sql`${meetings.teamId} in (select ${teamMembers.teamId} from ${teamMembers} where ${teamMembers.userId} = ${userId})`,
      and(
        isNull(meetings.teamId),
        or(
          eq(meetings.createdBy, userId),
          exists(
            db
              .select({ one: sql`1` })
              .from(meetingParticipants)
              .where(and(eq(meetingParticipants.meetingId, meetings.id), eq(meetingParticipants.userId, userId))),
          ),
        ),
      ),
    )!;

  /**
   * The calendar query, prepared once per process. It is the hottest read: timestamps come back as
   * epoch milliseconds, because turning Postgres's timestamp text into Dates was most of its CPU.
   */
  const epochMs = (column: AnyColumn) => sql<string | null>`floor(extract(epoch from ${column}) * 1000)::int8`; // floor: Dates truncate microseconds
  const me = sql.placeholder("me");
  const prepareCalendar = (byTeam: boolean) =>
    db
      .select({
        id: meetings.id,
        code: meetings.code,
        title: meetings.title,
        agenda: meetings.agenda,
        teamId: meetings.teamId,
        startsAt: epochMs(meetings.startsAt),
        endsAt: epochMs(meetings.endsAt),
        startedAt: epochMs(meetings.startedAt),
        endedAt: epochMs(meetings.endedAt),
        createdAt: epochMs(meetings.createdAt),
        lobby: meetings.lobby,
        selfUnmute: meetings.selfUnmute,
        canEdit: sql<boolean>`(${meetings.teamId} is not null or ${meetings.createdBy} is not distinct from ${me}::uuid)`,
      })
      .from(meetings)
      .where(
        and(
          byTeam ? sql`${meetings.teamId} = ${sql.placeholder("teamId")}::uuid` : visibleTo(me),
          lt(effectiveStart, sql`${sql.placeholder("to")}::timestamptz`),
          gte(effectiveEnd, sql`${sql.placeholder("from")}::timestamptz`),
        ),
      )
      .orderBy(asc(effectiveStart), asc(meetings.id))
      .limit(LIST_LIMIT)
      .prepare(byTeam ? "dictate_calendar_team" : "dictate_calendar");
  let visiblePrepared: ReturnType<typeof prepareCalendar> | undefined;
  let teamPrepared: ReturnType<typeof prepareCalendar> | undefined;
  const calendar = {
    visible: () => (visiblePrepared ??= prepareCalendar(false)),
    byTeam: () => (teamPrepared ??= prepareCalendar(true)),
  };
  const isoMs = (ms: string | number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

  return {
    view,
    find,

    /**
     * The meeting a socket may join, with the sockets' distinct refusals: 404 unknown, 401 a team
     * meeting without a session, 403 not a member.
     */
    async findForJoin(codeInput: string, viewer: Viewer | null): Promise<MeetingRow & { viewerTeamMember?: boolean }> {
      const m = await byCode(codeInput);
      if (m.teamId) {
        const member = viewer ? await teams.isMember(m.teamId, viewer.id) : false;
        // With its lobby on, a team meeting lets outsiders knock; the room (which knows the live
        // setting) admits, waits or refuses them. With it off they are refused here, as always.
        if (!member && !m.lobby) {
          if (!viewer) throw unauthenticated("This is a team meeting: sign in to join");
          throw forbidden("Only members of this meeting's team can join");
        }
        return { ...m, viewerTeamMember: member };
      }
      return m;
    },

    /** The saved control settings of a meeting, read when its room loads. */
    async loadControl(meetingId: string) {
      const [row] = await db
        .select({ createdBy: meetings.createdBy, lobby: meetings.lobby, selfUnmute: meetings.selfUnmute, locked: meetings.locked, control: meetings.control })
        .from(meetings)
        .where(eq(meetings.id, meetingId))
        .limit(1);
      return row ?? null;
    },

    /** The live meeting's lock and whom its hosts promoted or removed; null forgets them (it ended). */
    async saveControl(meetingId: string, state: { locked: boolean; promotedIds: string[]; promotedUsers: string[]; removedIds: string[]; removedUsers: string[] } | null): Promise<void> {
      const control = state ? { promotedIds: state.promotedIds, promotedUsers: state.promotedUsers, removedIds: state.removedIds, removedUsers: state.removedUsers } : null;
      await db.update(meetings).set({ locked: state?.locked ?? false, control }).where(eq(meetings.id, meetingId));
    },

    /** A host changed the lobby or self-unmute setting in the room. */
    async saveSettings(meetingId: string, settings: { lobby: boolean; selfUnmute: boolean }): Promise<void> {
      await db.update(meetings).set({ lobby: settings.lobby, selfUnmute: settings.selfUnmute }).where(eq(meetings.id, meetingId));
    },

    /** Someone who may rename the meeting did so in the room (checked there, by the same rule as update()). */
    async saveTitle(meetingId: string, title: string): Promise<void> {
      await db.update(meetings).set({ title, updatedAt: new Date() }).where(eq(meetings.id, meetingId));
    },

    /** The room went live: the meeting has started (again). */
    async markStarted(meetingId: string): Promise<void> {
      await db
        .update(meetings)
        .set({ startedAt: sql`coalesce(${meetings.startedAt}, now())`, endedAt: null })
        .where(eq(meetings.id, meetingId));
    },

    async markEnded(meetingId: string): Promise<void> {
      await db.update(meetings).set({ endedAt: sql`now()` }).where(eq(meetings.id, meetingId));
    },

    async recordParticipant(meetingId: string, userId: string): Promise<void> {
      await db
        .insert(meetingParticipants)
        .values({ meetingId, userId })
        .onConflictDoUpdate({ target: [meetingParticipants.meetingId, meetingParticipants.userId], set: { lastJoinedAt: sql`now()` } });
    },

    async create(viewer: Viewer | null, input: MeetingInput): Promise<MeetingView> {
      if (input.teamId !== undefined && input.teamId !== null) {
        if (!viewer) throw unauthenticated("Sign in to start a team meeting");
        await teams.requireMembership(input.teamId, viewer.id);
      }
      const given = input.title === undefined ? "" : requireName("title", input.title, TITLE_RULES);
      const timeZone = input.timeZone === undefined ? undefined : requireTimeZone(input.timeZone);
      const { startsAt, endsAt } = schedule(input);
      const starter = viewer?.displayName || viewer?.username;
      const title = given || (startsAt ? "Meeting" : starter ? instantMeetingTitle(starter, new Date(), timeZone) : "Instant meeting");
      let agenda = input.agenda ?? "";
      if (input.teamId && viewer && seedAgenda) {
        // The team's open items carry over; a failure to read them never stops the meeting being made.
        const seeded = await seedAgenda(input.teamId, viewer.id).catch(() => "");
        if (seeded) agenda = (agenda.trim() ? `${agenda.trimEnd()}\n\n${seeded}` : seeded).slice(0, 20_000);
      }
      for (let attempt = 0; ; attempt++) {
        try {
          const [row] = await db
            .insert(meetings)
            .values({
              code: generateCode(),
              teamId: input.teamId ?? null,
              createdBy: viewer?.id ?? null,
              title,
              agenda,
              startsAt,
              endsAt,
              // Scheduled team meetings hold guests in the lobby unless told otherwise; instant meetings do not.
              lobby: input.lobby ?? (!!input.teamId && startsAt !== null),
              selfUnmute: input.selfUnmute ?? true,
            })
            .returning();
          return view(row!, viewer !== null);
        } catch (err) {
          if (attempt < 3 && isUniqueViolation(err, "meetings_code_key")) continue;
          throw err;
        }
      }
    },

    async get(code: string, viewer: Viewer | null): Promise<MeetingView> {
      const normalized = normalizeCode(code);
      const [row] = normalized ? await db.select().from(meetings).where(eq(meetings.code, normalized)).limit(1) : [];
      if (row?.teamId && row.lobby && !(viewer && (await teams.isMember(row.teamId, viewer.id)))) {
        // An outsider may knock on a team meeting whose lobby is on: they learn that much, not its title or agenda.
        return { ...view({ ...row, title: "", agenda: "" }, false), knock: true };
      }
      const m = await find(code, viewer);
      const [canEdit, live] = await Promise.all([
        mayEdit(m, viewer),
        db.select({ id: recordings.id }).from(recordings).where(and(eq(recordings.meetingId, m.id), eq(recordings.status, "recording"))).limit(1),
      ]);
      // Anyone about to join is told, before they join, that they would be recorded.
      return { ...view(m, canEdit), recording: live.length > 0 };
    },

    /**
     * One meeting as an iCalendar file to import ("Download invitation"): whoever may open the
     * meeting may have it (anyone for a public meeting, members for a team's).
     */
    async invitation(code: string, viewer: Viewer | null): Promise<{ filename: string; body: string }> {
      const m = await find(code, viewer);
      const slug = m.title.normalize("NFKD").replace(/[^\w\s-]/g, "").trim().replace(/\s+/g, "-").slice(0, 60).toLowerCase();
      return { filename: `${slug || "meeting"}-${m.code}.ics`, body: renderCalendar([m], { publicUrl, name: m.title }) };
    },

    async update(code: string, viewer: Viewer | null, input: MeetingInput): Promise<MeetingView> {
      const m = await findEditable(code, viewer);
      if (input.teamId !== undefined && input.teamId !== m.teamId) {
        throw invalid("A meeting's team cannot change", { teamId: "Cannot be changed" });
      }
      const title = input.title === undefined ? undefined : requireName("title", input.title, TITLE_RULES) || m.title;
      if (hasEnded(m) && (input.startsAt !== undefined || input.endsAt !== undefined)) {
        // An instant meeting that ran and ended is history: it keeps its notes and recordings and can be renamed, not moved.
        throw conflict("This meeting has ended: it can be renamed but not rescheduled", { startsAt: "The meeting has ended" });
      }
      const { startsAt, endsAt } = schedule(input, m);
      const [row] = await db
        .update(meetings)
        .set({
          ...(title !== undefined ? { title } : {}),
          ...(input.agenda !== undefined ? { agenda: input.agenda } : {}),
          startsAt,
          endsAt,
          ...(input.lobby !== undefined ? { lobby: input.lobby } : {}),
          ...(input.selfUnmute !== undefined ? { selfUnmute: input.selfUnmute } : {}),
          updatedAt: new Date(),
        })
        .where(eq(meetings.id, m.id))
        .returning();
      return view(row!, true);
    },

    /**
     * Cancels a meeting. One that left notes or recordings keeps them: delete those first. Notes
     * nobody wrote in (empty, or only the agenda) go with the meeting.
     */
    async remove(code: string, viewer: Viewer | null): Promise<void> {
      const m = await findEditable(code, viewer);
      const [hasNotes] = await db
        .select({ one: sql`1` })
        .from(notes)
        .where(and(eq(notes.meetingId, m.id), notesWritten(notes.text, m.agenda)))
        .limit(1);
      const [hasRecordings] = await db.select({ one: sql`1` }).from(recordings).where(eq(recordings.meetingId, m.id)).limit(1);
      if (hasNotes || hasRecordings) {
        throw conflict("This meeting has notes or recordings; delete them under Resources first");
      }
      await db.transaction(async (tx) => {
        await tx.delete(meetings).where(eq(meetings.id, m.id));
        await tx.insert(cancelledMeetings).values({ code: m.code, teamId: m.teamId }).onConflictDoNothing();
      });
    },

    /** Meetings the user can see (theirs and their teams') overlapping [from, to). */
    async list(viewer: Viewer, query: { from?: string; to?: string; teamId?: string }): Promise<MeetingView[]> {
      const now = new Date();
      const from = parseTime(query.from, "from") ?? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
      const to = parseTime(query.to, "to") ?? new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
      if (to <= from) throw invalid("to must be after from", { to: "Must be after from" });
      if (to.getTime() - from.getTime() > MAX_RANGE_MS) throw invalid("The range is too long (400 days at most)", { to: "At most 400 days after from" });
      if (query.teamId) await teams.requireMembership(query.teamId, viewer.id);
      const params = { me: viewer.id, from: from.toISOString(), to: to.toISOString(), teamId: query.teamId ?? null };
      const rows = await (query.teamId ? calendar.byTeam() : calendar.visible()).execute(params);
      return rows.map((m) => ({
        id: m.id,
        code: m.code,
        title: m.title,
        agenda: m.agenda,
        teamId: m.teamId,
        startsAt: isoMs(m.startsAt),
        endsAt: isoMs(m.endsAt),
        startedAt: isoMs(m.startedAt),
        endedAt: isoMs(m.endedAt),
        url: `${publicUrl}/m/${m.code}`,
        createdAt: isoMs(m.createdAt)!,
        canEdit: m.canEdit,
        lobby: m.lobby,
        selfUnmute: m.selfUnmute,
      }));
    },

    /** A team's meetings that have not ended yet, soonest first. */
    async upcomingForTeam(teamId: string, limit = 20): Promise<MeetingView[]> {
      const rows = await db
        .select()
        .from(meetings)
        .where(and(eq(meetings.teamId, teamId), isNull(meetings.endedAt), gte(effectiveEnd, at(new Date()))))
        .orderBy(asc(effectiveStart))
        .limit(limit);
      return rows.map((m) => view(m, true));
    },

    /** Every meeting the user can see in a window around now, for the ICS feed. */
    async forFeed(userId: string): Promise<MeetingRow[]> {
      const now = Date.now();
      return db
        .select()
        .from(meetings)
        .where(and(visibleTo(userId), gte(effectiveEnd, at(new Date(now - 90 * 86_400_000))), lt(effectiveStart, at(new Date(now + 400 * 86_400_000)))))
        .orderBy(asc(effectiveStart))
        .limit(LIST_LIMIT);
    },
  };
}

export type Meetings = ReturnType<typeof createMeetings>;
