/**
 * One team (`/teams/:id`), for its members: the code to pass on, who is in it, the meetings coming
 * up, the open action items of its meetings, starting a team meeting now, and leaving (the last member out deletes the team).
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { ConfirmDialog } from "../components/confirm.tsx";
import { Layout } from "../components/layout.tsx";
import { ApiError, type Meeting } from "../lib/api.ts";
import { getTeam, leaveTeam, startTeamMeeting, type TeamDetail } from "../lib/account-api.ts";
import { navigate, onLinkClick } from "../lib/router.ts";
import { requireUser } from "../lib/session.ts";
import { CopyButton } from "../components/copy-button.tsx";
import { TeamActionItems } from "./team-action-items.tsx";
import "../styles/account.css";

type Loaded = { team: TeamDetail } | { notFound: true } | { error: string };

const dateTime = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "numeric", minute: "2-digit" });
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const dayOnly = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

/** "Sat, 28 Nov 2026, 10:00 – 11:00" in the visitor's language and time zone. */
function when(m: Meeting): { text: string; iso: string | null; live: boolean } {
  const live = !!m.startedAt && !m.endedAt;
  if (m.startsAt) {
    const start = new Date(m.startsAt);
    const end = m.endsAt ? new Date(m.endsAt) : null;
    const sameDay = end && start.toDateString() === end.toDateString();
    const text = end ? `${dateTime.format(start)} – ${sameDay ? timeOnly.format(end) : dateTime.format(end)}` : dateTime.format(start);
    return { text, iso: m.startsAt, live };
  }
  if (m.startedAt) return { text: `Started ${dateTime.format(new Date(m.startedAt))}`, iso: m.startedAt, live };
  return { text: "Not started yet", iso: null, live };
}

const joined = (iso: string) => `joined ${dayOnly.format(new Date(iso))}`;

export function TeamPage({ id }: { id: string }) {
  const user = requireUser();
  const loaded = useSignal<Loaded | null>(null);
  const starting = useSignal(false);
  const startError = useSignal<string | null>(null);
  const confirming = useSignal(false);
  const leaving = useSignal(false);
  const leaveError = useSignal<string | null>(null);

  const userId = user?.id;
  useEffect(() => {
    if (!userId) return;
    let cancelled = false;
    getTeam(id).then(
      (team) => !cancelled && (loaded.value = { team }),
      (err) => {
        if (cancelled) return;
        loaded.value = err instanceof ApiError && err.status === 404 ? { notFound: true } : { error: (err as Error).message };
      },
    );
    return () => {
      cancelled = true;
    };
  }, [id, userId]);

  const state = loaded.value;
  const title = state && "team" in state ? state.team.name : state && "notFound" in state ? "Team not found" : "Team";

  if (!user || !state) {
    return (
      <Layout title={title}>
        <p role="status">Loading the team…</p>
      </Layout>
    );
  }
  if ("notFound" in state) {
    return (
      <Layout title={title}>
        <div class="narrow account-page">
          <h1>Team not found</h1>
          <p role="alert">This team does not exist, or you are not a member of it. To join a team, ask one of its members for its code.</p>
          <p>
            <a href="/teams" onClick={onLinkClick}>
              Back to your teams
            </a>
          </p>
        </div>
      </Layout>
    );
  }
  if ("error" in state) {
    return (
      <Layout title={title}>
        <div class="narrow account-page">
          <h1>Team</h1>
          <p role="alert" class="form-error">
            Could not load the team: {state.error}
          </p>
        </div>
      </Layout>
    );
  }

  const team = state.team;
  const lastMember = team.members.length <= 1;

  async function start() {
    starting.value = true;
    startError.value = null;
    try {
      const meeting = await startTeamMeeting(team.id);
      navigate(`/m/${meeting.code}`);
    } catch (err) {
      startError.value = (err as Error).message;
      starting.value = false;
    }
  }

  async function leave() {
    leaving.value = true;
    leaveError.value = null;
    try {
      await leaveTeam(team.id);
      confirming.value = false;
      navigate("/teams");
    } catch (err) {
      leaveError.value = (err as Error).message;
      leaving.value = false;
    }
  }

  return (
    <Layout title={title}>
      <div class="account-page team-page">
        <p class="breadcrumb">
          <a href="/teams" onClick={onLinkClick}>
            Teams
          </a>
        </p>
        <h1>{team.name}</h1>
        <div class="team-head">
          <p class="code-line">
            <span>Team code</span> <code class="team-code">{team.code}</code>
            <CopyButton text={team.code} label="Copy the team code" />
          </p>
          <div class="team-start">
            <button type="button" class="primary" onClick={start} disabled={starting.value}>
              {starting.value ? "Starting…" : "Start a team meeting now"}
            </button>
            <span role="status" class="visually-hidden">
              {starting.value ? "Starting the meeting" : ""}
            </span>
          </div>
        </div>
        {startError.value && (
          <p role="alert" class="form-error">
            Could not start the meeting: {startError.value}
          </p>
        )}
        <p class="muted">Only members of {team.name} can join its meetings. Share the code with people you want to add.</p>

        <div class="team-columns">
          <section class="panel" aria-labelledby="members-heading">
            <h2 id="members-heading">Members ({team.members.length})</h2>
            <ul class="member-list">
              {team.members.map((m) => (
                <li key={m.id}>
                  <span class="member-name">
                    <span>{m.displayName}</span>
                    {m.displayName !== m.username && <span class="muted member-handle">@{m.username}</span>}
                    {m.id === user.id && (
                      <span class="badge">
                        <span class="visually-hidden">, </span>you
                      </span>
                    )}
                  </span>
                  <span class="muted">{joined(m.joinedAt)}</span>
                </li>
              ))}
            </ul>
          </section>

          <section class="panel" aria-labelledby="upcoming-heading">
            <h2 id="upcoming-heading">Upcoming meetings</h2>
            {team.upcomingMeetings.length === 0 ? (
              <p class="muted">
                Nothing planned.{" "}
                <a href="/calendar" onClick={onLinkClick}>
                  Schedule a meeting in the calendar
                </a>
                .
              </p>
            ) : (
              <ul class="meeting-list">
                {team.upcomingMeetings.map((m) => {
                  const w = when(m);
                  return (
                    <li key={m.id}>
                      <a href={`/m/${m.code}`} onClick={onLinkClick}>
                        {m.title || "Untitled meeting"}
                      </a>
                      {w.live && <span class="badge live">Live now</span>}
                      <span class="muted">{w.iso ? <time dateTime={w.iso}>{w.text}</time> : w.text}</span>
                    </li>
                  );
                })}
              </ul>
            )}
          </section>
        </div>

        <TeamActionItems teamId={team.id} />

        <section class="panel leave-panel" aria-labelledby="leave-heading">
          <h2 id="leave-heading">Leave the team</h2>
          <p class="muted">
            {lastMember
              ? "You are its only member: leaving deletes the team."
              : "You will no longer see its meetings, notes and recordings. You can come back with its code."}
          </p>
          <button type="button" class="danger" onClick={() => (confirming.value = true)}>
            Leave team
          </button>
        </section>

        <ConfirmDialog
          open={confirming.value}
          title={`Leave ${team.name}?`}
          confirmLabel={leaving.value ? "Leaving…" : "Leave team"}
          busy={leaving.value}
          onConfirm={() => void leave()}
          onCancel={() => {
            confirming.value = false;
            leaveError.value = null;
          }}
        >
          <p>You will no longer see the team's meetings, notes and recordings, and you need its code to come back.</p>
          <p>
            {lastMember ? (
              <strong>You are the last member: the team is deleted, with its meetings, notes and recordings.</strong>
            ) : (
              "The other members stay in it. A team with no members left is deleted."
            )}
          </p>
          {leaveError.value && (
            <p role="alert" class="form-error">
              {leaveError.value}
            </p>
          )}
        </ConfirmDialog>
      </div>
    </Layout>
  );
}
