/**
 * The meeting page (`/m/:code`). The pre-join screen shows at once while the meeting and who is
 * signed in load beside it; a missing or team-only meeting replaces it with a clear message. Then
 * the room, and after leaving or a refusal, a page that says why with a way back in.
 */
import { useSignal } from "@preact/signals";
import { useEffect, useMemo } from "preact/hooks";
import { ThemeToggle, useTitle } from "../components/layout.tsx";
import { ApiError, getMeeting, whyNoMeeting, type Meeting } from "../lib/api.ts";
import { loadSimulcastOn } from "../lib/prefs.ts";
import { onLinkClick } from "../lib/router.ts";
import { currentUser, loadCurrentUser } from "../lib/session.ts";
import { PreJoin, type JoinChoice } from "../meeting/prejoin.tsx";
import { createRoomState, type ClosedReason } from "../meeting/room-state.ts";
import { RoomView } from "../meeting/room-view.tsx";
import { LobbyWaiting } from "../meeting/lobby-waiting.tsx";
import "../styles/meeting.css";

/** Why the meeting cannot be joined; `teams` adds how to join a team (a link to the Teams page). */
type Problem = { title: string; message: string; signIn?: boolean; teams?: string };

export function MeetingPage({ code }: { code: string }) {
  const meeting = useSignal<Meeting | null>(null);
  const problem = useSignal<Problem | null>(null);
  const joining = useSignal<(JoinChoice & { attempt: number }) | null>(null);
  const user = currentUser.value;

  useEffect(() => {
    let cancelled = false;
    void loadCurrentUser();
    getMeeting(code).then(
      (m) => {
        if (cancelled) return;
        meeting.value = m;
        // The server forgives how a code was typed; the address bar shows it as it is shared.
        if (m.code !== code) history.replaceState(null, "", `/m/${m.code}${location.search}`);
      },
      (err) => {
        if (cancelled) return;
        const status = err instanceof ApiError ? err.status : 0;
        const missing = whyNoMeeting(err);
        problem.value =
          missing === "cancelled"
            ? { title: "Meeting cancelled", message: "This meeting was cancelled. Ask whoever sent you the link whether it has a new time." }
            : missing === "team-only"
              ? {
                  title: "Team meeting",
                  message: "This meeting is only for the members of its team, and you are not a member.",
                  teams: "If a member gives you the team's code, join the team on the",
                }
              : missing === "team-code"
                ? { title: "That is a team code", message: `${code} is the code of a team, not of a meeting.`, teams: "To become a member, join the team on the" }
                : status === 404
            ? { title: "Meeting not found", message: `There is no meeting with the code ${code}. Check the link or the code with whoever sent it.` }
            : status === 401
              ? { title: "Team meeting", message: "This meeting is for the members of a team. Sign in to join it.", signIn: true }
              : status === 403
                ? { title: "Team meeting", message: "This meeting is only for the members of its team, and you are not one of them." }
                : { title: "Cannot join", message: (err as Error).message };
      },
    );
    return () => {
      cancelled = true;
    };
  }, [code]);

  useTitle(problem.value?.title ?? meeting.value?.title ?? "Meeting");
  if (problem.value) return <Problem problem={problem.value} code={code} />;
  const join = joining.value;
  if (!join) {
    return (
      <main id="main" class="page">
        <div class="prejoin-header">
          <a href="/" class="brand" onClick={onLinkClick}>
            Dictate
          </a>
          <ThemeToggle />
        </div>
        <PreJoin
          title={meeting.value ? meeting.value.title || (meeting.value.knock ? "Team meeting" : "Meeting") : null}
          recording={meeting.value?.recording ?? false}
          waiting={waitingNote(meeting.value, user)}
          username={user?.displayName}
          busy={user === undefined}
          onJoin={(choice) => (joining.value = { ...choice, attempt: 0 })}
        />
      </main>
    );
  }
  return (
    <Room
      key={join.attempt}
      code={meeting.value?.code ?? code}
      choice={join}
      title={meeting.value?.title ?? ""}
      signedIn={!!user}
      displayName={user?.displayName}
      onRejoin={() => (joining.value = { ...join, stream: null, effects: undefined, attempt: join.attempt + 1 })}
    />
  );
}

function Problem({ problem, code }: { problem: Problem; code: string }) {
  return (
    <main id="main" class="page narrow">
      <h1>{problem.title}</h1>
      <p role="alert">{problem.message}</p>
      {problem.teams && (
        <p>
          {problem.teams}{" "}
          <a href="/teams" onClick={onLinkClick}>
            Teams page
          </a>
          , then open this link again.
        </p>
      )}
      <p class="row">
        {problem.signIn && (
          <a class="button primary" href={`/login?next=${encodeURIComponent(`/m/${code}`)}`} onClick={onLinkClick}>
            Sign in
          </a>
        )}
        <a class="button" href="/" onClick={onLinkClick}>
          Start page
        </a>
      </p>
    </main>
  );
}

const CLOSED_MESSAGES: Record<ClosedReason, string> = {
  left: "You left the meeting.",
  "not-found": "This meeting does not exist any more.",
  forbidden: "Only members of this meeting's team can join it.",
  "sign-in": "Sign in to join this meeting.",
  replaced: "You joined this meeting from another tab or device, so this one was disconnected.",
  refused: "The meeting could not be joined.",
  denied: "A host did not let you in to this meeting.",
  removed: "A host removed you from this meeting. To come back, a host has to let you in again.",
  locked: "This meeting is locked: nobody new can join it right now.",
  ended: "A host ended this meeting for everyone.",
};

const CLOSED_TITLES: Partial<Record<ClosedReason, string>> = {
  left: "You left the meeting",
  denied: "Not let in",
  removed: "Removed from the meeting",
  locked: "Meeting locked",
  ended: "The meeting has ended",
};

function Room({
  code,
  choice,
  title,
  signedIn,
  displayName,
  onRejoin,
}: {
  code: string;
  choice: JoinChoice;
  title: string;
  signedIn: boolean;
  displayName?: string;
  onRejoin(): void;
}) {
  const room = useMemo(
    // A signed-in person joins under their display name (the room would otherwise name them by their username).
    () => createRoomState({ code, name: choice.name ?? displayName, stream: choice.stream, effects: choice.effects, audioMuted: choice.audioMuted, videoMuted: choice.videoMuted, simulcast: loadSimulcastOn() }),
    // The code may turn canonical once the meeting loads; the room already joined stays.
    [choice],
  );
  useEffect(() => () => room.dispose(), [room]);

  if (room.status.value === "closed") {
    const reason = room.closedReason.value ?? "refused";
    return (
      <main id="main" class="page narrow">
        <h1>{CLOSED_TITLES[reason] ?? "Disconnected"}</h1>
        <p role="status">{CLOSED_MESSAGES[reason]}</p>
        {reason !== "left" && reason !== "ended" && room.error.value && <p class="error">{room.error.value}</p>}
        <div class="row">
          <button type="button" class="primary" onClick={onRejoin}>
            {reason === "removed" || reason === "denied" ? "Ask to join again" : "Rejoin"}
          </button>
          {reason === "sign-in" && (
            <a class="button" href={`/login?next=${encodeURIComponent(`/m/${code}`)}`} onClick={onLinkClick}>
              Sign in
            </a>
          )}
          <a class="button" href="/" onClick={onLinkClick}>
            Start page
          </a>
          {signedIn && (
            <a class="button" href="/resources" onClick={onLinkClick}>
              Notes and recordings
            </a>
          )}
        </div>
      </main>
    );
  }
  if (room.status.value === "waiting") return <LobbyWaiting room={room} title={title} stream={choice.stream} onLeave={() => room.leave()} />;
  return (
    <main id="main" class="meeting-main">
      <RoomView room={room} code={code} title={title} signedIn={signedIn} />
    </main>
  );
}

/**
 * What the pre-join screen says when joining means waiting for a host: a team meeting's outsider
 * (the server showed them only that they may knock), or a guest of a meeting whose lobby is on.
 */
function waitingNote(meeting: Meeting | null, user: { id: string } | null | undefined): string | null {
  if (!meeting) return null;
  if (meeting.knock) return "This meeting is for the members of a team you are not in. You can ask to join: you will wait until someone in the meeting lets you in.";
  if (meeting.lobby && !user) return "Guests wait to be let in: once you join, a host of the meeting admits you.";
  return null;
}
