/**
 * Date logic for the calendar, free of the DOM and of the server: the weeks of a month grid (weeks
 * start on Monday), the range to ask the server for, which days a meeting covers, the form's local
 * date and time fields, and a stable colour per team. Everything works in the browser's time zone.
 */

/** A calendar month; `month` is 1–12. */
export interface YearMonth {
  year: number;
  month: number;
}

export interface GridDay {
  /** Local `YYYY-MM-DD`. */
  key: string;
  /** Local midnight. */
  date: Date;
  /** Whether the day belongs to the month shown (others are the grid's leading/trailing days). */
  inMonth: boolean;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** The month `date` falls in (local time). */
export function monthOf(date: Date): YearMonth {
  return { year: date.getFullYear(), month: date.getMonth() + 1 };
}

/** `2026-11`. */
export function formatMonth({ year, month }: YearMonth): string {
  return `${pad(year, 4)}-${pad(month)}`;
}

/** Reads `2026-11`; null for anything else (so a bad ?month= falls back to today). */
export function parseMonth(value: string | null | undefined): YearMonth | null {
  const m = value ? /^(\d{4})-(\d{2})$/.exec(value) : null;
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  if (month < 1 || month > 12 || year < 1970 || year > 9999) return null;
  return { year, month };
}

export function addMonths({ year, month }: YearMonth, n: number): YearMonth {
  const index = year * 12 + (month - 1) + n;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

export const sameMonth = (a: YearMonth, b: YearMonth) => a.year === b.year && a.month === b.month;

/** Local `YYYY-MM-DD` of a date. */
export function dayKey(date: Date): string {
  return `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Local midnight of a `YYYY-MM-DD`; null when it is not a real day. */
export function parseDayKey(key: string | null | undefined): Date | null {
  const m = key ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(key) : null;
  if (!m) return null;
  const date = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return dayKey(date) === key ? date : null;
}

/** Local midnight of the day `n` days after `date` (calendar days, so DST changes do not drift). */
export function addDays(date: Date, n: number): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + n);
}

export const startOfDay = (date: Date) => addDays(date, 0);

/** 0 for Monday … 6 for Sunday. */
const mondayIndex = (date: Date) => (date.getDay() + 6) % 7;

/** The weeks (Monday to Sunday) that show `ym`: four to six rows of seven days. */
export function monthGrid(ym: YearMonth): GridDay[][] {
  const first = new Date(ym.year, ym.month - 1, 1);
  const start = addDays(first, -mondayIndex(first));
  const last = new Date(ym.year, ym.month, 0);
  const end = addDays(last, 6 - mondayIndex(last));
  const weeks: GridDay[][] = [];
  for (let day = start; day <= end; day = addDays(day, 7)) {
    weeks.push(
      Array.from({ length: 7 }, (_, i) => {
        const date = addDays(day, i);
        return { key: dayKey(date), date, inMonth: date.getMonth() === ym.month - 1 };
      }),
    );
  }
  return weeks;
}

/** The span the grid shows, `[from, to)`, to ask the server for (so leading and trailing days have their meetings too). */
export function gridRange(ym: YearMonth): { from: Date; to: Date } {
  const weeks = monthGrid(ym);
  const first = weeks[0]![0]!.date;
  const last = weeks[weeks.length - 1]![6]!.date;
  return { from: first, to: addDays(last, 1) };
}

/** What a meeting from the API needs for placing it on days. */
export interface Timed {
  startsAt: string | null;
  endsAt: string | null;
  startedAt: string | null;
  endedAt: string | null;
  createdAt?: string;
}

/**
 * An instant meeting (never scheduled) that ran and has ended: history, not a plan. It keeps its
 * notes and recordings and can be renamed; there is nothing left to reschedule, cancel or invite to.
 */
export const hasEnded = (m: Pick<Timed, "startsAt" | "endedAt">) => m.startsAt === null && m.endedAt !== null;

/**
 * When a meeting happens, as the server counts it: its scheduled times, else when it really ran
 * (an instant meeting still going lasts until now).
 */
export function meetingSpan(m: Timed, now: Date = new Date()): { start: Date; end: Date } {
  const start = new Date(m.startsAt ?? m.startedAt ?? m.createdAt ?? now.toISOString());
  const endIso = m.endsAt ?? m.endedAt ?? (m.startedAt ? null : (m.createdAt ?? null));
  const end = endIso ? new Date(endIso) : now;
  return { start, end: end < start ? start : end };
}

/**
 * The local days `[start, end)` touches, as `YYYY-MM-DD`. A meeting that ends at midnight does not
 * reach into the next day; a zero-length one still has its day. At most `limit` days.
 */
export function daysCovered(start: Date, end: Date, limit = 8): string[] {
  const days: string[] = [];
  let day = startOfDay(start);
  do {
    days.push(dayKey(day));
    day = addDays(day, 1);
  } while (day < end && days.length < limit);
  return days;
}

/** Meetings by the local day they fall on (a meeting over several days is on each), each day in start order. */
export function groupByDay<T extends Timed>(meetings: readonly T[], now: Date = new Date()): Map<string, T[]> {
  const byDay = new Map<string, T[]>();
  const sorted = [...meetings].sort((a, b) => meetingSpan(a, now).start.getTime() - meetingSpan(b, now).start.getTime());
  for (const m of sorted) {
    const { start, end } = meetingSpan(m, now);
    for (const key of daysCovered(start, end)) {
      const list = byDay.get(key);
      if (list) list.push(m);
      else byDay.set(key, [m]);
    }
  }
  return byDay;
}

/** A date as the value of an `<input type="date">` (local). */
export const toDateInput = (date: Date) => dayKey(date);

/** A time as the value of an `<input type="time">` (local, minutes). */
export const toTimeInput = (date: Date) => `${pad(date.getHours())}:${pad(date.getMinutes())}`;

/** The local moment of a date field and a time field; null when either is not valid. */
export function fromDateTimeInputs(date: string, time: string): Date | null {
  const day = parseDayKey(date);
  const t = /^(\d{2}):(\d{2})(?::\d{2})?$/.exec(time);
  if (!day || !t) return null;
  const hours = Number(t[1]);
  const minutes = Number(t[2]);
  if (hours > 23 || minutes > 59) return null;
  return new Date(day.getFullYear(), day.getMonth(), day.getDate(), hours, minutes);
}

/** Short weekday names from Monday to Sunday in `locale` (`Mon` … `Sun` in English). */
export function weekdayNames(locale: string | undefined, style: "short" | "long" | "narrow" = "short"): string[] {
  const format = new Intl.DateTimeFormat(locale, { weekday: style });
  // 2024-01-01 was a Monday.
  return Array.from({ length: 7 }, (_, i) => format.format(new Date(2024, 0, 1 + i)));
}

/** How many colours the team palette has (calendar.css defines `.team-color-0` … `-5`). */
export const TEAM_COLOR_COUNT = 6;

function hash(text: string): number {
  // FNV-1a: small, and the same in every browser.
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A palette index per team. Each team prefers the colour its id hashes to, so it keeps its colour
 * from one visit to the next; teams that would share one move to the next free colour (in id order,
 * so the outcome does not depend on the order teams are listed in). Past the palette's size colours
 * repeat.
 */
export function teamColors(teamIds: readonly string[], count = TEAM_COLOR_COUNT): Map<string, number> {
  const colors = new Map<string, number>();
  const taken = new Set<number>();
  for (const id of [...new Set(teamIds)].sort()) {
    let index = hash(id) % count;
    if (taken.size < count) {
      while (taken.has(index)) index = (index + 1) % count;
    }
    taken.add(index);
    colors.set(id, index);
  }
  return colors;
}
