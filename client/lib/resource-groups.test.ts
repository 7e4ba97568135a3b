import { describe, expect, test } from "bun:test";
import type { Note, Recording } from "./calendar-api.ts";
import { groupByMeeting, itemLabel } from "./resource-groups.ts";

type MeetingFields = { meetingId: string; meetingCode: string; meetingTitle: string; meetingAt: string; teamId: string | null };
const meetingA: MeetingFields = { meetingId: "a", meetingCode: "aaaa-aaaa-aaaa", meetingTitle: "Ada's meeting, 2 Dec 18:14", meetingAt: "2026-12-02T18:14:00Z", teamId: null };
const meetingB: MeetingFields = { meetingId: "b", meetingCode: "bbbb-bbbb-bbbb", meetingTitle: "Weekly sync", meetingAt: "2026-12-05T09:00:00Z", teamId: "t1" };

const note = (id: string, m: MeetingFields, title = `${m.meetingTitle} — notes`): Note => ({
  id,
  ...m,
  title,
  createdAt: m.meetingAt,
  updatedAt: m.meetingAt,
  excerpt: "text",
});
const recording = (id: string, m: MeetingFields, startedAt: string, title = `${m.meetingTitle} — 2026-12-02 18:20 UTC`): Recording => ({
  id,
  ...m,
  title,
  status: "ready",
  progress: null,
  durationMs: 1000,
  bytes: 10,
  mime: "video/webm",
  error: null,
  startedBy: null,
  startedAt,
  stoppedAt: null,
  createdAt: startedAt,
});

describe("groupByMeeting", () => {
  test("puts each meeting's notes and recordings under it, newest meeting first, notes before recordings in order", () => {
    const groups = groupByMeeting(
      [note("n1", meetingA), note("n2", meetingB)],
      [recording("r2", meetingA, "2026-12-02T18:40:00Z"), recording("r1", meetingA, "2026-12-02T18:20:00Z"), recording("r3", meetingB, "2026-12-05T09:05:00Z")],
    );
    expect(groups.map((g) => g.meetingId)).toEqual(["b", "a"]);
    expect(groups[1]!.items.map((i) => i.id)).toEqual(["n1", "r1", "r2"]);
    expect(groups[0]!.items.map((i) => i.id)).toEqual(["n2", "r3"]);
    expect(groups[0]).toMatchObject({ meetingTitle: "Weekly sync", teamId: "t1", meetingCode: "bbbb-bbbb-bbbb" });
    expect(groups[0]!.meetingAt.toISOString()).toBe("2026-12-05T09:00:00.000Z");
  });

  test("a meeting with only a recording is a group too; nothing gives no groups", () => {
    expect(groupByMeeting([], [recording("r", meetingA, "2026-12-02T18:20:00Z")]).map((g) => g.items.length)).toEqual([1]);
    expect(groupByMeeting([], [])).toEqual([]);
  });
});

describe("itemLabel", () => {
  test("the room's generated titles read as what they are under their meeting; given titles stay", () => {
    expect(itemLabel({ kind: "note", ...note("n", meetingA) })).toBe("Notes");
    expect(itemLabel({ kind: "recording", ...recording("r", meetingA, "2026-12-02T18:20:00Z") })).toBe("Recording");
    // The meeting was renamed after: still the room's title.
    expect(itemLabel({ kind: "recording", ...recording("r", meetingA, "2026-12-02T18:20:00Z", "Instant meeting — 2026-12-02 18:20 UTC") })).toBe("Recording");
    expect(itemLabel({ kind: "note", ...note("n", meetingA, "Decisions on icons") })).toBe("Decisions on icons");
    expect(itemLabel({ kind: "recording", ...recording("r", meetingA, "2026-12-02T18:20:00Z", "Demo, second take") })).toBe("Demo, second take");
  });
});
