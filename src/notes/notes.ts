import { and, desc, eq } from "drizzle-orm";
import { schema, type Db } from "../db/index.ts";
import { AppError, notFound } from "../errors.ts";
import { isUuid } from "../ids.ts";
import { meetingReadableBy, notesWritten } from "../meetings/index.ts";
import type { Teams } from "../teams/index.ts";

const { notes, meetings } = schema;

export interface NoteView {
  id: string;
  meetingId: string;
  meetingCode: string;
  meetingTitle: string;
  /** When the meeting took place (it started; else it was scheduled; else it was made), to group and date items by meeting. */
  meetingAt: string;
  teamId: string | null;
  title: string;
  createdAt: string;
  updatedAt: string;
  /** The first characters of the text, for lists. */
  excerpt: string;
}

export interface NoteWithText extends NoteView {
  text: string;
}

const EXCERPT = 160;

type Row = { note: typeof notes.$inferSelect; meeting: typeof meetings.$inferSelect };
const view = ({ note, meeting }: Row): NoteView => ({
  id: note.id,
  meetingId: meeting.id,
  meetingCode: meeting.code,
  meetingTitle: meeting.title,
  meetingAt: (meeting.startedAt ?? meeting.startsAt ?? meeting.createdAt).toISOString(),
  teamId: meeting.teamId,
  title: note.title,
  createdAt: note.createdAt.toISOString(),
  updatedAt: note.updatedAt.toISOString(),
  excerpt: note.text.slice(0, EXCERPT),
});

/** Safe file name for a download: letters, digits, dashes. */
export const fileSlug = (title: string) =>
  title.normalize("NFKD").replace(/[^\w\s-]/g, "").trim().replace(/\s+/g, "-").slice(0, 80).toLowerCase() || "notes";

export function createNotes({ db, teams, isLive = async () => false }: { db: Db; teams: Teams; /** Whether the meeting (by code) is live now. */ isLive?(code: string): Promise<boolean> }) {
  async function find(id: string, userId: string): Promise<Row> {
    if (!isUuid(id)) throw notFound("Notes");
    const [row] = await db
      .select({ note: notes, meeting: meetings })
      .from(notes)
      .innerJoin(meetings, eq(meetings.id, notes.meetingId))
      .where(and(eq(notes.id, id), meetingReadableBy(notes.meetingId, userId)))
      .limit(1);
    if (!row) throw notFound("Notes");
    return row;
  }

  return {
    async list(userId: string, filter: { teamId?: string } = {}): Promise<NoteView[]> {
      if (filter.teamId !== undefined) await teams.requireMembership(filter.teamId, userId);
      const rows = await db
        .select({ note: notes, meeting: meetings })
        .from(notes)
        .innerJoin(meetings, eq(meetings.id, notes.meetingId))
        .where(
          and(
            meetingReadableBy(notes.meetingId, userId),
            // Opened and never typed in (empty, or the agenda as seeded): no item in Resources.
            notesWritten(notes.text, meetings.agenda),
            filter.teamId ? eq(meetings.teamId, filter.teamId) : undefined,
          ),
        )
        .orderBy(desc(notes.updatedAt))
        .limit(500);
      return rows.map(view);
    },

    async get(id: string, userId: string): Promise<NoteWithText> {
      const row = await find(id, userId);
      return { ...view(row), text: row.note.text };
    },

    async rename(id: string, userId: string, title: string): Promise<NoteView> {
      const row = await find(id, userId);
      const [note] = await db.update(notes).set({ title: title.trim(), updatedAt: new Date() }).where(eq(notes.id, row.note.id)).returning();
      return view({ note: note!, meeting: row.meeting });
    },

    async remove(id: string, userId: string): Promise<void> {
      const row = await find(id, userId);
      // The live room holds the notes: deleting them under it fenced the room (everyone was
      // reconnected) and the editors wrote the notes back under a new id.
      if (await isLive(row.meeting.code)) throw new AppError("CONFLICT", "The meeting is in progress: its notes can be deleted once it has ended");
      await db.delete(notes).where(eq(notes.id, row.note.id));
    },

    /** The notes as a Markdown file: the title as a heading, then the text as written. */
    async exportMarkdown(id: string, userId: string): Promise<{ filename: string; body: string }> {
      const { note, meeting } = await find(id, userId);
      const when = (meeting.startedAt ?? meeting.startsAt ?? meeting.createdAt).toISOString().slice(0, 10);
      const body = `# ${note.title}\n\n_${meeting.title} · ${when}_\n\n${note.text.trimEnd()}\n`;
      return { filename: `${fileSlug(note.title)}.md`, body };
    },
  };
}

export type Notes = ReturnType<typeof createNotes>;
