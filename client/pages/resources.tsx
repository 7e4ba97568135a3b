/**
 * Resources: the notes and recordings of my meetings (ones I took part in, and my teams'), grouped
 * under their meeting (newest meeting first, dated in local time), filtered by kind and team (kept
 * in the URL). Recordings show their processing progress —
 * polled every 2 s while one is recording or processing — and play, download, rename, delete; notes
 * are read as rendered Markdown, downloaded as .md, renamed, deleted.
 */
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { ConfirmDialog } from "../components/confirm.tsx";
import { RenameForm } from "../components/rename-form.tsx";
import { SignedInPage } from "../components/layout.tsx";
import { LoadError } from "../components/load-error.tsx";
import type { MarkdownPart } from "../lazy/markdown.ts";
import {
  deleteNote,
  deleteRecording,
  getNote,
  listNotes,
  listRecordings,
  listTeams,
  noteExportUrl,
  recordingMediaUrl,
  renameNote,
  renameRecording,
  type Note,
  type Recording,
  type Team,
} from "../lib/calendar-api.ts";
import { loadLazy } from "../lib/lazy.ts";
import { groupByMeeting, itemLabel, type ResourceItem } from "../lib/resource-groups.ts";
import { navigate, onLinkClick } from "../lib/router.ts";
import "../styles/resources.css";

const POLL_MS = 2000;
const PERSONAL = "personal";
type Kind = "all" | "recordings" | "notes";
const KINDS: { value: Kind; label: string }[] = [
  { value: "all", label: "All" },
  { value: "recordings", label: "Recordings" },
  { value: "notes", label: "Notes" },
];

type Item = ResourceItem;
type Reading = { state: "loading" } | { state: "ready"; html: string } | { state: "error"; message: string };

const whenFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });
const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

/** An item's moment, in local time: when a recording started; when notes were last written. */
const itemDate = (item: Item) => new Date(item.kind === "recording" ? item.startedAt : item.updatedAt);

/** A local date and time, with the date left out when it is the meeting's own day. */
function localWhen(at: Date, meetingAt: Date): string {
  return dayFormat.format(at) === dayFormat.format(meetingAt) ? timeFormat.format(at) : whenFormat.format(at);
}

/**
 * How controls name an item for screen readers: what it is, its meeting, and for a recording its
 * start ("Recording, Weekly sync, 18:20"); a title someone gave stands alone.
 */
function itemName(item: Item): string {
  const label = itemLabel(item);
  if (label !== item.title) return [label, item.meetingTitle, item.kind === "recording" ? timeFormat.format(itemDate(item)) : null].filter(Boolean).join(", ");
  return label;
}

/** `1:02:03` or `4:05`. */
function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** `812 KB`, `48.2 MB`, `1.3 GB`. */
function formatBytes(bytes: number): string {
  const units = ["bytes", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** The start of a note's text on one line, without Markdown's heading and emphasis marks. */
const excerpt = (text: string) => {
  const flat = text.replace(/^#{1,6}\s+/gm, "").replace(/[*_`>]/g, "").replace(/\s+/g, " ").trim();
  return flat.length > 140 ? `${flat.slice(0, 139)}…` : flat;
};

const fileName = (title: string, ext: string) =>
  `${title.normalize("NFKD").replace(/[^\w\s-]/g, "").trim().replace(/\s+/g, "-").slice(0, 80).toLowerCase() || "recording"}.${ext}`;

function readUrl(): { kind: Kind; team: string } {
  const q = new URLSearchParams(location.search);
  const kind = q.get("kind");
  return { kind: kind === "notes" || kind === "recordings" ? kind : "all", team: q.get("team") ?? "" };
}

export function ResourcesPage() {
  return <SignedInPage title="Resources" render={() => <Resources />} />;
}

function Resources() {
  const initial = useRef(readUrl()).current;
  const kind = useSignal<Kind>(initial.kind);
  const team = useSignal(initial.team);
  const teams = useSignal<Team[]>([]);
  const notes = useSignal<Note[]>([]);
  const recordings = useSignal<Recording[]>([]);
  const loading = useSignal(true);
  const loadError = useSignal<string | null>(null);
  const status = useSignal("");
  const reload = useSignal(0);
  const polled = useSignal(0);
  const playing = useSignal<string | null>(null);
  const reading = useSignal<Record<string, Reading>>({});
  const renaming = useSignal<string | null>(null);
  const renameValue = useSignal("");
  const renameError = useSignal<string | null>(null);
  const renameBusy = useSignal(false);
  const deleting = useSignal<Item | null>(null);
  const deleteBusy = useSignal(false);
  const deleteError = useSignal<string | null>(null);
  const request = useRef(0);
  const alive = useRef(true);
  useEffect(() => () => void (alive.current = false), []);
  // After a delete the dialog's opener is gone: once the dialog has closed, focus goes to the
  // page's heading rather than being lost.
  const focusHeading = useRef(false);
  const afterDialog = () => {
    if (!focusHeading.current) return;
    focusHeading.current = false;
    document.getElementById("res-heading")?.focus();
  };

  const teamId = team.value && team.value !== PERSONAL ? team.value : undefined;

  function writeUrl() {
    const q = new URLSearchParams();
    if (kind.value !== "all") q.set("kind", kind.value);
    if (team.value) q.set("team", team.value);
    const to = `/resources${q.size ? `?${q}` : ""}`;
    if (location.pathname + location.search !== to) navigate(to, { replace: true });
  }

  useEffect(() => {
    listTeams().then(
      (list) => (teams.value = list),
      () => {
        // Without team names the filter offers All and Personal; the list says if loading fails.
      },
    );
  }, []);

  useEffect(() => {
    const ticket = ++request.current;
    loading.value = true;
    loadError.value = null;
    Promise.all([listNotes(teamId), listRecordings(teamId)])
      .then(([n, r]) => {
        if (ticket !== request.current || !alive.current) return;
        notes.value = n;
        recordings.value = r;
        polled.value++;
      })
      .catch((err: Error) => {
        if (ticket === request.current && alive.current) loadError.value = err.message;
      })
      .finally(() => {
        if (ticket === request.current && alive.current) loading.value = false;
      });
  }, [teamId, reload.value]);

  // While a recording is being made or processed, ask again every 2 s; stop when none is, or on leaving.
  const busyRecording = recordings.value.some((r) => r.status === "recording" || r.status === "processing");
  useEffect(() => {
    if (!busyRecording) return;
    const ticket = request.current;
    const timer = setTimeout(() => {
      listRecordings(teamId).then(
        (list) => {
          if (ticket !== request.current || !alive.current) return;
          recordings.value = list;
          polled.value++;
        },
        () => {
          // A missed poll is retried on the next tick.
          if (ticket === request.current && alive.current) polled.value++;
        },
      );
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [busyRecording, polled.value, teamId]);

  const teamName = (id: string | null) => (id ? (teams.value.find((t) => t.id === id)?.name ?? "Team") : "Personal");
  const byTeam = <T extends { teamId: string | null }>(list: T[]) => (team.value === PERSONAL ? list.filter((x) => x.teamId === null) : list);
  const groups = groupByMeeting(kind.value === "recordings" ? [] : byTeam(notes.value), kind.value === "notes" ? [] : byTeam(recordings.value));
  const items: Item[] = groups.flatMap((g) => g.items);

  async function toggleRead(note: Item) {
    const current = reading.value[note.id];
    if (current && current.state !== "loading") {
      const { [note.id]: _, ...rest } = reading.value;
      reading.value = rest;
      return;
    }
    if (current) return;
    reading.value = { ...reading.value, [note.id]: { state: "loading" } };
    let next: Reading;
    try {
      const [full, markdown] = await Promise.all([getNote(note.id), loadLazy<MarkdownPart>("markdown")]);
      next = { state: "ready", html: markdown.render(full.text) };
    } catch (err) {
      next = { state: "error", message: (err as Error).message };
    }
    if (alive.current && reading.value[note.id]) reading.value = { ...reading.value, [note.id]: next };
  }

  function startRename(item: Item) {
    renaming.value = item.id;
    renameValue.value = item.title;
    renameError.value = null;
  }

  function endRename(id: string) {
    renaming.value = null;
    renameError.value = null;
    // Back to the button that opened the form, once it is drawn again.
    setTimeout(() => document.querySelector<HTMLButtonElement>(`[data-rename="${id}"]`)?.focus());
  }

  async function saveRename(event: Event, item: Item) {
    event.preventDefault();
    const title = renameValue.value.trim();
    if (!title) {
      renameError.value = "Give it a title";
      return;
    }
    if (title === item.title) return endRename(item.id);
    renameBusy.value = true;
    renameError.value = null;
    try {
      if (item.kind === "note") {
        const note = await renameNote(item.id, title);
        notes.value = notes.value.map((n) => (n.id === note.id ? note : n));
      } else {
        const recording = await renameRecording(item.id, title);
        recordings.value = recordings.value.map((r) => (r.id === recording.id ? recording : r));
      }
      status.value = `Renamed to “${title}”.`;
      endRename(item.id);
    } catch (err) {
      renameError.value = (err as Error).message;
    } finally {
      renameBusy.value = false;
    }
  }

  async function confirmDelete() {
    const item = deleting.value;
    if (!item) return;
    deleteBusy.value = true;
    deleteError.value = null;
    try {
      if (item.kind === "note") {
        await deleteNote(item.id);
        notes.value = notes.value.filter((n) => n.id !== item.id);
      } else {
        await deleteRecording(item.id);
        recordings.value = recordings.value.filter((r) => r.id !== item.id);
        if (playing.value === item.id) playing.value = null;
      }
      deleting.value = null;
      status.value = `Deleted “${itemName(item)}”.`;
      focusHeading.current = true;
    } catch (err) {
      deleteError.value = (err as Error).message;
    } finally {
      deleteBusy.value = false;
    }
  }

  /** One note or recording under its meeting (a function, not a component: its state lives in Resources). */
  function renderItem(item: Item, meetingAt: Date) {
    const read = reading.value[item.id];
    const isRenaming = renaming.value === item.id;
    return (
      <li key={`${item.kind}-${item.id}`} class={`res-item ${item.kind}`} data-kind={item.kind}>
        <div class="res-head">
          {isRenaming ? (
            <RenameForm
              class="res-rename"
              id={item.id}
              value={renameValue.value}
              error={renameError.value}
              busy={renameBusy.value}
              onValue={(v) => (renameValue.value = v)}
              onSubmit={(e) => saveRename(e, item)}
              onCancel={() => endRename(item.id)}
            />
          ) : (
            <h3 class="res-title">{itemLabel(item)}</h3>
          )}
          <p class="res-meta">
            {/* A title someone gave does not say what the item is: the badge does. */}
            {itemLabel(item) === item.title && <span class="badge">{item.kind === "note" ? "Notes" : "Recording"}</span>}
            <span>
              {item.kind === "note" ? "Last written " : "Started "}
              <time dateTime={itemDate(item).toISOString()}>{localWhen(itemDate(item), meetingAt)}</time>
            </span>
          </p>
          {item.kind === "note" && !read && item.excerpt.trim() && <p class="res-excerpt">{excerpt(item.excerpt)}</p>}
          {item.kind === "recording" && <RecordingStatus recording={item} />}
        </div>

        <div class="res-actions">
          {item.kind === "recording" ? (
            item.status === "ready" && (
              <>
                <button
                  type="button"
                  aria-expanded={playing.value === item.id}
                  aria-controls={`player-${item.id}`}
                  onClick={() => (playing.value = playing.value === item.id ? null : item.id)}
                >
                  {playing.value === item.id ? "Close player" : "Play"}
                  <span class="visually-hidden"> {itemName(item)}</span>
                </button>
                <a class="button" href={recordingMediaUrl(item.id)} download={fileName(`${item.meetingTitle} ${itemLabel(item)}`, item.mime?.includes("mp4") ? "mp4" : "webm")}>
                  Download<span class="visually-hidden"> {itemName(item)}</span>
                </a>
              </>
            )
          ) : (
            <>
              <button type="button" aria-expanded={!!read} aria-controls={`note-${item.id}`} onClick={() => void toggleRead(item)}>
                {read && read.state !== "loading" ? "Hide" : "Read"}
                <span class="visually-hidden"> {itemName(item)}</span>
              </button>
              <a class="button" href={noteExportUrl(item.id)} download>
                Download .md<span class="visually-hidden"> {itemName(item)}</span>
              </a>
            </>
          )}
          {!isRenaming && (
            <button type="button" data-rename={item.id} onClick={() => startRename(item)}>
              Rename<span class="visually-hidden"> {itemName(item)}</span>
            </button>
          )}
          <button
            type="button"
            class="res-delete"
            onClick={() => {
              deleteError.value = null;
              deleting.value = item;
            }}
          >
            Delete<span class="visually-hidden"> {itemName(item)}</span>
          </button>
        </div>

        {item.kind === "recording" && playing.value === item.id && (
          <div id={`player-${item.id}`} class="res-player">
            {/* Play plays: the click that opened the player lets it start (a browser that still refuses leaves it paused, with its controls). */}
            <video controls autoPlay preload="auto" src={recordingMediaUrl(item.id)} aria-label={`Recording: ${itemName(item)}`}>
              Your browser cannot play this recording; <a href={recordingMediaUrl(item.id)}>download it</a> instead.
            </video>
          </div>
        )}
        {item.kind === "note" && read && (
          <div id={`note-${item.id}`} class="res-note">
            {read.state === "loading" && <p role="status">Loading…</p>}
            {read.state === "error" && (
              <p role="alert" class="error">
                Could not open the notes: {read.message}
              </p>
            )}
            {read.state === "ready" &&
              (read.html.trim() ? (
                <div class="res-markdown" dangerouslySetInnerHTML={{ __html: read.html }} />
              ) : (
                <p class="muted">These notes are empty.</p>
              ))}
          </div>
        )}
      </li>
    );
  }

  const filtered = kind.value !== "all" || team.value !== "";
  const what = kind.value === "notes" ? "notes" : kind.value === "recordings" ? "recordings" : "notes or recordings";

  return (
    <div class="resources">
      <h1 id="res-heading" tabIndex={-1}>
        Resources
      </h1>
      <p class="muted res-intro">The notes and recordings of meetings you took part in and of your teams' meetings.</p>

      <div class="res-filters">
        <fieldset class="res-kind">
          <legend>Show</legend>
          {KINDS.map((k) => (
            <label key={k.value} class={kind.value === k.value ? "checked" : undefined}>
              <input
                type="radio"
                name="res-kind"
                value={k.value}
                checked={kind.value === k.value}
                onChange={() => {
                  kind.value = k.value;
                  writeUrl();
                }}
              />
              {k.label}
            </label>
          ))}
        </fieldset>
        <div class="res-team">
          <label for="res-team">Team</label>
          <select
            id="res-team"
            value={team.value}
            onChange={(e) => {
              team.value = e.currentTarget.value;
              writeUrl();
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
      </div>

      <p role="status" class="res-status">
        {loading.value ? "Loading…" : status.value}
      </p>
      <LoadError what="your resources" error={loadError.value} onRetry={() => reload.value++} />

      {!loading.value && !loadError.value && items.length === 0 && (
        <div class="panel res-empty">
          <h2>{filtered ? `No ${what} match these filters` : "No notes or recordings yet"}</h2>
          <p>
            Notes and recordings come from meetings: from the ones you took part in while signed in, and from every meeting of your teams. Notes
            appear as soon as someone writes in a meeting's notes; a recording appears once a signed-in participant records the meeting, and can
            be played when its processing is done.
          </p>
          <p>
            <a href="/calendar" onClick={onLinkClick}>
              Schedule a meeting in the calendar
            </a>
          </p>
        </div>
      )}

      {groups.length > 0 && (
        <ul class="res-groups" aria-label="Meetings">
          {groups.map((group) => (
            <li key={group.meetingId} class="res-group" data-meeting={group.meetingCode}>
              <div class="res-group-head">
                <h2 class="res-meeting">{group.meetingTitle}</h2>
                <p class="res-meta">
                  <time dateTime={group.meetingAt.toISOString()}>{whenFormat.format(group.meetingAt)}</time>
                  <span>{teamName(group.teamId)}</span>
                  <a href={`/m/${group.meetingCode}/memory`} onClick={onLinkClick}>
                    Meeting page<span class="visually-hidden"> of {group.meetingTitle}</span>
                  </a>
                </p>
              </div>
              <ul class="res-list" aria-label={`Notes and recordings of ${group.meetingTitle}`}>
                {group.items.map((item) => renderItem(item, group.meetingAt))}
              </ul>
            </li>
          ))}
        </ul>
      )}

      <ConfirmDialog
        open={deleting.value !== null}
        title={deleting.value?.kind === "recording" ? "Delete this recording?" : "Delete these notes?"}
        confirmLabel="Delete"
        busy={deleteBusy.value}
        onConfirm={confirmDelete}
        onCancel={() => (deleting.value = null)}
        onClosed={afterDialog}
      >
        {deleting.value && (
          <p>
            “{itemName(deleting.value)}” will be deleted for everyone who could see it. This cannot be undone.
          </p>
        )}
        {deleteError.value && (
          <p role="alert" class="error">
            {deleteError.value}
          </p>
        )}
      </ConfirmDialog>
    </div>
  );
}

function RecordingStatus({ recording: r }: { recording: Recording }) {
  switch (r.status) {
    case "recording":
      return <p class="res-state live">Recording in progress…</p>;
    case "processing": {
      const percent = Math.round((r.progress ?? 0) * 100);
      return (
        <div class="res-state">
          <label for={`progress-${r.id}`}>Processing {percent}%</label>
          <progress id={`progress-${r.id}`} max={100} value={percent}>
            {percent}%
          </progress>
        </div>
      );
    }
    case "failed":
      return <p class="res-state failed">Failed: {r.error ?? "the recording could not be processed"}</p>;
    case "ready":
      return (
        <p class="res-state ready">
          {["Ready", r.durationMs !== null ? formatDuration(r.durationMs) : null, r.bytes !== null ? formatBytes(r.bytes) : null].filter(Boolean).join(" · ")}
        </p>
      );
  }
}
