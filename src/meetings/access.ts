import { and, eq, or, sql, type AnyColumn, type SQL } from "drizzle-orm";
import { schema } from "../db/index.ts";

const { meetings, meetingParticipants, teamMembers } = schema;

/**
 * Who may read a meeting's notes and recordings afterwards: signed-in people who took part (or
 * created it), and for a team meeting the team's members. `meetingId` is the column to test;
 * the query must join `meetings` on it.
 */
export function meetingReadableBy(meetingId: AnyColumn, userId: string): SQL {
  return or(
    eq(meetings.createdBy, userId),
    sql`exists (select 1 from ${meetingParticipants} where ${meetingParticipants.meetingId} = ${meetingId} and ${meetingParticipants.userId} = ${userId})`,
    and(
      sql`${meetings.teamId} is not null`,
      sql`exists (select 1 from ${teamMembers} where ${teamMembers.teamId} = ${meetings.teamId} and ${teamMembers.userId} = ${userId})`,
    ),
  )!;
}

/** Text without the white space around it, in SQL (Postgres's btrim only trims spaces). */
const stripped = (text: AnyColumn | SQL) => sql`regexp_replace(${text}, '^[[:space:]]+|[[:space:]]+$', '', 'g')`;

/**
 * Whether a meeting's notes hold anything someone wrote: not empty, and not just the agenda they were
 * seeded with. Notes someone opened and never typed in are no resource: lists leave them out, and
 * they do not keep their meeting from being cancelled.
 */
export function notesWritten(noteText: AnyColumn, agenda: AnyColumn | string): SQL {
  return sql`${stripped(noteText)} <> ${stripped(typeof agenda === "string" ? sql`${agenda}::text` : agenda)}`;
}
