import ical, { ICalCalendarMethod } from "ical-generator";
import type { MeetingRow } from "./meetings.ts";

const HOUR = 3_600_000;

/** An iCalendar feed of `meetings`, times in UTC, one stable UID per meeting. */
export function renderCalendar(meetings: MeetingRow[], options: { publicUrl: string; name: string; now?: Date }): string {
  const host = new URL(options.publicUrl).hostname || "dictate";
  const calendar = ical({ name: options.name, prodId: { company: "Dictate", product: "Dictate", language: "EN" } });
  calendar.method(ICalCalendarMethod.PUBLISH);
  const now = options.now ?? new Date();
  for (const m of meetings) {
    const start = m.startsAt ?? m.startedAt ?? m.createdAt;
    const end = m.endsAt ?? m.endedAt ?? (m.startedAt ? now : new Date(start.getTime() + HOUR));
    const url = `${options.publicUrl}/m/${m.code}`;
    calendar.createEvent({
      id: `${m.id}@${host}`,
      start,
      end: end > start ? end : new Date(start.getTime() + 60_000),
      stamp: m.updatedAt,
      lastModified: m.updatedAt,
      created: m.createdAt,
      summary: m.title,
      description: m.agenda ? `${m.agenda}\n\nJoin: ${url}` : `Join: ${url}`,
      url,
      location: url,
    });
  }
  return calendar.toString();
}
