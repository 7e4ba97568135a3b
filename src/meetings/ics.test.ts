import { describe, expect, test } from "bun:test";
import ICAL from "ical.js";
import { renderCalendar } from "./ics.ts";
import type { MeetingRow } from "./meetings.ts";

const meeting = (over: Partial<MeetingRow>): MeetingRow => ({
  id: "0b7e1d2c-3f4a-4b5c-8d6e-7f8091a2b3c4",
  code: "k7fq-xm3t-rpzw",
  teamId: null,
  createdBy: null,
  lobby: false,
  selfUnmute: true,
  locked: false,
  control: null,
  title: "Weekly sync",
  agenda: "1. Roadmap; decisions, notes\n2. Demo",
  startsAt: new Date("2026-11-28T10:00:00Z"),
  endsAt: new Date("2026-11-28T11:30:00Z"),
  startedAt: null,
  endedAt: null,
  createdAt: new Date("2026-11-20T08:00:00Z"),
  updatedAt: new Date("2026-11-21T08:00:00Z"),
  ...over,
});

describe("renderCalendar", () => {
  test("a scheduled meeting becomes a UTC event with a stable UID and the join link", () => {
    const text = renderCalendar([meeting({})], { publicUrl: "https://meet.example.com", name: "Dictate" });
    expect(text).toContain("DTSTART:20261128T100000Z");
    expect(text).toContain("DTEND:20261128T113000Z");
    const events = new ICAL.Component(ICAL.parse(text)).getAllSubcomponents("vevent").map((e) => new ICAL.Event(e));
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event!.uid).toBe("0b7e1d2c-3f4a-4b5c-8d6e-7f8091a2b3c4@meet.example.com");
    expect(event!.summary).toBe("Weekly sync");
    expect(event!.description).toContain("1. Roadmap; decisions, notes\n2. Demo");
    expect(event!.description).toContain("https://meet.example.com/m/k7fq-xm3t-rpzw");
    expect(event!.startDate.toJSDate().toISOString()).toBe("2026-11-28T10:00:00.000Z");
  });

  test("the same meeting renders the same UID twice; an instant meeting spans when it ran", () => {
    const instant = meeting({
      id: "11111111-2222-4333-8444-555555555555",
      startsAt: null,
      endsAt: null,
      startedAt: new Date("2026-11-27T09:00:00Z"),
      endedAt: new Date("2026-11-27T09:45:00Z"),
    });
    const a = renderCalendar([meeting({}), instant], { publicUrl: "http://localhost:3000", name: "x" });
    const b = renderCalendar([meeting({}), instant], { publicUrl: "http://localhost:3000", name: "x" });
    const uids = (t: string) => t.split(/\r?\n/).filter((l) => l.startsWith("UID:"));
    expect(uids(a)).toEqual(uids(b));
    expect(a).toContain("DTSTART:20261127T090000Z");
    expect(a).toContain("DTEND:20261127T094500Z");
  });
});
