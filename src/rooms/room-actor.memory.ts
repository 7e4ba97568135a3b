import type { Logger } from "pino";
import type { Clock } from "./clock.ts";

/** A stretch of one participant's speech, as the SFU's talking events saw it (epoch ms). */
export interface SpeakerSegmentRow {
  participantId: string;
  userId: string | null;
  name: string;
  startedAt: number;
  endedAt: number;
}

/** One stay of a participant in the room: from taking a seat to leaving it (epoch ms). */
export interface AttendanceRow {
  participantId: string;
  userId: string | null;
  name: string;
  joinedAt: number;
  leftAt: number | null;
}

/** Where a room's memory goes: written in batches, outside the room's mailbox. */
export interface MemoryRecords {
  /** Inserts the segments and the new stays (returning each stay's row id, in order), and sets `leftAt` on stays already written. */
  write(meetingId: string, batch: { segments: SpeakerSegmentRow[]; joined: AttendanceRow[]; left: { rowId: number; leftAt: number; name: string }[] }): Promise<{ joinedIds: number[] }>;
}

/** Two stretches of speech less than this apart are one (a breath, a pause for a word). */
export const SEGMENT_JOIN_MS = 1_000;
/** How often the batch is written while the meeting runs. */
export const MEMORY_FLUSH_MS = 10_000;

interface Who {
  userId: string | null;
  name: string;
}

interface Stay extends AttendanceRow {
  rowId: number | null;
  writing: boolean;
  /** Left, and the row already written: its `leftAt` still to be set. */
  leftDirty: boolean;
}

/**
 * The room's memory: who spoke when and who was there. Every call is a plain state change the
 * mailbox makes without waiting; the rows go to the database in batches from a timer (and on
 * dispose), so a meeting of six people for an hour costs a few hundred short inserts.
 */
export function createRoomMemory(
  meetingId: string,
  deps: { clock: Clock; logger: Logger; records: MemoryRecords; flushMs?: number; joinMs?: number; /** How long before a talking event the speech began (MediaServer.talkingLeadMs). */ leadMs?: number },
) {
  const joinMs = deps.joinMs ?? SEGMENT_JOIN_MS;
  const leadMs = deps.leadMs ?? 0;
  const flushMs = deps.flushMs ?? MEMORY_FLUSH_MS;
  const open = new Map<string, { who: Who; startedAt: number }>();
  /** Closed segments not yet written; the last of each person's is held until a gap could no longer join it. */
  const closed: SpeakerSegmentRow[] = [];
  const stays = new Map<string, Stay>();
  const done: Stay[] = [];
  let timer: unknown = null;
  let flushing: Promise<void> | null = null;
  let disposed = false;

  function schedule() {
    if (disposed || timer !== null) return;
    timer = deps.clock.setTimeout(() => {
      timer = null;
      void flush(false);
    }, flushMs);
  }

  function talking(participantId: string, who: Who, on: boolean) {
    if (disposed) return;
    const now = deps.clock.now();
    if (on) {
      if (open.has(participantId)) return;
      // The speech began a detection window before the SFU said so (but not before the last segment ended).
      const began = now - leadMs;
      // Speech resuming within the gap continues the last segment instead of starting a turn.
      const i = closed.findLastIndex((s) => s.participantId === participantId);
      if (i >= 0 && began - closed[i]!.endedAt < joinMs) {
        const [last] = closed.splice(i, 1);
        open.set(participantId, { who, startedAt: last!.startedAt });
      } else open.set(participantId, { who, startedAt: Math.max(began, i >= 0 ? closed[i]!.endedAt : began) });
      return schedule();
    }
    const seg = open.get(participantId);
    if (!seg) return;
    open.delete(participantId);
    closed.push({ participantId, userId: seg.who.userId, name: who.name || seg.who.name, startedAt: seg.startedAt, endedAt: now });
    schedule();
  }

  function joined(participantId: string, who: Who) {
    if (disposed || stays.has(participantId)) return;
    stays.set(participantId, { participantId, userId: who.userId, name: who.name, joinedAt: deps.clock.now(), leftAt: null, rowId: null, writing: false, leftDirty: false });
    schedule();
  }

  function left(participantId: string, name?: string) {
    if (disposed) return;
    if (open.has(participantId)) talking(participantId, { userId: null, name: name ?? "" }, false);
    const stay = stays.get(participantId);
    if (!stay) return;
    stays.delete(participantId);
    stay.leftAt = deps.clock.now();
    if (name) stay.name = name;
    stay.leftDirty = true;
    done.push(stay);
    schedule();
  }

  /** Writes what is ready: every closed segment (all of them when `all`), new stays and leaves. */
  function flush(all: boolean): Promise<void> {
    const run = async () => {
      if (flushing) await flushing;
      const now = deps.clock.now();
      const segments = all ? closed.splice(0) : takeSettled(now);
      const candidates = [...stays.values(), ...done];
      const joinedStays = candidates.filter((s) => s.rowId === null && !s.writing);
      const leftStays = candidates.filter((s) => s.rowId !== null && s.leftDirty);
      for (const s of joinedStays) s.writing = true;
      for (const s of leftStays) s.leftDirty = false;
      if (segments.length === 0 && joinedStays.length === 0 && leftStays.length === 0) return;
      try {
        const { joinedIds } = await deps.records.write(meetingId, {
          segments,
          joined: joinedStays.map(({ participantId, userId, name, joinedAt, leftAt }) => ({ participantId, userId, name, joinedAt, leftAt })),
          left: leftStays.map((s) => ({ rowId: s.rowId!, leftAt: s.leftAt!, name: s.name })),
        });
        joinedStays.forEach((s, i) => {
          s.rowId = joinedIds[i] ?? null;
          s.writing = false;
          // Left while its row was being inserted: the insert may not carry the leave.
          if (s.leftAt !== null) s.leftDirty = true;
        });
      } catch (err) {
        deps.logger.warn({ err }, "writing the speaker timeline failed; trying again");
        closed.unshift(...segments);
        for (const s of joinedStays) s.writing = false;
        for (const s of leftStays) s.leftDirty = true;
      }
      for (let i = done.length - 1; i >= 0; i--) if (done[i]!.rowId !== null && !done[i]!.leftDirty) done.splice(i, 1);
      if (closed.length > 0 || open.size > 0 || done.length > 0 || [...stays.values()].some((s) => s.rowId === null)) schedule();
    };
    const p = run().finally(() => {
      if (flushing === p) flushing = null;
    });
    flushing = p;
    return p;
  }

  /** Closed segments whose gap has run out (nothing can join them any more). */
  function takeSettled(now: number): SpeakerSegmentRow[] {
    const ready: SpeakerSegmentRow[] = [];
    for (let i = 0; i < closed.length; ) {
      if (now - closed[i]!.endedAt >= joinMs) ready.push(...closed.splice(i, 1));
      else i++;
    }
    return ready;
  }

  return {
    talking,
    joined,
    left,
    /** Closes every open segment and stay, writes everything, and stops the timer. */
    async dispose() {
      if (disposed) return flushing ?? undefined;
      for (const id of [...open.keys()]) talking(id, open.get(id)!.who, false);
      for (const id of [...stays.keys()]) left(id);
      disposed = true;
      if (timer !== null) deps.clock.clearTimeout(timer);
      timer = null;
      await flush(true);
      // One more pass for stays whose row the last flush inserted after they had left.
      if (done.some((s) => s.leftDirty)) await flush(true);
      if (timer !== null) deps.clock.clearTimeout(timer);
      timer = null;
    },
    /** What is waiting to be written (tests and the bench). */
    pending: () => ({ open: open.size, closed: closed.length, stays: stays.size, done: done.length }),
  };
}

export type RoomMemory = ReturnType<typeof createRoomMemory>;
