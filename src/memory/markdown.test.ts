import { describe, expect, test } from "bun:test";
import { formatOffset, renderMarkdown } from "./markdown.ts";
import type { Timeline } from "./memory.ts";

const timeline: Timeline = {
  meetingCode: "abcd-efgh-jkmn",
  title: "Budget | review",
  teamId: "t",
  startedAt: "2026-12-03T10:00:00.000Z",
  endedAt: "2026-12-03T10:30:05.000Z",
  participants: [
    { id: "a", name: "Ana", userId: "u-a", joinedAt: "2026-12-03T10:00:00.000Z", leftAt: "2026-12-03T10:30:00.000Z" },
    { id: "g", name: "Gus", userId: null, joinedAt: "2026-12-03T10:05:00.000Z", leftAt: null },
  ],
  segments: [{ participantId: "a", startMs: 1_000, endMs: 61_400 }],
  talk: [{ participantId: "a", ms: 60_400, share: 1, turns: 1 }],
  recordings: [
    { id: "r1", title: "Recording", status: "ready", offsetMs: 30_000, durationMs: 1_000_000 },
    { id: "r2", title: "Broken", status: "failed", offsetMs: 40_000, durationMs: null },
  ],
  lines: [
    { text: "# Budget", atMs: null },
    { text: "", atMs: null },
    { text: "- [ ] Send it @ana", atMs: 65_000 },
  ],
  actionItems: [{ id: "abcd-efgh-jkmn.1.2", text: "Send it @ana", done: false, assignee: "ana", meetingCode: "abcd-efgh-jkmn", meetingTitle: "Budget | review", meetingAt: "2026-12-03T10:00:00.000Z", atMs: 65_000 }],
};

describe("the meeting as Markdown", () => {
  test("title, date, attendees, talk time, notes with times, items, and only the recordings the reader may fetch", () => {
    const md = renderMarkdown(timeline, { teamName: "Core", recordingUrl: (id) => (id === "r1" ? `https://x.test/api/recordings/${id}/media` : null), pageUrl: "https://x.test/m/abcd-efgh-jkmn/memory" });
    expect(md).toStartWith("# Budget | review\n");
    expect(md).toContain("- Date: 2026-12-03 10:00 UTC (30:05)");
    expect(md).toContain("- Ana: 0:00 – 30:00");
    expect(md).toContain("- Gus (guest): 5:00 – the end");
    expect(md).toContain("| Ana | 1:00 | 100% | 1 |");
    expect(md).toContain("`1:05` - [ ] Send it @ana");
    expect(md).toContain("\n# Budget\n");
    expect(md).toContain("- [ ] Send it @ana (at 1:05)");
    expect(md).toContain("- [Recording](https://x.test/api/recordings/r1/media) — starts at 0:30");
    expect(md).not.toContain("Broken");
  });

  test("offsets read m:ss, h:mm:ss from an hour, and a minus before the start", () => {
    expect(formatOffset(0)).toBe("0:00");
    expect(formatOffset(59_999)).toBe("0:59");
    expect(formatOffset(3_723_000)).toBe("1:02:03");
    expect(formatOffset(-5_000)).toBe("-0:05");
    expect(formatOffset(-5)).toBe("0:00");
  });
});
