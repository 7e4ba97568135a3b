/**
 * The meeting page (`/m/:code`): a name prompt for guests, then the room — a grid of video tiles
 * with names, muted-mic indicators and the speaker highlighted, and the controls.
 */
import { useSignal } from "@preact/signals";
import { useEffect, useMemo } from "preact/hooks";
import { CameraIcon, CameraOffIcon, LeaveIcon, MicIcon, MicOffIcon, ScreenIcon } from "../components/icons.tsx";
import { VideoTile } from "../components/video-tile.tsx";
import { ApiError, getMe, getMeeting, type Meeting, type User } from "../lib/api.ts";
import { onLinkClick } from "../lib/router.ts";
import { loadDisplayName, saveDisplayName } from "../lib/prefs.ts";
import { createRoomState, type ClosedReason, type RoomState } from "../meeting/room-state.ts";

type Loaded = { meeting: Meeting; user: User | null } | { error: string; signIn?: boolean };

export function MeetingPage({ code }: { code: string }) {
  const loaded = useSignal<Loaded | null>(null);
  /** Set once the person chose to join: the name to join with (undefined: their username). */
  const joining = useSignal<{ name?: string; attempt: number } | null>(null);

  useEffect(() => {
    let cancelled = false;
    Promise.all([getMeeting(code), getMe()]).then(
      ([meeting, user]) => {
        if (cancelled) return;
        loaded.value = { meeting, user };
        if (user) joining.value = { attempt: 0 };
      },
      (err) => {
        if (cancelled) return;
        const status = err instanceof ApiError ? err.status : 0;
        loaded.value =
          status === 404
            ? { error: "This meeting does not exist. Check the link or the code." }
            : status === 401 || status === 403
              ? { error: "This is a team meeting: sign in as a member of the team to join.", signIn: status === 401 }
              : { error: (err as Error).message };
      },
    );
    return () => {
      cancelled = true;
    };
  }, [code]);

  const state = loaded.value;
  if (!state) {
    return (
      <main class="page narrow" aria-busy="true">
        <p>Loading the meeting…</p>
      </main>
    );
  }
  if ("error" in state) {
    return (
      <main class="page narrow">
        <h1>Cannot join</h1>
        <p role="alert">{state.error}</p>
        <p>
          {state.signIn && (
            <>
              <a href="/login" onClick={onLinkClick}>
                Sign in
              </a>{" "}
              ·{" "}
            </>
          )}
          <a href="/" onClick={onLinkClick}>
            Start page
          </a>
        </p>
      </main>
    );
  }
  const join = joining.value;
  if (!join) {
    return (
      <NamePrompt
        title={state.meeting.title}
        onJoin={(name) => {
          saveDisplayName(name);
          joining.value = { name, attempt: 0 };
        }}
      />
    );
  }
  return (
    <Room
      key={join.attempt}
      code={code}
      name={join.name}
      title={state.meeting.title}
      onRejoin={() => (joining.value = { ...join, attempt: join.attempt + 1 })}
    />
  );
}

function NamePrompt({ title, onJoin }: { title: string; onJoin(name: string): void }) {
  const name = useSignal(loadDisplayName());
  const problem = useSignal<string | null>(null);
  return (
    <main class="page narrow">
      <h1>{title || "Meeting"}</h1>
      <form
        class="panel"
        onSubmit={(e) => {
          e.preventDefault();
          const trimmed = name.value.trim();
          if (!trimmed) {
            problem.value = "Enter the name the others will see";
            return;
          }
          onJoin(trimmed.slice(0, 60));
        }}
      >
        <label for="display-name">Your name</label>
        <div class="row">
          <input
            id="display-name"
            name="name"
            autocomplete="name"
            maxLength={60}
            required
            value={name.value}
            aria-invalid={problem.value ? "true" : undefined}
            aria-describedby={problem.value ? "name-problem" : undefined}
            onInput={(e) => (name.value = e.currentTarget.value)}
          />
          <button type="submit" class="primary">
            Join meeting
          </button>
        </div>
        {problem.value && (
          <p id="name-problem" class="error">
            {problem.value}
          </p>
        )}
      </form>
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
};

function Room({ code, name, title, onRejoin }: { code: string; name?: string; title: string; onRejoin(): void }) {
  const room = useMemo(() => createRoomState({ code, name }), [code, name]);
  useEffect(() => () => room.dispose(), [room]);

  if (room.status.value === "closed") {
    const reason = room.closedReason.value ?? "refused";
    return (
      <main class="page narrow">
        <h1>{reason === "left" ? "You left" : "Disconnected"}</h1>
        <p role="status">{CLOSED_MESSAGES[reason]}</p>
        {reason !== "left" && room.error.value && <p class="error">{room.error.value}</p>}
        <div class="row">
          <button type="button" class="primary" onClick={onRejoin}>
            Rejoin
          </button>
          <a class="button" href="/" onClick={onLinkClick}>
            Start page
          </a>
        </div>
      </main>
    );
  }

  return (
    <main class="meeting">
      <header class="meeting-header">
        <h1>{room.meeting.value?.title || title || "Meeting"}</h1>
        <span class="code" aria-label="Meeting code">
          {code}
        </span>
      </header>
      <Banners room={room} />
      {room.status.value === "connecting" ? (
        <p class="joining" aria-busy="true">
          Joining…
        </p>
      ) : (
        <section class="grid" aria-label="Participants' video">
          {room.tiles.value.map((tile) => (
            <VideoTile key={tile.key} tile={tile} />
          ))}
        </section>
      )}
      <Controls room={room} />
    </main>
  );
}

function Banners({ room }: { room: RoomState }) {
  return (
    <div class="banners">
      {room.status.value === "reconnecting" && (
        <div class="banner warn" role="status">
          Reconnecting…
        </div>
      )}
      {room.mediaAvailable.value === false && (
        <div class="banner warn" role="status">
          Media unavailable: video and sound are down on the server for now. They come back on their own.
        </div>
      )}
      {room.error.value && (
        <div class="banner error" role="alert">
          <span>{room.error.value}</span>
          <button type="button" class="ghost" aria-label="Dismiss message" onClick={() => room.dismissError()}>
            ×
          </button>
        </div>
      )}
    </div>
  );
}

function Controls({ room }: { room: RoomState }) {
  const micOff = room.audioMuted.value;
  const camOff = room.videoMuted.value;
  const sharing = room.sharingScreen.value;
  const canShare = typeof navigator !== "undefined" && !!navigator.mediaDevices?.getDisplayMedia;
  return (
    <div class="controls" role="group" aria-label="Meeting controls">
      <button type="button" class={micOff ? "off" : undefined} aria-label={micOff ? "Unmute microphone" : "Mute microphone"} onClick={() => room.toggleMic()}>
        {micOff ? <MicOffIcon /> : <MicIcon />}
        <span>{micOff ? "Unmute" : "Mute"}</span>
      </button>
      <button type="button" class={camOff ? "off" : undefined} aria-label={camOff ? "Turn camera on" : "Turn camera off"} onClick={() => room.toggleCamera()}>
        {camOff ? <CameraOffIcon /> : <CameraIcon />}
        <span>{camOff ? "Camera on" : "Camera off"}</span>
      </button>
      {canShare && (
        <button
          type="button"
          class={sharing ? "on" : undefined}
          aria-label={sharing ? "Stop sharing screen" : "Share screen"}
          onClick={() => (sharing ? room.stopScreen() : void room.shareScreen())}
        >
          <ScreenIcon />
          <span>{sharing ? "Stop sharing" : "Share screen"}</span>
        </button>
      )}
      <button type="button" class="danger" aria-label="Leave meeting" onClick={() => room.leave()}>
        <LeaveIcon />
        <span>Leave</span>
      </button>
    </div>
  );
}
