/**
 * Default titles. An instant meeting started by a signed-in person is named after them and the
 * moment it started, in the starter's own time zone: "Ada Lovelace's meeting, 2 Dec 18:14". The
 * server cannot know that zone, so the browser sends its IANA name (`timeZone`); without one the
 * title says the time is UTC.
 */
import { invalid } from "../errors.ts";

/** The shape of an IANA zone name ("Europe/Berlin", "America/Argentina/Buenos_Aires", "UTC", "Etc/GMT+5"). */
const ZONE_SHAPE = /^[A-Za-z][A-Za-z0-9_+\-]*(\/[A-Za-z0-9_+\-]+){0,2}$/;

/** `timeZone` when it names a zone this server knows; else a 422 on the `timeZone` field. */
export function requireTimeZone(timeZone: string): string {
  if (timeZone.length <= 64 && ZONE_SHAPE.test(timeZone)) {
    try {
      return new Intl.DateTimeFormat("en-GB", { timeZone }).resolvedOptions().timeZone;
    } catch {
      // RangeError: not a zone; refused below.
    }
  }
  throw invalid("timeZone is not a time zone", { timeZone: "Expected an IANA time zone such as Europe/Berlin" });
}

const formats = new Map<string, Intl.DateTimeFormat>();
function formatIn(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    // en-US for the month's short name ("Sep", where en-GB now says "Sept"); the order is ours.
    f = new Intl.DateTimeFormat("en-US", { timeZone, day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    if (formats.size > 500) formats.clear();
    formats.set(timeZone, f);
  }
  return f;
}

/** "2 Dec 18:14" in `timeZone`, or "2 Dec 18:14 UTC" when none is given. */
export function shortDateTime(at: Date, timeZone?: string): string {
  const parts = Object.fromEntries(formatIn(timeZone ?? "UTC").formatToParts(at).map((p) => [p.type, p.value]));
  return `${parts.day} ${parts.month} ${parts.hour}:${parts.minute}${timeZone ? "" : " UTC"}`;
}

/** "<name>'s meeting, 2 Dec 18:14": an instant meeting's title (200 characters at most, as titles are). */
export function instantMeetingTitle(name: string, at: Date, timeZone?: string): string {
  const when = shortDateTime(at, timeZone);
  const room = 200 - `'s meeting, ${when}`.length;
  const owner = [...name].length > room ? `${[...name].slice(0, room - 1).join("")}…` : name;
  return `${owner}'s meeting, ${when}`;
}
