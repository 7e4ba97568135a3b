/**
 * The calendar: a month of my meetings and my teams' (weeks from Monday), coloured by team with a
 * legend, a team filter, the selected day's meetings (calendar-meeting.tsx: join, rename,
 * reschedule, cancel, the invitation), and a form to schedule one (then its invitation to download). The month and the filter live in the URL (`?month=2026-11&team=…`), so reload and
 * Back show the same month.
 */
import { useSignal, type Signal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { ConfirmDialog } from "../components/confirm.tsx";
import { Field, FormError, describeError } from "../components/form.tsx";
import { SignedInPage } from "../components/layout.tsx";
import { LoadError } from "../components/load-error.tsx";
import { ApiError } from "../lib/api.ts";
import { cancelMeeting, listMeetings, listTeams, scheduleMeeting, updateMeeting, type CalendarMeeting, type Team } from "../lib/calendar-api.ts";
import {
  addDays,
  addMonths,
  dayKey,
  formatMonth,
  fromDateTimeInputs,
  gridRange,
  groupByDay,
  meetingSpan,
  monthGrid,
  monthOf,
  parseDayKey,
  parseMonth,
  sameMonth,
  teamColors,
  toDateInput,
  toTimeInput,
  weekdayNames,
  type YearMonth,
} from "../lib/calendar-dates.ts";
import { navigate, onLinkClick } from "../lib/router.ts";
import { InvitationLink, MeetingDetails } from "./calendar-meeting.tsx";
import "../styles/calendar.css";

/** Chips a day shows before the rest become "+N more". */
const MAX_CHIPS = 3;
const PERSONAL = "personal";

const monthFormat = new Intl.DateTimeFormat(undefined, { month: "long", year: "numeric" });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long", year: "numeric" });
const weekdayFormat = new Intl.DateTimeFormat(undefined, { weekday: "long" });
const monthNameFormat = new Intl.DateTimeFormat(undefined, { month: "long" });
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const hourFormat = new Intl.DateTimeFormat(undefined, { hour: "numeric" });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", hour: "numeric", minute: "2-digit" });

function timeRange(m: CalendarMeeting): string {
  const { start, end } = meetingSpan(m);
  if (end.getTime() === start.getTime()) return timeFormat.format(start);
  return dayKey(start) === dayKey(end) ? timeFormat.formatRange(start, end) : dateTimeFormat.formatRange(start, end);
}

/** A chip's start time, short: `10 AM`, `9:15 AM`. */
const chipTime = (d: Date) => (d.getMinutes() === 0 ? hourFormat : timeFormat).format(d);

/** What the URL says: the month shown and the team filter. */
function readUrl(): { month: YearMonth; team: string } {
  const q = new URLSearchParams(location.search);
  return { month: parseMonth(q.get("month")) ?? monthOf(new Date()), team: q.get("team") ?? "" };
}

/** The day to select in a month: today when it is in it, else the 1st. */
function defaultDay(ym: YearMonth): string {
  const today = new Date();
  return sameMonth(monthOf(today), ym) ? dayKey(today) : dayKey(new Date(ym.year, ym.month - 1, 1));
}

type FormState = { mode: "new"; day: string } | { mode: "edit"; meeting: CalendarMeeting };

export function CalendarPage() {
  return <SignedInPage title="Calendar" render={() => <Calendar />} />;
}

function Calendar() {
  const initial = useRef(readUrl()).current;
  const month = useSignal<YearMonth>(initial.month);
  const team = useSignal(initial.team);
  const selected = useSignal(defaultDay(initial.month));
  const teams = useSignal<Team[]>([]);
  const meetings = useSignal<CalendarMeeting[]>([]);
  const loading = useSignal(true);
  const loadError = useSignal<string | null>(null);
  const status = useSignal("");
  const reload = useSignal(0);
  const form = useSignal<FormState | null>(null);
  const cancelling = useSignal<CalendarMeeting | null>(null);
  const cancelBusy = useSignal(false);
  const cancelError = useSignal<string | null>(null);
  /** The meeting just scheduled: its invitation is offered beside the status. */
  const scheduled = useSignal<CalendarMeeting | null>(null);
  const request = useRef(0);
  const focusDay = useRef<string | null>(null);
  /** A day was chosen (click, Enter): show its meetings once they are drawn. */
  const reveal = useRef(false);

  function writeUrl(push: boolean) {
    const q = new URLSearchParams({ month: formatMonth(month.value) });
    if (team.value) q.set("team", team.value);
    const to = `/calendar?${q}`;
    if (location.pathname + location.search !== to) navigate(to, { replace: !push });
  }

  function showMonth(ym: YearMonth, day = defaultDay(ym)) {
    const changed = !sameMonth(ym, month.value);
    month.value = ym;
    selected.value = day;
    if (changed) writeUrl(true);
  }

  // Back and Forward change only the query, which the router does not watch.
  useEffect(() => {
    writeUrl(false);
    const onPop = () => {
      if (location.pathname !== "/calendar") return;
      const url = readUrl();
      if (!sameMonth(url.month, month.value)) selected.value = defaultDay(url.month);
      month.value = url.month;
      team.value = url.team;
    };
    addEventListener("popstate", onPop);
    return () => removeEventListener("popstate", onPop);
  }, []);

  useEffect(() => {
    listTeams().then(
      (list) => (teams.value = list),
      () => {
        // The filter and legend go without team names; the meetings still load and say why if not.
      },
    );
  }, []);

  const teamId = team.value && team.value !== PERSONAL ? team.value : undefined;
  useEffect(() => {
    const ticket = ++request.current;
    loading.value = true;
    loadError.value = null;
    listMeetings({ ...gridRange(month.value), teamId })
      .then((list) => {
        if (ticket === request.current) meetings.value = list;
      })
      .catch((err: Error) => {
        if (ticket === request.current) loadError.value = err.message;
      })
      .finally(() => {
        if (ticket === request.current) loading.value = false;
      });
  }, [formatMonth(month.value), teamId, reload.value]);

  // After a keyboard move into another month, focus the day once it is drawn (an effect of an
  // earlier render may run before the new month's grid is there: then it waits for the next one).
  useEffect(() => {
    const key = focusDay.current;
    const button = key ? dayButton(key) : null;
    if (!button) return;
    focusDay.current = null;
    button.focus();
  });

  // A chosen day's details (Join, Reschedule, Cancel) sit below the month: bring them into view and
  // put focus on the first meeting (or the day's heading), so Tab goes on to its Join.
  useEffect(() => {
    if (!reveal.current || loading.value) return;
    reveal.current = false;
    const detail = document.querySelector<HTMLElement>(".cal-detail");
    const target = detail?.querySelector<HTMLElement>(".cal-meeting h3") ?? document.getElementById("cal-day-title");
    if (!detail || !target) return;
    const reduce = matchMedia("(prefers-reduced-motion: reduce)").matches;
    detail.scrollIntoView({ block: "nearest", behavior: reduce ? "auto" : "smooth" });
    target.focus({ preventScroll: true });
  });

  const colors = teamColors(teams.value.map((t) => t.id));
  const teamName = (id: string | null) => (id ? (teams.value.find((t) => t.id === id)?.name ?? "Team") : "Personal");
  const colorClass = (id: string | null) => (id ? `team-color-${colors.get(id) ?? 0}` : "team-personal");
  const visible = team.value === PERSONAL ? meetings.value.filter((m) => m.teamId === null) : meetings.value;
  const byDay = groupByDay(visible);
  const weeks = monthGrid(month.value);
  const gridKeys = new Set(weeks.flat().map((d) => d.key));
  const today = dayKey(new Date());
  const tabbable = gridKeys.has(selected.value) ? selected.value : gridKeys.has(today) ? today : weeks[0]![0]!.key;
  const monthLabel = monthFormat.format(new Date(month.value.year, month.value.month - 1, 1));
  const longNames = weekdayNames(undefined, "long");
  const shortNames = weekdayNames(undefined, "short");

  function moveTo(date: Date) {
    const key = dayKey(date);
    const ym = monthOf(date);
    if (!sameMonth(ym, month.value)) {
      showMonth(ym, key);
      focusDay.current = key;
      return;
    }
    selected.value = key;
    dayButton(key)?.focus();
  }

  function onDayKey(event: KeyboardEvent, date: Date) {
    const steps: Record<string, () => Date> = {
      ArrowLeft: () => addDays(date, -1),
      ArrowRight: () => addDays(date, 1),
      ArrowUp: () => addDays(date, -7),
      ArrowDown: () => addDays(date, 7),
      Home: () => addDays(date, -((date.getDay() + 6) % 7)),
      End: () => addDays(date, 6 - ((date.getDay() + 6) % 7)),
      PageUp: () => sameDayIn(addMonths(monthOf(date), -1), date),
      PageDown: () => sameDayIn(addMonths(monthOf(date), 1), date),
    };
    const step = steps[event.key];
    if (!step) return;
    event.preventDefault();
    moveTo(step());
  }

  async function confirmCancel() {
    const m = cancelling.value;
    if (!m) return;
    cancelBusy.value = true;
    cancelError.value = null;
    try {
      await cancelMeeting(m.code);
      cancelling.value = null;
      // The button that opened the dialog is gone with the meeting: focus goes back to the day.
      focusDay.current = selected.value;
      status.value = `Cancelled “${m.title}”.`;
      reload.value++;
    } catch (err) {
      cancelError.value = err instanceof ApiError && err.status === 409 ? err.message : `Could not cancel: ${(err as Error).message}`;
    } finally {
      cancelBusy.value = false;
    }
  }

  function saved(m: CalendarMeeting, verb: string) {
    form.value = null;
    scheduled.value = m;
    const { start } = meetingSpan(m);
    showMonth(monthOf(start), dayKey(start));
    status.value = `${verb} “${m.title}” on ${dayFormat.format(start)}.`;
    reload.value++;
  }

  const selectedDate = parseDayKey(selected.value) ?? new Date();
  const dayMeetings = byDay.get(selected.value) ?? [];

  return (
    <div class="calendar">
      <div class="cal-toolbar">
        <h1 id="cal-month">{monthLabel}</h1>
        <div class="row cal-nav">
          <button type="button" aria-label="Previous month" title="Previous month" onClick={() => showMonth(addMonths(month.value, -1))}>
            <span aria-hidden="true">‹</span>
          </button>
          <button type="button" onClick={() => showMonth(monthOf(new Date()), today)}>
            Today
          </button>
          <button type="button" aria-label="Next month" title="Next month" onClick={() => showMonth(addMonths(month.value, 1))}>
            <span aria-hidden="true">›</span>
          </button>
        </div>
        <div class="cal-filter">
          <label for="cal-team">Team</label>
          <select
            id="cal-team"
            value={team.value}
            onChange={(e) => {
              team.value = e.currentTarget.value;
              writeUrl(false);
            }}
          >
            <option value="">All teams</option>
            {teams.value.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
            <option value={PERSONAL}>Personal</option>
          </select>
        </div>
        <button type="button" class="primary" onClick={() => (form.value = { mode: "new", day: selected.value })}>
          Schedule a meeting
        </button>
      </div>

      <ul class="cal-legend" aria-label="Team colours">
        {teams.value.map((t) => (
          <li key={t.id}>
            <span class={`cal-swatch ${colorClass(t.id)}`} aria-hidden="true" />
            {t.name}
          </li>
        ))}
        <li>
          <span class="cal-swatch team-personal" aria-hidden="true" />
          Personal
        </li>
      </ul>

      <p role="status" class="cal-status">
        {loading.value ? "Loading meetings…" : status.value}
      </p>
      {scheduled.value && (
        <div class="cal-scheduled">
          <p>Send it to the people you are inviting, or add it to your own calendar:</p>
          <div class="row">
            <InvitationLink meeting={scheduled.value} />
            <button type="button" onClick={() => (scheduled.value = null)}>
              Dismiss<span class="visually-hidden"> the invitation</span>
            </button>
          </div>
        </div>
      )}
      <LoadError what="the meetings" error={loadError.value} onRetry={() => reload.value++} />

      <table class="cal-grid" aria-labelledby="cal-month" aria-busy={loading.value ? "true" : undefined}>
        <thead>
          <tr>
            {shortNames.map((name, i) => (
              <th key={name} scope="col" abbr={longNames[i]}>
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {weeks.map((week) => (
            <tr key={week[0]!.key}>
              {week.map((day) => {
                const list = byDay.get(day.key) ?? [];
                const shown = list.length > MAX_CHIPS ? list.slice(0, MAX_CHIPS - 1) : list;
                const more = list.length - shown.length;
                const isToday = day.key === today;
                // The button's name is its visible text (day number, chips) with the rest around it for
                // screen readers, so that what is seen is what is read (and what voice control hears).
                const before = `${weekdayFormat.format(day.date)}, ${monthNameFormat.format(day.date)} `;
                const after = `${isToday ? ", today" : ""}${list.length === 0 ? ", no meetings" : `; ${list.length === 1 ? "1 meeting" : `${list.length} meetings`}: ${list.map((m) => `${m.title} at ${timeRange(m)} (${teamName(m.teamId)})`).join("; ")}`}`;
                const classes = ["cal-day", day.inMonth ? "" : "outside", isToday ? "today" : "", day.key === selected.value ? "selected" : ""];
                return (
                  <td key={day.key}>
                    <button
                      type="button"
                      class={classes.filter(Boolean).join(" ")}
                      data-day={day.key}
                      tabIndex={day.key === tabbable ? 0 : -1}
                      aria-pressed={day.key === selected.value}
                      aria-current={isToday ? "date" : undefined}
                      onClick={() => {
                        reveal.current = true;
                        moveTo(day.date);
                      }}
                      onKeyDown={(e) => onDayKey(e, day.date)}
                    >
                      <span class="visually-hidden">{before}</span>
                      <span class="cal-date">{day.date.getDate()}</span>
                      <span class="cal-chips">
                        {shown.map((m) => {
                          const { start } = meetingSpan(m);
                          const startsHere = dayKey(start) === day.key;
                          return (
                            <span key={m.id} class={`cal-chip ${colorClass(m.teamId)}`} title={`${m.title} · ${timeRange(m)} · ${teamName(m.teamId)}`}>
                              <span class="cal-chip-text">
                                <span class="cal-chip-time">{startsHere ? chipTime(start) : "…"}</span> {m.title}
                              </span>
                            </span>
                          );
                        })}
                        {more > 0 && (
                          <span class="cal-more">
                            +{more}
                            <span class="cal-more-word"> more</span>
                          </span>
                        )}
                      </span>
                      <span class="visually-hidden">{after}</span>
                    </button>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>

      <section class="panel cal-detail" aria-labelledby="cal-day-title">
        <div class="cal-detail-head">
          <h2 id="cal-day-title" tabIndex={-1}>
            {dayFormat.format(selectedDate)}
          </h2>
          <button type="button" onClick={() => (form.value = { mode: "new", day: selected.value })}>
            Schedule on this day
          </button>
        </div>
        {dayMeetings.length === 0 ? (
          <p class="muted">{loading.value ? "Loading…" : "No meetings on this day."}</p>
        ) : (
          <ul class="cal-meetings">
            {dayMeetings.map((m) => (
              <MeetingDetails
                key={m.id}
                meeting={m}
                when={timeRange(m)}
                teamName={teamName(m.teamId)}
                colorClass={colorClass(m.teamId)}
                onReschedule={() => (form.value = { mode: "edit", meeting: m })}
                onCancel={() => {
                  cancelError.value = null;
                  cancelling.value = m;
                }}
                onRenamed={(renamed) => {
                  meetings.value = meetings.value.map((x) => (x.id === renamed.id ? { ...x, ...renamed } : x));
                  status.value = `Renamed to “${renamed.title}”.`;
                }}
              />
            ))}
          </ul>
        )}
      </section>

      <MeetingForm state={form} teams={teams.value} onSaved={saved} />

      <ConfirmDialog
        open={cancelling.value !== null}
        title="Cancel this meeting?"
        confirmLabel="Cancel meeting"
        busy={cancelBusy.value}
        onConfirm={confirmCancel}
        onCancel={() => (cancelling.value = null)}
      >
        {cancelling.value && (
          <p>
            “{cancelling.value.title}” ({timeRange(cancelling.value)}) will be removed from everyone's calendar.
          </p>
        )}
        {cancelError.value && (
          <p role="alert" class="error">
            {cancelError.value}{" "}
            <a href="/resources" onClick={onLinkClick}>
              Open Resources
            </a>
          </p>
        )}
      </ConfirmDialog>
    </div>
  );
}

const dayButton = (key: string) => document.querySelector<HTMLButtonElement>(`.cal-grid button[data-day="${key}"]`);

/** The same day of the month in `ym`, or its last day when that month is shorter. */
function sameDayIn(ym: YearMonth, date: Date): Date {
  const last = new Date(ym.year, ym.month, 0).getDate();
  return new Date(ym.year, ym.month - 1, Math.min(date.getDate(), last));
}

/** Server field names → the form's fields. */
const FIELD_OF: Record<string, string> = { startsAt: "start", endsAt: "end", teamId: "team", title: "title", agenda: "agenda" };

function MeetingForm({
  state,
  teams,
  onSaved,
}: {
  state: Signal<FormState | null>;
  teams: Team[];
  onSaved(meeting: CalendarMeeting, verb: string): void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const title = useSignal("");
  const teamId = useSignal("");
  const date = useSignal("");
  const start = useSignal("");
  const end = useSignal("");
  const agenda = useSignal("");
  /** Guests wait to be let in; null until the person ticks or unticks it (then on for team meetings). */
  const lobby = useSignal<boolean | null>(null);
  const selfUnmute = useSignal(true);
  const errors = useSignal<Record<string, string>>({});
  const message = useSignal<string | null>(null);
  const busy = useSignal(false);
  const current = state.value;
  const editing = current?.mode === "edit" ? current.meeting : null;

  // Fill the fields each time the form opens.
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (!current) {
      if (dialog.open) dialog.close();
      return;
    }
    errors.value = {};
    message.value = null;
    busy.value = false;
    if (current.mode === "edit") {
      const { start: s, end: e } = meetingSpan(current.meeting);
      title.value = current.meeting.title;
      teamId.value = current.meeting.teamId ?? "";
      agenda.value = current.meeting.agenda;
      lobby.value = current.meeting.lobby;
      selfUnmute.value = current.meeting.selfUnmute;
      date.value = toDateInput(s);
      start.value = toTimeInput(s);
      end.value = toTimeInput(dayKey(e) === dayKey(s) ? e : new Date(s.getTime() + 3_600_000));
    } else {
      const day = parseDayKey(current.day) ?? new Date();
      const now = new Date();
      const hour = dayKey(day) === dayKey(now) && now.getHours() < 22 ? now.getHours() + 1 : 9;
      title.value = "";
      const filter = new URLSearchParams(location.search).get("team");
      teamId.value = filter && teams.some((t) => t.id === filter) ? filter : "";
      agenda.value = "";
      lobby.value = null;
      selfUnmute.value = true;
      date.value = toDateInput(day);
      start.value = `${String(hour).padStart(2, "0")}:00`;
      end.value = `${String(hour + 1).padStart(2, "0")}:00`;
    }
    if (!dialog.open) dialog.showModal();
  }, [current]);

  async function submit(event: Event) {
    event.preventDefault();
    const fieldErrors: Record<string, string> = {};
    const startsAt = fromDateTimeInputs(date.value, start.value);
    const endsAt = fromDateTimeInputs(date.value, end.value);
    if (!parseDayKey(date.value)) fieldErrors.date = "Pick the day of the meeting";
    else {
      if (!startsAt) fieldErrors.start = "Pick when it starts";
      if (!endsAt) fieldErrors.end = "Pick when it ends";
      else if (startsAt && endsAt <= startsAt) fieldErrors.end = "It must end after it starts (on the same day)";
    }
    errors.value = fieldErrors;
    message.value = null;
    if (Object.keys(fieldErrors).length || !startsAt || !endsAt) {
      ref.current?.querySelector<HTMLElement>("[aria-invalid='true']")?.focus();
      return;
    }
    busy.value = true;
    const body = {
      title: title.value.trim() || undefined,
      agenda: agenda.value,
      startsAt: startsAt.toISOString(),
      endsAt: endsAt.toISOString(),
      lobby: lobbyOn,
      selfUnmute: selfUnmute.value,
    };
    try {
      const meeting = editing ? await updateMeeting(editing.code, body) : await scheduleMeeting({ ...body, teamId: teamId.value || undefined });
      onSaved(meeting, editing ? "Rescheduled" : "Scheduled");
    } catch (err) {
      const { fields, message: text } = describeError(err);
      const mapped: Record<string, string> = {};
      for (const [k, v] of Object.entries(fields)) mapped[FIELD_OF[k] ?? k] = v;
      const unplaced = Object.keys(mapped).filter((k) => !["title", "team", "date", "start", "end", "agenda"].includes(k));
      errors.value = mapped;
      message.value = text ?? (unplaced.length ? (err as Error).message : null);
      busy.value = false;
    }
  }

  const e = errors.value;
  // A scheduled team meeting holds guests in the lobby unless the person says otherwise (as the API does).
  const lobbyOn = lobby.value ?? (editing ? editing.lobby : teamId.value !== "");
  return (
    <dialog ref={ref} class="dialog cal-form" aria-labelledby="meeting-form-title" onClose={() => (state.value = null)}>
      <form onSubmit={submit} noValidate>
        <h2 id="meeting-form-title">{editing ? "Reschedule meeting" : "Schedule a meeting"}</h2>
        <FormError message={message.value} />
        <Field id="meeting-title" name="title" label="Title" value={title.value} error={e.title} maxLength={200} placeholder="Meeting" onValue={(v) => (title.value = v)} />
        <div class="field">
          <label for="meeting-team">Team</label>
          <select
            id="meeting-team"
            value={teamId.value}
            disabled={editing !== null}
            aria-invalid={e.team ? "true" : undefined}
            aria-describedby={[editing ? "meeting-team-hint" : "", e.team ? "meeting-team-error" : ""].filter(Boolean).join(" ") || undefined}
            onChange={(ev) => (teamId.value = ev.currentTarget.value)}
          >
            <option value="">No team (personal)</option>
            {teams.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
          {editing && (
            <p id="meeting-team-hint" class="hint">
              A meeting's team cannot change.
            </p>
          )}
          {e.team && (
            <p id="meeting-team-error" class="field-error">
              {e.team}
            </p>
          )}
        </div>
        <Field id="meeting-date" type="date" name="date" label="Date" required value={date.value} error={e.date} onValue={(v) => (date.value = v)} />
        <div class="cal-times">
          <Field id="meeting-start" type="time" name="start" label="Starts" required value={start.value} error={e.start} onValue={(v) => (start.value = v)} />
          <Field id="meeting-end" type="time" name="end" label="Ends" required value={end.value} error={e.end} onValue={(v) => (end.value = v)} />
        </div>
        <div class="field">
          <label for="meeting-agenda">Agenda</label>
          <textarea
            id="meeting-agenda"
            name="agenda"
            rows={4}
            maxLength={20_000}
            value={agenda.value}
            aria-invalid={e.agenda ? "true" : undefined}
            aria-describedby={e.agenda ? "meeting-agenda-error" : "meeting-agenda-hint"}
            onInput={(ev) => (agenda.value = ev.currentTarget.value)}
          />
          {e.agenda ? (
            <p id="meeting-agenda-error" class="field-error">
              {e.agenda}
            </p>
          ) : (
            <p id="meeting-agenda-hint" class="hint">
              Markdown; it starts the meeting's notes.
            </p>
          )}
        </div>
        <fieldset class="cal-control">
          <legend>In the meeting</legend>
          <label class="check">
            <input type="checkbox" name="lobby" checked={lobbyOn} onChange={(ev) => (lobby.value = ev.currentTarget.checked)} aria-describedby="meeting-lobby-hint" />
            Guests wait to be let in
          </label>
          <p id="meeting-lobby-hint" class="hint">
            {teamId.value ? "People outside the team can knock; a host admits them." : "Anyone with the link knocks first; a host admits them."}
          </p>
          <label class="check">
            <input type="checkbox" name="selfUnmute" checked={selfUnmute.value} onChange={(ev) => (selfUnmute.value = ev.currentTarget.checked)} />
            Let people unmute themselves
          </label>
        </fieldset>
        <div class="row end">
          <button type="button" onClick={() => (state.value = null)} disabled={busy.value}>
            Close
          </button>
          <button type="submit" class="primary" disabled={busy.value}>
            {busy.value ? "Saving…" : editing ? "Save" : "Schedule"}
          </button>
        </div>
      </form>
    </dialog>
  );
}
