/**
 * Resources by meeting: each meeting's notes and recordings together under it, newest meeting
 * first, dated by when the meeting took place (`meetingAt`, from the server) in local time.
 */
import type { Note, Recording } from "./calendar-api.ts";

export type ResourceItem = ({ kind: "note" } & Note) | ({ kind: "recording" } & Recording);

export interface MeetingGroup {
  meetingId: string;
  meetingCode: string;
  meetingTitle: string;
  meetingAt: Date;
  teamId: string | null;
  /** Notes first (a meeting has one), then recordings in the order they were made. */
  items: ResourceItem[];
}

const itemTime = (i: ResourceItem) => new Date(i.kind === "recording" ? i.startedAt : i.createdAt).getTime();

/** Groups notes and recordings under their meetings, newest meeting first. */
export function groupByMeeting(notes: Note[], recordings: Recording[]): MeetingGroup[] {
  const groups = new Map<string, MeetingGroup>();
  const items: ResourceItem[] = [...notes.map((n) => ({ kind: "note" as const, ...n })), ...recordings.map((r) => ({ kind: "recording" as const, ...r }))];
  for (const item of items) {
    let group = groups.get(item.meetingId);
    if (!group) {
      group = { meetingId: item.meetingId, meetingCode: item.meetingCode, meetingTitle: item.meetingTitle, meetingAt: new Date(item.meetingAt), teamId: item.teamId, items: [] };
      groups.set(item.meetingId, group);
    }
    group.items.push(item);
  }
  for (const group of groups.values()) {
    group.items.sort((a, b) => (a.kind === b.kind ? itemTime(a) - itemTime(b) : a.kind === "note" ? -1 : 1));
  }
  return [...groups.values()].sort((a, b) => b.meetingAt.getTime() - a.meetingAt.getTime() || a.meetingId.localeCompare(b.meetingId));
}

/**
 * What an item is called under its meeting. The room names notes "<meeting> — notes" and a recording
 * "<meeting> — 2026-12-02 18:14 UTC"; under the meeting's own heading those repeat it (the time in
 * UTC), so there they read "Notes" and "Recording". A title someone gave stays as they gave it.
 */
export function itemLabel(item: ResourceItem): string {
  if (item.kind === "note") return / — notes$/.test(item.title) ? "Notes" : item.title;
  return / — \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/.test(item.title) ? "Recording" : item.title;
}
