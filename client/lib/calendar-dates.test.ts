import { describe, expect, test } from "bun:test";
import {
  addDays,
  addMonths,
  dayKey,
  daysCovered,
  formatMonth,
  fromDateTimeInputs,
  gridRange,
  groupByDay,
  hasEnded,
  meetingSpan,
  monthGrid,
  parseDayKey,
  parseMonth,
  TEAM_COLOR_COUNT,
  teamColors,
  toTimeInput,
  weekdayNames,
} from "./calendar-dates.ts";

const local = (y: number, m: number, d: number, h = 0, min = 0) => new Date(y, m - 1, d, h, min);

describe("months", () => {
  test("parse and format ?month=", () => {
    expect(parseMonth("2026-11")).toEqual({ year: 2026, month: 11 });
    expect(formatMonth({ year: 2026, month: 3 })).toBe("2026-03");
    for (const bad of ["2026-13", "2026-00", "2026-1", "26-11", "", null, undefined, "2026-11-01", "abcd-ef"]) {
      expect(parseMonth(bad)).toBeNull();
    }
  });

  test("adding months crosses years both ways", () => {
    expect(addMonths({ year: 2026, month: 12 }, 1)).toEqual({ year: 2027, month: 1 });
    expect(addMonths({ year: 2026, month: 1 }, -1)).toEqual({ year: 2025, month: 12 });
    expect(addMonths({ year: 2026, month: 5 }, -17)).toEqual({ year: 2024, month: 12 });
    expect(addMonths({ year: 2026, month: 5 }, 0)).toEqual({ year: 2026, month: 5 });
  });
});

describe("month grid", () => {
  test("weeks start on Monday and cover the whole month", () => {
    // November 2026 starts on a Sunday and ends on a Monday: six rows.
    const weeks = monthGrid({ year: 2026, month: 11 });
    expect(weeks).toHaveLength(6);
    expect(weeks.every((w) => w.length === 7)).toBe(true);
    expect(weeks[0]![0]!.key).toBe("2026-10-26");
    expect(weeks[0]![6]!.key).toBe("2026-11-01");
    expect(weeks[5]![0]!.key).toBe("2026-11-30");
    expect(weeks[5]![6]!.key).toBe("2026-12-06");
    for (const week of weeks) expect(week[0]!.date.getDay()).toBe(1);
    const inMonth = weeks.flat().filter((d) => d.inMonth);
    expect(inMonth).toHaveLength(30);
    expect(inMonth[0]!.key).toBe("2026-11-01");
    expect(weeks[0]![0]!.inMonth).toBe(false);
  });

  test("a February that starts on Monday fits four rows", () => {
    const weeks = monthGrid({ year: 2027, month: 2 });
    expect(weeks).toHaveLength(4);
    expect(weeks[0]![0]!.key).toBe("2027-02-01");
    expect(weeks[3]![6]!.key).toBe("2027-02-28");
    expect(weeks.flat().every((d) => d.inMonth)).toBe(true);
  });

  test("days are consecutive across a daylight-saving change", () => {
    // March and October hold the European and (March/November) American changes.
    for (const ym of [{ year: 2026, month: 3 }, { year: 2026, month: 10 }, { year: 2026, month: 11 }]) {
      const days = monthGrid(ym).flat();
      for (let i = 1; i < days.length; i++) expect(days[i]!.key).toBe(dayKey(addDays(days[i - 1]!.date, 1)));
      expect(new Set(days.map((d) => d.key)).size).toBe(days.length);
    }
  });

  test("the range to fetch is the grid's first day to the day after its last", () => {
    const { from, to } = gridRange({ year: 2026, month: 11 });
    expect(from.getTime()).toBe(local(2026, 10, 26).getTime());
    expect(to.getTime()).toBe(local(2026, 12, 7).getTime());
  });
});

describe("days", () => {
  test("day keys round-trip and reject impossible days", () => {
    expect(dayKey(local(2026, 2, 3))).toBe("2026-02-03");
    expect(parseDayKey("2026-02-03")!.getTime()).toBe(local(2026, 2, 3).getTime());
    expect(parseDayKey("2026-02-30")).toBeNull();
    expect(parseDayKey("2026-2-3")).toBeNull();
    expect(parseDayKey(null)).toBeNull();
  });

  test("form fields become a local moment", () => {
    expect(fromDateTimeInputs("2026-12-14", "09:30")!.getTime()).toBe(local(2026, 12, 14, 9, 30).getTime());
    expect(fromDateTimeInputs("2026-12-14", "")).toBeNull();
    expect(fromDateTimeInputs("", "09:30")).toBeNull();
    expect(fromDateTimeInputs("2026-12-14", "25:00")).toBeNull();
    expect(toTimeInput(local(2026, 12, 14, 7, 5))).toBe("07:05");
  });

  test("weekday names start on Monday", () => {
    expect(weekdayNames("en-US")).toEqual(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]);
    expect(weekdayNames("de-DE", "long")[0]).toBe("Montag");
  });
});

describe("meetings on days", () => {
  const meeting = (startsAt: Date | null, endsAt: Date | null, extra: Partial<Record<"startedAt" | "endedAt" | "createdAt", string>> = {}) => ({
    startsAt: startsAt?.toISOString() ?? null,
    endsAt: endsAt?.toISOString() ?? null,
    startedAt: null,
    endedAt: null,
    ...extra,
  });

  test("a meeting ending at midnight stays on its day; one past midnight is on both", () => {
    expect(daysCovered(local(2026, 11, 3, 22), local(2026, 11, 4, 0))).toEqual(["2026-11-03"]);
    expect(daysCovered(local(2026, 11, 3, 22), local(2026, 11, 4, 1))).toEqual(["2026-11-03", "2026-11-04"]);
    expect(daysCovered(local(2026, 11, 3, 10), local(2026, 11, 3, 10))).toEqual(["2026-11-03"]);
  });

  test("grouped by day in start order", () => {
    const late = meeting(local(2026, 11, 3, 15), local(2026, 11, 3, 16));
    const early = meeting(local(2026, 11, 3, 9), local(2026, 11, 3, 10));
    const overnight = meeting(local(2026, 11, 4, 23), local(2026, 11, 5, 1));
    const byDay = groupByDay([late, overnight, early]);
    expect(byDay.get("2026-11-03")).toEqual([early, late]);
    expect(byDay.get("2026-11-04")).toEqual([overnight]);
    expect(byDay.get("2026-11-05")).toEqual([overnight]);
    expect(byDay.has("2026-11-06")).toBe(false);
  });

  test("an instant meeting spans from when it started until it ended, or until now", () => {
    const now = local(2026, 11, 3, 12);
    const running = meeting(null, null, { startedAt: local(2026, 11, 3, 11).toISOString(), createdAt: local(2026, 11, 3, 11).toISOString() });
    expect(meetingSpan(running, now)).toEqual({ start: local(2026, 11, 3, 11), end: now });
    const ended = meeting(null, null, { startedAt: local(2026, 11, 2, 11).toISOString(), endedAt: local(2026, 11, 2, 12).toISOString() });
    expect(meetingSpan(ended, now)).toEqual({ start: local(2026, 11, 2, 11), end: local(2026, 11, 2, 12) });
    const neverStarted = meeting(null, null, { createdAt: local(2026, 11, 1, 8).toISOString() });
    expect(meetingSpan(neverStarted, now)).toEqual({ start: local(2026, 11, 1, 8), end: local(2026, 11, 1, 8) });
  });
});

describe("team colours", () => {
  const ids = Array.from({ length: TEAM_COLOR_COUNT }, (_, i) => `00000000-0000-4000-8000-00000000000${i}`);

  test("distinct while the palette lasts, whatever order the teams come in", () => {
    const a = teamColors(ids);
    const b = teamColors([...ids].reverse());
    expect(new Set(a.values()).size).toBe(TEAM_COLOR_COUNT);
    expect([...a.entries()].sort()).toEqual([...b.entries()].sort());
    for (const c of a.values()) expect(c >= 0 && c < TEAM_COLOR_COUNT).toBe(true);
  });

  test("a team keeps its colour on its own and among others that do not collide with it", () => {
    const alone = teamColors([ids[3]!]).get(ids[3]!);
    expect(teamColors([ids[3]!]).get(ids[3]!)).toBe(alone!);
    // The team sorted first always gets its preferred colour.
    const sorted = [...ids].sort();
    expect(teamColors(ids).get(sorted[0]!)).toBe(teamColors([sorted[0]!]).get(sorted[0]!)!);
  });

  test("more teams than colours still get a colour each", () => {
    const many = Array.from({ length: 20 }, (_, i) => `team-${i}`);
    const colors = teamColors(many);
    expect(colors.size).toBe(20);
    expect(new Set(colors.values()).size).toBe(TEAM_COLOR_COUNT);
  });
});

describe("hasEnded", () => {
  test("only an instant meeting that has ended is history", () => {
    expect(hasEnded({ startsAt: null, endedAt: "2026-12-02T18:40:00Z" })).toBe(true);
    expect(hasEnded({ startsAt: null, endedAt: null })).toBe(false);
    // A scheduled meeting keeps its actions even after it ran: it may be moved to the next date.
    expect(hasEnded({ startsAt: "2026-12-02T18:00:00Z", endedAt: "2026-12-02T18:40:00Z" })).toBe(false);
  });
});
