import { inArray, sql } from "drizzle-orm";
import { schema, type Db } from "../db/index.ts";
import type { MemoryRecords } from "../rooms/index.ts";

const { speakerSegments, attendance } = schema;

/** The room's memory rows in the database: one statement per kind and batch. */
export function createMemoryRecords(db: Db): MemoryRecords {
  return {
    async write(meetingId, batch) {
      return db.transaction(async (tx) => {
        if (batch.segments.length > 0) {
          await tx.insert(speakerSegments).values(
            batch.segments.map((s) => ({ meetingId, participantId: s.participantId, userId: s.userId, name: s.name, startedAt: new Date(s.startedAt), endedAt: new Date(s.endedAt) })),
          );
        }
        let joinedIds: number[] = [];
        if (batch.joined.length > 0) {
          const rows = await tx
            .insert(attendance)
            .values(batch.joined.map((s) => ({ meetingId, participantId: s.participantId, userId: s.userId, name: s.name, joinedAt: new Date(s.joinedAt), leftAt: s.leftAt === null ? null : new Date(s.leftAt) })))
            .returning({ id: attendance.id });
          joinedIds = rows.map((r) => r.id);
        }
        if (batch.left.length > 0) {
          // One UPDATE for every leave of the batch.
          const ids = batch.left.map((l) => l.rowId);
          const leftAt = sql.join(batch.left.map((l) => sql`when ${l.rowId} then ${new Date(l.leftAt).toISOString()}::timestamptz`), sql` `);
          const names = sql.join(batch.left.map((l) => sql`when ${l.rowId} then ${l.name}::text`), sql` `);
          await tx
            .update(attendance)
            .set({ leftAt: sql`case ${attendance.id} ${leftAt} end`, name: sql`case ${attendance.id} ${names} end` })
            .where(inArray(attendance.id, ids));
        }
        return { joinedIds };
      });
    },
  };
}
