import { and, asc, desc, eq, isNotNull, or, sql } from "drizzle-orm";
import { normalizeCode } from "../codes.ts";
import { schema, type Db } from "../db/index.ts";
import { AppError, notFound } from "../errors.ts";
import { meetingReadableBy } from "../meetings/index.ts";
import { fileSlug, linesWithTimes, readNotesWithClock } from "../notes/index.ts";
import type { Connection, Principal, RoomMeeting, SocketSink } from "../rooms/index.ts";
import type { Teams } from "../teams/index.ts";
import { itemsOf, tick } from "./action-items.ts";
import { renderMarkdown } from "./markdown.ts";
import { editThroughRoom } from "./through-room.ts";

const { meetings, attendance, speakerSegments, recordings, notes, noteUpdates, teams: teamsTable } = schema;

export interface TimelineParticipant {
  id: string;
  name: string;
  userId: string | null;
  joinedAt: string;
  leftAt: string | null;
}

export interface Timeline {
  meetingCode: string;
  title: string;
  teamId: string | null;
  /** The meeting's start: when it was marked started, else its first join; every `…Ms` counts from it. */
  startedAt: string | null;
  endedAt: string | null;
  participants: TimelineParticipant[];
  segments: { participantId: string; startMs: number; endMs: number }[];
  /** Per participant, most talk first: total, share of all talk (0..1), number of turns. */
  talk: { participantId: string; ms: number; share: number; turns: number }[];
  recordings: { id: string; title: string; status: string; offsetMs: number; durationMs: number | null }[];
  /** The notes, line by line; `atMs` is when the line was first written (null: seeded or unknown). */
  lines: { text: string; atMs: number | null }[];
  actionItems: ActionItem[];
}

export interface ActionItem {
  /** `<meeting code>.<client>.<clock>`: the Yjs id of the line's first character, stable while the notes change around it. */
  id: string;
  text: string;
  done: boolean;
  assignee: string | null;
  meetingCode: string;
  meetingTitle: string;
  /** When the meeting took place (ISO). */
  meetingAt: string;
  /** When the line was written, from the meeting's start (null: seeded or unknown). */
  atMs: number | null;
}

type MeetingRow = typeof meetings.$inferSelect;

const ITEM_ID = /^([a-z0-9-]{1,64})\.(\d{1,16})\.(\d{1,16})$/;
/** Team meetings whose notes the team page reads for items, newest first. */
const MAX_TEAM_MEETINGS = 200;

export interface MemoryDeps {
  db: Db;
  teams: Teams;
  publicUrl: string;
  /** Attaches a socket to the meeting's notes wherever the room lives (rooms.directory). */
  openNotes(meeting: RoomMeeting, conn: Connection, principal: Principal): Promise<SocketSink>;
}

/** The meeting's memory afterwards: timeline, talk time, notes on the clock, action items, export. */
export function createMemory(deps: MemoryDeps) {
  const { db, teams } = deps;

  /** The meeting if `userId` may read its notes and recordings; else 404 (non-members learn nothing). */
  async function readable(code: string, userId: string): Promise<MeetingRow> {
    const normalized = normalizeCode(code);
    if (!normalized) throw notFound("Meeting");
    const [row] = await db
      .select({ meeting: meetings })
      .from(meetings)
      .where(and(eq(meetings.code, normalized), meetingReadableBy(meetings.id, userId)))
      .limit(1);
    if (!row) throw notFound("Meeting");
    return row.meeting;
  }

  const meetingAt = (m: MeetingRow) => (m.startedAt ?? m.startsAt ?? m.createdAt).toISOString();

  async function itemsOfMeeting(m: MeetingRow, origin: number | null): Promise<ActionItem[]> {
    const read = await readNotesWithClock(db, m.id);
    if (!read) return [];
    try {
      return itemsOf(read.doc, read.clock).map((i) => ({
        id: `${m.code}.${i.key}`,
        text: i.text,
        done: i.done,
        assignee: i.assignee,
        meetingCode: m.code,
        meetingTitle: m.title,
        meetingAt: meetingAt(m),
        atMs: i.at !== null && origin !== null ? i.at - origin : null,
      }));
    } finally {
      read.doc.destroy();
    }
  }

  async function originOf(m: MeetingRow): Promise<number | null> {
    if (m.startedAt) return m.startedAt.getTime();
    const [first] = await db.select({ at: attendance.joinedAt }).from(attendance).where(eq(attendance.meetingId, m.id)).orderBy(asc(attendance.joinedAt)).limit(1);
    return first ? first.at.getTime() : null;
  }

  async function timeline(code: string, userId: string): Promise<Timeline> {
    const m = await readable(code, userId);
    const [stays, segs, recs, read] = await Promise.all([
      db.select().from(attendance).where(eq(attendance.meetingId, m.id)).orderBy(asc(attendance.joinedAt)),
      db.select().from(speakerSegments).where(eq(speakerSegments.meetingId, m.id)).orderBy(asc(speakerSegments.startedAt)),
      db.select().from(recordings).where(eq(recordings.meetingId, m.id)).orderBy(asc(recordings.startedAt)),
      readNotesWithClock(db, m.id),
    ]);
    const origin = m.startedAt?.getTime() ?? stays[0]?.joinedAt.getTime() ?? segs[0]?.startedAt.getTime() ?? null;
    const rel = (d: Date) => (origin === null ? 0 : d.getTime() - origin);
    // A participant may have several stays (they came back, or the room moved): one row each, from the first join to the last leave.
    const people = new Map<string, TimelineParticipant>();
    for (const s of stays) {
      const p = people.get(s.participantId);
      if (!p) {
        people.set(s.participantId, { id: s.participantId, name: s.name, userId: s.userId, joinedAt: s.joinedAt.toISOString(), leftAt: s.leftAt?.toISOString() ?? null });
        continue;
      }
      p.name = s.name;
      if (s.leftAt === null) p.leftAt = null;
      else if (p.leftAt !== null && s.leftAt.toISOString() > p.leftAt) p.leftAt = s.leftAt.toISOString();
    }
    // Someone heard speaking whose stay was never written (a crash): still listed.
    for (const s of segs) if (!people.has(s.participantId)) people.set(s.participantId, { id: s.participantId, name: s.name, userId: s.userId, joinedAt: s.startedAt.toISOString(), leftAt: s.endedAt.toISOString() });
    // A stay left open by a node that died ends with the meeting.
    if (m.endedAt) for (const p of people.values()) if (p.leftAt === null) p.leftAt = m.endedAt.toISOString();
    const segments = segs.map((s) => ({ participantId: s.participantId, startMs: rel(s.startedAt), endMs: rel(s.endedAt) }));
    const talkBy = new Map<string, { ms: number; turns: number }>();
    for (const s of segments) {
      const t = talkBy.get(s.participantId) ?? { ms: 0, turns: 0 };
      t.ms += s.endMs - s.startMs;
      t.turns++;
      talkBy.set(s.participantId, t);
    }
    const total = [...talkBy.values()].reduce((n, t) => n + t.ms, 0);
    const talk = [...talkBy.entries()]
      .map(([participantId, t]) => ({ participantId, ms: t.ms, share: total > 0 ? t.ms / total : 0, turns: t.turns }))
      .sort((a, b) => b.ms - a.ms);
    let lines: Timeline["lines"] = [];
    let actionItems: ActionItem[] = [];
    if (read) {
      try {
        lines = linesWithTimes(read.doc, read.clock).map((l) => ({ text: l.text, atMs: l.at !== null && origin !== null ? l.at - origin : null }));
        if (lines.length > 0 && lines.at(-1)!.text === "") lines.pop();
        actionItems = itemsOf(read.doc, read.clock).map((i) => ({
          id: `${m.code}.${i.key}`,
          text: i.text,
          done: i.done,
          assignee: i.assignee,
          meetingCode: m.code,
          meetingTitle: m.title,
          meetingAt: meetingAt(m),
          atMs: i.at !== null && origin !== null ? i.at - origin : null,
        }));
      } finally {
        read.doc.destroy();
      }
    }
    return {
      meetingCode: m.code,
      title: m.title,
      teamId: m.teamId,
      startedAt: origin === null ? null : new Date(origin).toISOString(),
      endedAt: m.endedAt?.toISOString() ?? null,
      participants: [...people.values()],
      segments,
      talk,
      recordings: recs.map((r) => ({ id: r.id, title: r.title, status: r.status, offsetMs: rel(r.startedAt), durationMs: r.durationMs })),
      lines,
      actionItems,
    };
  }

  /**
   * Every item of the team's meetings. An item carried into a later meeting's agenda (the same text)
   * counts once: done when ticked in any of them, else as it stands in the latest.
   */
  async function teamItems(teamId: string, userId: string, filter: { done?: boolean } = {}): Promise<ActionItem[]> {
    await teams.requireMembership(teamId, userId);
    const rows = await db
      .select({ meeting: meetings })
      .from(meetings)
      .innerJoin(notes, eq(notes.meetingId, meetings.id))
      .where(
        and(
          eq(meetings.teamId, teamId),
          // Only notes that hold a box, or have changes not yet compacted into their text: the rest hold no items.
          or(sql`${notes.text} ~ '\\[[ xX]\\]'`, sql`exists (select 1 from ${noteUpdates} where ${noteUpdates.noteId} = ${notes.id})`),
        ),
      )
      .orderBy(desc(meetings.createdAt))
      .limit(MAX_TEAM_MEETINGS);
    const all: ActionItem[] = [];
    for (const { meeting } of rows) all.push(...(await itemsOfMeeting(meeting, await originOf(meeting))));
    // One entry per item text: done once ticked in any meeting holding it (a carried-over copy in a
    // later agenda does not reopen it), else open as it stands in the latest meeting holding it.
    const byText = new Map<string, ActionItem>();
    const norm = (t: string) => t.toLocaleLowerCase().replace(/\s+/g, " ").trim();
    for (const item of all.sort((a, b) => (a.meetingAt < b.meetingAt ? -1 : a.meetingAt > b.meetingAt ? 1 : 0))) {
      const key = norm(item.text);
      const seen = byText.get(key);
      if (!seen || item.done || !seen.done) byText.set(key, item);
    }
    const items = [...byText.values()].reverse();
    return filter.done === undefined ? items : items.filter((i) => i.done === filter.done);
  }

  async function setDone(id: string, user: { id: string; username: string }, done: boolean): Promise<ActionItem> {
    const m = ITEM_ID.exec(id);
    if (!m) throw notFound("Action item");
    const meeting = await readable(m[1]!, user.id).catch(() => {
      throw notFound("Action item");
    });
    const key = `${m[2]}.${m[3]}`;
    const principal: Principal = {
      userId: user.id,
      username: user.username,
      ...(meeting.teamId ? { teamMember: await teams.isMember(meeting.teamId, user.id) } : {}),
    };
    const room: RoomMeeting = { id: meeting.id, code: meeting.code, title: meeting.title, agenda: meeting.agenda, teamId: meeting.teamId };
    await editThroughRoom(
      (conn) => deps.openNotes(room, conn, principal),
      (doc) => {
        const update = tick(doc, key, done);
        return update === "missing" ? notFound("Action item") : update;
      },
    );
    const item = (await itemsOfMeeting(meeting, await originOf(meeting))).find((i) => i.id === `${meeting.code}.${key}`);
    if (!item) throw new AppError("CONFLICT", "The item changed meanwhile; reload");
    return item;
  }

  /** The team's open items, as agenda lines for its next meeting (empty when there are none). */
  async function agendaSeed(teamId: string, userId: string): Promise<string> {
    const open = await teamItems(teamId, userId, { done: false });
    if (open.length === 0) return "";
    return ["Open action items:", ...open.map((i) => `- [ ] ${i.text}`)].join("\n");
  }

  async function exportMarkdown(code: string, userId: string): Promise<{ filename: string; body: string }> {
    const t = await timeline(code, userId);
    const [team] = t.teamId ? await db.select({ name: teamsTable.name }).from(teamsTable).where(eq(teamsTable.id, t.teamId)) : [];
    const ready = await db
      .select({ id: recordings.id })
      .from(recordings)
      .innerJoin(meetings, eq(meetings.id, recordings.meetingId))
      .where(and(eq(meetings.code, t.meetingCode), eq(recordings.status, "ready"), isNotNull(recordings.blobKey), meetingReadableBy(recordings.meetingId, userId)));
    const readyIds = new Set(ready.map((r) => r.id));
    return {
      filename: `${fileSlug(t.title)}-memory.md`,
      body: renderMarkdown(t, {
        teamName: team?.name ?? null,
        recordingUrl: (id) => (readyIds.has(id) ? `${deps.publicUrl}/api/recordings/${id}/media` : null),
        pageUrl: `${deps.publicUrl}/m/${t.meetingCode}/memory`,
      }),
    };
  }

  return { timeline, teamItems, setDone, agendaSeed, exportMarkdown };
}

export type Memory = ReturnType<typeof createMemory>;
