/**
 * The meeting page's body, loaded lazily: attendance, the recording's player with the speaker
 * timeline under it (each person's segments in their colour; a click seeks), the notes with each
 * line's time in a gutter (a click seeks the recording; lines written while nothing was recording
 * show the clock time), talk time as a small chart, and the action items. It renders with its own
 * Preact (the app's is in another bundle), so links go through `popstate` to reach the app's router.
 */
import { render } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../lib/api.ts";
import { exportUrl, formatOffset, getTimeline, recordingMediaUrl, type Timeline } from "../lib/memory-api.ts";
import type { MeetingMemoryPart } from "./meeting-memory-types.ts";
import "../styles/memory.css";

/** One colour per person, readable on both themes (they only fill bars and swatches). */
const COLORS = ["#2563eb", "#db2777", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#dc2626", "#4d7c0f", "#9333ea", "#0d9488"];

const clock = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const dateLong = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });

function follow(event: MouseEvent) {
  const a = event.currentTarget as HTMLAnchorElement;
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || a.origin !== location.origin) return;
  event.preventDefault();
  history.pushState(null, "", a.pathname + a.search);
  dispatchEvent(new PopStateEvent("popstate"));
}

type State = { timeline: Timeline } | { problem: "not-found" | "sign-in" } | { error: string } | null;

function MemoryView({ code, onTitle }: { code: string; onTitle(title: string): void }) {
  const [state, setState] = useState<State>(null);
  useEffect(() => {
    let cancelled = false;
    getTimeline(code).then(
      (timeline) => {
        if (cancelled) return;
        onTitle(timeline.title);
        setState({ timeline });
      },
      (err) => {
        if (cancelled) return;
        if (err instanceof ApiError && err.status === 404) {
          onTitle("Meeting not found");
          setState({ problem: "not-found" });
        } else if (err instanceof ApiError && err.status === 401) {
          onTitle("Sign in");
          setState({ problem: "sign-in" });
        }
        else setState({ error: (err as Error).message });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [code]);

  if (!state) return <p role="status">Loading the meeting…</p>;
  if ("problem" in state) {
    return (
      <div class="narrow memory-problem">
        <h1>{state.problem === "sign-in" ? "Sign in to see this meeting" : "Meeting not found"}</h1>
        <p role="alert">
          {state.problem === "sign-in"
            ? "A meeting's notes, recording and timeline are kept for the people who took part signed in, and for its team."
            : "There is no such meeting, or you may not read it: its page is for the people who took part signed in, and for its team's members."}
        </p>
        <p>
          {state.problem === "sign-in" ? (
            <a href={`/login?next=${encodeURIComponent(location.pathname)}`} onClick={follow}>
              Log in
            </a>
          ) : (
            <a href="/resources" onClick={follow}>
              Back to Resources
            </a>
          )}
        </p>
      </div>
    );
  }
  if ("error" in state) {
    return (
      <p role="alert" class="form-error">
        Could not load the meeting: {state.error}
      </p>
    );
  }
  return <Memory t={state.timeline} />;
}

function Memory({ t }: { t: Timeline }) {
  const video = useRef<HTMLVideoElement>(null);
  const recording = t.recordings.find((r) => r.status === "ready") ?? null;
  const start = t.startedAt ? Date.parse(t.startedAt) : null;
  const names = new Map(t.participants.map((p) => [p.id, p.name]));
  const order = [...new Set([...t.participants.map((p) => p.id), ...t.segments.map((s) => s.participantId)])];
  const color = (id: string) => COLORS[Math.max(0, order.indexOf(id)) % COLORS.length]!;
  const lastMs = Math.max(
    1,
    t.endedAt && start !== null ? Date.parse(t.endedAt) - start : 0,
    ...t.segments.map((s) => s.endMs),
    ...(recording ? [recording.offsetMs + (recording.durationMs ?? 0)] : []),
  );
  /** Whether the meeting's moment `ms` is on the recording (so a click can seek to it). */
  const onRecording = (ms: number) => recording !== null && ms >= recording.offsetMs && ms <= recording.offsetMs + (recording.durationMs ?? 0) + 1_000;
  function seek(ms: number) {
    const v = video.current;
    if (!v || !recording) return;
    v.currentTime = Math.max(0, (ms - recording.offsetMs) / 1000);
    v.scrollIntoView({ block: "nearest" });
  }
  const totalTalk = t.talk.reduce((n, x) => n + x.ms, 0);

  return (
    <div class="memory">
      <header class="memory-head">
        <p class="breadcrumb">
          <a href="/resources" onClick={follow}>
            Resources
          </a>
        </p>
        <h1>{t.title}</h1>
        <p class="muted">
          {start !== null ? <time dateTime={t.startedAt!}>{dateLong.format(start)}</time> : "Not held yet"}
          {start !== null && t.endedAt && <span> · {formatOffset(Date.parse(t.endedAt) - start)} long</span>}
        </p>
        <p class="row memory-actions">
          <a class="button" href={exportUrl(t.meetingCode)} download>
            Export as Markdown
          </a>
          <a class="button" href={`/m/${t.meetingCode}`} onClick={follow}>
            Open the meeting room
          </a>
        </p>
      </header>

      <section class="panel" aria-labelledby="rec-heading">
        <h2 id="rec-heading">Recording and who spoke when</h2>
        {recording ? (
          <video ref={video} class="memory-video" controls preload="metadata" src={recordingMediaUrl(recording.id)} aria-label={`Recording: ${recording.title}`} />
        ) : (
          <p class="muted">{t.recordings.length > 0 ? "The recording is not ready yet." : "This meeting was not recorded."}</p>
        )}
        {t.segments.length === 0 ? (
          <p class="muted">No speech was detected.</p>
        ) : (
          <div class="timeline" role="group" aria-label="Speaker timeline">
            {order
              .filter((id) => t.segments.some((s) => s.participantId === id))
              .map((id) => (
                <div class="timeline-row" key={id}>
                  <span class="timeline-name">
                    <span class="swatch" style={{ background: color(id) }} aria-hidden="true" />
                    {names.get(id) ?? "Someone"}
                  </span>
                  <div class="timeline-track">
                    {t.segments
                      .filter((s) => s.participantId === id)
                      .map((s) => {
                        const style = { left: `${(s.startMs / lastMs) * 100}%`, width: `max(3px, ${((s.endMs - s.startMs) / lastMs) * 100}%)`, background: color(id) };
                        const label = `${names.get(id) ?? "Someone"} speaking from ${formatOffset(s.startMs)} to ${formatOffset(s.endMs)}`;
                        return onRecording(s.startMs) ? (
                          <button type="button" key={s.startMs} class="segment" style={style} aria-label={`${label}: play from here`} title={label} data-start-ms={s.startMs} onClick={() => seek(s.startMs)} />
                        ) : (
                          <span key={s.startMs} class="segment" style={style} title={label} data-start-ms={s.startMs} />
                        );
                      })}
                  </div>
                </div>
              ))}
            <div class="timeline-scale" aria-hidden="true">
              <span>0:00</span>
              <span>{formatOffset(lastMs)}</span>
            </div>
          </div>
        )}
      </section>

      <div class="memory-columns">
        <section class="panel" aria-labelledby="talk-heading">
          <h2 id="talk-heading">Talk time</h2>
          {t.talk.length === 0 ? (
            <p class="muted">No speech was recorded.</p>
          ) : (
            <ul class="talk-chart">
              {t.talk.map((x) => (
                <li key={x.participantId}>
                  <span class="talk-name">{names.get(x.participantId) ?? "Someone"}</span>
                  <span class="talk-bar" aria-hidden="true">
                    <span style={{ width: `${totalTalk ? (x.ms / totalTalk) * 100 : 0}%`, background: color(x.participantId) }} />
                  </span>
                  <span class="talk-figures" data-talk-ms={x.ms}>
                    {formatOffset(Math.round(x.ms / 1000) * 1000)} · {Math.round(x.share * 100)}% · {x.turns} {x.turns === 1 ? "turn" : "turns"}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>

        <section class="panel" aria-labelledby="people-heading">
          <h2 id="people-heading">Who took part</h2>
          {t.participants.length === 0 ? (
            <p class="muted">Nobody's attendance was recorded.</p>
          ) : (
            <ul class="attendance">
              {t.participants.map((p) => (
                <li key={p.id}>
                  <span class="swatch" style={{ background: color(p.id) }} aria-hidden="true" />
                  <span class="attendee">{p.name}</span>
                  {!p.userId && <span class="badge">guest</span>}
                  <span class="muted">
                    <time dateTime={p.joinedAt} title={clock.format(new Date(p.joinedAt))}>
                      {start !== null ? formatOffset(Date.parse(p.joinedAt) - start) : clock.format(new Date(p.joinedAt))}
                    </time>{" "}
                    –{" "}
                    {p.leftAt ? (
                      <time dateTime={p.leftAt} title={clock.format(new Date(p.leftAt))}>
                        {start !== null ? formatOffset(Date.parse(p.leftAt) - start) : clock.format(new Date(p.leftAt))}
                      </time>
                    ) : (
                      "the end"
                    )}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>

      {t.actionItems.length > 0 && (
        <section class="panel" aria-labelledby="items-heading">
          <h2 id="items-heading">Action items</h2>
          <ul class="memory-items">
            {t.actionItems.map((i) => (
              <li key={i.id} class={i.done ? "done" : ""}>
                <span aria-hidden="true">{i.done ? "☑" : "☐"}</span> <span class="visually-hidden">{i.done ? "Done: " : "Open: "}</span>
                {i.text}
              </li>
            ))}
          </ul>
        </section>
      )}

      <section class="panel" aria-labelledby="notes-heading">
        <h2 id="notes-heading">Notes</h2>
        {t.lines.every((l) => !l.text.trim()) ? (
          <p class="muted">No notes were written.</p>
        ) : (
          <ol class="notes-lines">
            {t.lines.map((l, i) => (
              <li key={i} class={l.text.trim() ? "" : "blank"}>
                <span class="gutter">
                  {l.atMs === null || !l.text.trim() ? null : onRecording(l.atMs) ? (
                    <button type="button" class="line-time" data-at-ms={l.atMs} aria-label={`Play the recording at ${formatOffset(l.atMs - recording!.offsetMs)}`} onClick={() => seek(l.atMs!)}>
                      {formatOffset(l.atMs - recording!.offsetMs)}
                    </button>
                  ) : start !== null ? (
                    <time class="line-clock" data-at-ms={l.atMs} dateTime={new Date(start + l.atMs).toISOString()}>
                      {clock.format(new Date(start + l.atMs))}
                    </time>
                  ) : null}
                </span>
                <span class="line-text">{l.text}</span>
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}

const part: MeetingMemoryPart = {
  mount(el, options) {
    el.textContent = "";
    render(<MemoryView code={options.code} onTitle={options.onTitle} />, el);
    return () => render(null, el);
  },
};
const registry = ((globalThis as { __dictateLazy?: Record<string, unknown> }).__dictateLazy ??= {});
registry["meeting-memory"] = part;
