/** The signed-in person's next scheduled meetings (two weeks ahead), for the home page. */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { listMeetings, type CalendarMeeting } from "../lib/calendar-api.ts";
import { onLinkClick } from "../lib/router.ts";

const when = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit" });
const DAYS_AHEAD = 14;

export function UpcomingMeetings() {
  const meetings = useSignal<CalendarMeeting[] | null>(null);
  const failed = useSignal(false);
  useEffect(() => {
    let cancelled = false;
    const from = new Date();
    listMeetings({ from, to: new Date(from.getTime() + DAYS_AHEAD * 86_400_000) }).then(
      (list) => {
        if (cancelled) return;
        meetings.value = list
          .filter((m) => m.startsAt && !m.endedAt && Date.parse(m.endsAt ?? m.startsAt) > from.getTime())
          .sort((a, b) => Date.parse(a.startsAt!) - Date.parse(b.startsAt!))
          .slice(0, 5);
      },
      () => !cancelled && (failed.value = true),
    );
    return () => {
      cancelled = true;
    };
  }, []);

  if (failed.value) return null;
  return (
    <section class="panel upcoming" aria-labelledby="upcoming-heading" aria-busy={meetings.value === null ? "true" : undefined}>
      <h2 id="upcoming-heading">Your next meetings</h2>
      {meetings.value === null ? (
        <p class="muted">Loading…</p>
      ) : meetings.value.length === 0 ? (
        <p class="muted">
          Nothing scheduled in the next two weeks.{" "}
          <a href="/calendar" onClick={onLinkClick}>
            Plan one in the calendar
          </a>
          .
        </p>
      ) : (
        <ul class="upcoming-list">
          {meetings.value.map((m) => (
            <li key={m.id}>
              <time dateTime={m.startsAt!}>{when.format(new Date(m.startsAt!))}</time>
              <span class="upcoming-title">{m.title || "Meeting"}</span>
              <a class="button" href={`/m/${m.code}`} onClick={onLinkClick}>
                Join<span class="visually-hidden"> {m.title}</span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
