/**
 * One meeting in the calendar's day details: its title (renamed in place), time, team, agenda,
 * and what can be done with it. Join; for those who may change it, Rename, and — unless it is an
 * instant meeting that has ended, which is history — Reschedule and Cancel; the invitation as an
 * .ics file. An ended instant meeting points to its notes and recordings instead.
 */
import { useSignal } from "@preact/signals";
import { Markdown } from "../components/markdown.tsx";
import { RenameForm } from "../components/rename-form.tsx";
import { describeError } from "../components/form.tsx";
import { invitationUrl, updateMeeting, type CalendarMeeting } from "../lib/calendar-api.ts";
import { hasEnded } from "../lib/calendar-dates.ts";
import { onLinkClick } from "../lib/router.ts";

export function MeetingDetails({
  meeting: m,
  when,
  teamName,
  colorClass,
  onReschedule,
  onCancel,
  onRenamed,
}: {
  meeting: CalendarMeeting;
  /** Its time range, formatted. */
  when: string;
  teamName: string;
  colorClass: string;
  onReschedule(): void;
  onCancel(): void;
  onRenamed(meeting: CalendarMeeting): void;
}) {
  const renaming = useSignal(false);
  const value = useSignal("");
  const error = useSignal<string | null>(null);
  const busy = useSignal(false);
  const ended = hasEnded(m);

  function close() {
    renaming.value = false;
    error.value = null;
    // Back to the button that opened the form, once it is drawn again.
    setTimeout(() => document.querySelector<HTMLButtonElement>(`[data-rename-meeting="${m.code}"]`)?.focus());
  }

  async function save(event: Event) {
    event.preventDefault();
    const title = value.value.trim();
    if (!title) {
      error.value = "Give the meeting a title";
      return;
    }
    if (title === m.title) return close();
    busy.value = true;
    error.value = null;
    try {
      onRenamed(await updateMeeting(m.code, { title }));
      close();
    } catch (err) {
      const { fields, message } = describeError(err);
      error.value = fields.title ?? message ?? (err as Error).message;
    } finally {
      busy.value = false;
    }
  }

  return (
    <li class={`cal-meeting ${colorClass}`} data-code={m.code}>
      {renaming.value ? (
        <RenameForm
          class="cal-rename"
          id={`meeting-${m.code}`}
          label="Meeting title"
          value={value.value}
          error={error.value}
          busy={busy.value}
          onValue={(v) => (value.value = v)}
          onSubmit={save}
          onCancel={close}
        />
      ) : (
        <h3 tabIndex={-1}>{m.title}</h3>
      )}
      <p class="cal-meta">
        <span>{when}</span>
        {ended && <span class="badge">Ended</span>}
        <span class="cal-team-tag">
          <span class={`cal-swatch ${colorClass}`} aria-hidden="true" />
          {teamName}
        </span>
      </p>
      {m.agenda.trim() && <Markdown class="cal-agenda" source={m.agenda} />}
      <div class="row cal-actions">
        <a class="button primary" href={`/m/${m.code}`} onClick={onLinkClick}>
          Join<span class="visually-hidden"> {m.title}</span>
        </a>
        {m.canEdit && !renaming.value && (
          <button
            type="button"
            data-rename-meeting={m.code}
            onClick={() => {
              value.value = m.title;
              error.value = null;
              renaming.value = true;
            }}
          >
            Rename<span class="visually-hidden"> {m.title}</span>
          </button>
        )}
        {m.canEdit && !ended && (
          <>
            <button type="button" onClick={onReschedule}>
              Reschedule<span class="visually-hidden"> {m.title}</span>
            </button>
            <button type="button" class="cal-cancel" onClick={onCancel}>
              Cancel<span class="visually-hidden"> {m.title}</span>
            </button>
          </>
        )}
        {ended ? (
          <>
            <a class="button" href={`/m/${m.code}/memory`} onClick={onLinkClick}>
              Meeting page<span class="visually-hidden"> of {m.title}</span>
            </a>
            <a class="button" href="/resources" onClick={onLinkClick}>
              Notes and recordings<span class="visually-hidden"> of {m.title}</span>
            </a>
          </>
        ) : (
          <InvitationLink meeting={m} />
        )}
      </div>
    </li>
  );
}

/** "Download invitation (.ics)": the meeting as a calendar file to import (GET /api/meetings/:code/invite.ics). */
export function InvitationLink({ meeting }: { meeting: CalendarMeeting }) {
  return (
    <a class="button" href={invitationUrl(meeting.code)} download>
      Download invitation (.ics)<span class="visually-hidden"> for {meeting.title}</span>
    </a>
  );
}
