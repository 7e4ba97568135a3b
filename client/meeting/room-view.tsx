/**
 * The meeting room: header (title, code, recording indicator, Invite, speaker view, full screen),
 * the video area (a grid of 1–8 cameras, or a stage and a strip: stage.tsx), the prompts over it
 * (alone: invite someone; muted: "You are muted"), a side panel (people and info, chat, notes), banners and the controls
 * bar. Every control is a button named for what it does now; most have a one-key shortcut that fires
 * only while focus is on no control (see shortcuts.ts) and can be turned off. Esc closes the open
 * panel. Recording asks for confirmation and has no shortcut.
 */
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { ConfirmDialog } from "../components/confirm.tsx";
import { CameraIcon, CameraOffIcon, ChatIcon, HandIcon, LeaveIcon, MicIcon, MicOffIcon, NotesIcon, PeopleIcon, RecordIcon, ScreenIcon, SparkleIcon } from "../components/icons.tsx";
import { ThemeToggle } from "../components/layout.tsx";
import { useMediaQuery } from "../lib/media-query.ts";
import { loadShortcutsOn } from "../lib/prefs.ts";
import { playTone } from "../lib/tone.ts";
import { navigate } from "../lib/router.ts";
import { AudioOnlyButton, AudioOnlyNotice, audioOnlyItem } from "./audio-only.tsx";
import { AlonePrompt, InviteButton } from "./invite.tsx";
import { ReactionMenu } from "./host-controls.tsx";
import type { LayoutView } from "./layout.ts";
import { MeetingTitle } from "./meeting-title.tsx";
import { MoreMenu, type MenuItem } from "./more-menu.tsx";
import { MutedNotice } from "./muted-notice.tsx";
import { ChatPanel, NotesPanel, PeoplePanel, type PanelName } from "./panels.tsx";
import type { RoomState } from "./room-state.ts";
import { SHORTCUT_KEYS, shortcutAllowedOn } from "./shortcuts.ts";
import { loadView, saveView, VideoArea, ViewControls } from "./stage.tsx";

/** Phones have no getDisplayMedia: no Share button there. */
const canShareScreen = () => typeof navigator !== "undefined" && !!navigator.mediaDevices?.getDisplayMedia;

/** Where the toolbar keeps its less used controls in a "More" menu (as meeting.css hides the labels). */
const PHONE = "(max-width: 48rem)";

export function RoomView({ room, code, title, signedIn }: { room: RoomState; code: string; title: string; signedIn: boolean }) {
  const panel = useSignal<PanelName | null>(null);
  const notesOpened = useSignal(false);
  const seenChat = useSignal(0);
  const confirmLeave = useSignal(false);
  const confirmRecord = useSignal(false);
  const shortcutsOn = useSignal(loadShortcutsOn());
  const view = useSignal<LayoutView>(loadView());
  const pinned = useSignal<string | null>(null);
  const phone = useMediaQuery(PHONE);

  const toggle = (name: PanelName) => {
    panel.value = panel.value === name ? null : name;
    if (name === "notes") notesOpened.value = true;
  };
  // Closing a panel with its own close button puts focus back on the toolbar button that opens it.
  const closePanel = () => {
    const open = panel.value;
    panel.value = null;
    // At phone width the button may be an item of the closed More menu: then the More button.
    if (open) (document.querySelector<HTMLElement>(`.controls [aria-controls="${open}-panel"]`) ?? document.querySelector<HTMLElement>(".controls [aria-haspopup=menu]"))?.focus();
  };
  // What is shown in an open chat counts as read.
  useEffect(() => {
    if (panel.value === "chat") seenChat.value = room.chat.value.length;
  }, [panel.value, room.chat.value.length]);
  const unread = panel.value === "chat" ? 0 : room.chat.value.length - seenChat.value;

  const actions = useRef<Record<string, () => void>>({});
  actions.current = {
    [SHORTCUT_KEYS.mic]: () => room.toggleMic(),
    [SHORTCUT_KEYS.camera]: () => room.toggleCamera(),
    [SHORTCUT_KEYS.screen]: () => canShareScreen() && (room.sharingScreen.value ? room.stopScreen() : void room.shareScreen()),
    [SHORTCUT_KEYS.hand]: () => room.toggleHand(),
    [SHORTCUT_KEYS.chat]: () => toggle("chat"),
    [SHORTCUT_KEYS.notes]: () => toggle("notes"),
    [SHORTCUT_KEYS.people]: () => toggle("people"),
  };
  const escape = useRef(() => {});
  escape.current = () => closePanel();
  // One listener for the room's life; it calls the actions of the latest render.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
      const t = e.target as Element | null;
      if (e.key === "Escape") {
        // A modal dialog closes itself on Esc; otherwise Esc closes the side panel, from anywhere.
        if (!t?.closest?.("dialog[open]")) escape.current();
        return;
      }
      if (e.repeat || !shortcutsOn.value || !shortcutAllowedOn(t)) return;
      const action = actions.current[e.key.toLowerCase()];
      if (!action) return;
      e.preventDefault();
      action();
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);

  const startOrStopRecording = () => {
    // Starting asks everyone's consent through the one who starts it; a guest is told to sign in instead.
    // (A guest is told at once, not after the server refuses: before the room's welcome the request
    // would fail for another reason and say nothing useful.)
    const starting = room.recording.value?.status !== "recording";
    if (starting && signedIn) confirmRecord.value = true;
    else if (starting) room.askSignIn();
    else void room.toggleRecording();
  };

  // Everyone hears recording start and stop (a short tone), not only sees it; joining a meeting that
  // is already recording plays nothing (the pre-join screen said so).
  const heardRecording = useRef<boolean | null>(null);
  const recordingNow = room.recording.value?.status === "recording";
  useEffect(() => {
    if (room.status.value !== "live") return;
    if (heardRecording.current !== null && heardRecording.current !== recordingNow) playTone(recordingNow ? "recording-started" : "recording-stopped");
    heardRecording.current = recordingNow;
  }, [recordingNow, room.status.value]);
  // Hosts hear a knock in the lobby (the notice shows it too).
  const heardKnocks = useRef(room.knocks.value);
  useEffect(() => {
    if (room.knocks.value > heardKnocks.current && room.isHost.value) playTone("knock");
    heardKnocks.current = room.knocks.value;
  }, [room.knocks.value]);
  const recorderId = room.recording.value?.startedBy;
  const recorderName = recorderId ? (room.participants.value.find((p) => p.id === recorderId)?.name ?? null) : null;

  const alone = room.status.value === "live" && room.participants.value.length === 1;
  const rec = room.recording.value;
  const me = room.self.value;

  return (
    <div class={`meeting${panel.value ? " with-panel" : ""}`}>
      <header class="meeting-header">
        <MeetingTitle room={room} fallback={title} />
        <span class="code" aria-label={`Meeting code ${code}`}>
          {code}
        </span>
        {rec?.status === "recording" && (
          <span class="rec-indicator" role="status">
            <span class="rec-dot" aria-hidden="true" /> Recording
            <span class="rec-by">{recorderName ? ` · started by ${recorderName}` : ""}</span>
          </span>
        )}
        <span class="header-spacer" />
        {!phone && <AudioOnlyButton room={room} />}
        <InviteButton code={code} />
        <ViewControls
          view={view.value}
          onView={(v) => {
            view.value = v;
            saveView(v);
          }}
        />
        <ThemeToggle />
      </header>
      <Banners room={room} signedIn={signedIn} />
      <div class="stage">
        {/* The prompts float over the video, never over the side panel beside it. */}
        <div class="video-wrap">
          {room.status.value === "connecting" ? (
            <p class="joining" aria-busy="true">
              Joining…
            </p>
          ) : (
            <VideoArea room={room} view={view.value} pinned={pinned} />
          )}
          {alone && <AlonePrompt code={code} />}
          <MutedNotice room={room} shortcut={shortcutsOn.value ? SHORTCUT_KEYS.mic : undefined} />
        </div>
        {panel.value === "people" && <PeoplePanel room={room} code={code} onClose={closePanel} shortcuts={shortcutsOn} />}
        {panel.value === "chat" && <ChatPanel room={room} onClose={closePanel} />}
        {notesOpened.value && me && <NotesPanel code={code} name={me.name} seat={room.seatToken} hidden={panel.value !== "notes"} onClose={closePanel} />}
      </div>
      <Controls
        room={room}
        panel={panel.value}
        unread={unread}
        shortcuts={shortcutsOn.value}
        mayRecord={signedIn}
        onRecord={startOrStopRecording}
        onPanel={toggle}
        onLeave={() => (confirmLeave.value = true)}
      />
      <ConfirmDialog
        open={confirmRecord.value}
        title="Start recording?"
        confirmLabel="Start recording"
        onCancel={() => (confirmRecord.value = false)}
        onConfirm={() => {
          confirmRecord.value = false;
          void room.toggleRecording();
        }}
      >
        <p>Everyone in the meeting is told that it is being recorded, and by whom. The recording keeps every camera, shared screen and voice, and is kept under Resources for the people who took part who have an account, and for the team.</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={confirmLeave.value}
        title="Leave the meeting?"
        confirmLabel="Leave"
        onCancel={() => (confirmLeave.value = false)}
        onConfirm={() => {
          confirmLeave.value = false;
          room.leave();
        }}
      >
        <p>The others stay in the meeting. You can join again with the same link.</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={room.recordingNeedsSignIn.value}
        title="Sign in to record"
        confirmLabel="Sign in"
        danger={false}
        onCancel={() => room.dismissSignIn()}
        onConfirm={() => {
          room.dismissSignIn();
          room.leave();
          navigate(`/login?next=${encodeURIComponent(`/m/${code}`)}`);
        }}
      >
        <p>Recordings are kept for the people who took part, so recording needs an account. Signing in leaves the meeting; you come back to it afterwards.</p>
      </ConfirmDialog>
    </div>
  );
}

function Banners({ room, signedIn }: { room: RoomState; signedIn: boolean }) {
  const rec = room.recording.value;
  return (
    <div class="banners">
      <div class="notices" role="status">
        {room.notices.value.map((n) => (
          <p key={n.id} class="notice">
            <HandIcon /> {n.text}
          </p>
        ))}
      </div>
      {room.status.value === "reconnecting" && (
        <div class="banner warn" role="status">
          Reconnecting… your seat is kept.
        </div>
      )}
      {room.mediaAvailable.value === false && (
        <div class="banner warn" role="status">
          Media unavailable: video and sound are down on the server for now. Chat and notes still work; media comes back on its own.
        </div>
      )}
      {rec && rec.status === "processing" && (
        <div class="banner" role="status">
          <span>
            The recording is being processed{rec.progress != null ? ` (${Math.round(rec.progress * 100)}%)` : ""}.{" "}
            {signedIn ? "It will appear under Resources." : "It is kept for the participants who have an account; ask them for it."}
          </span>
          {rec.progress != null && <progress max={1} value={rec.progress} aria-label="Recording processing" />}
        </div>
      )}
      {rec && rec.status === "ready" && (
        <div class="banner" role="status">
          <span>The recording is ready.</span>
          {signedIn && (
            <a href="/resources" target="_blank" rel="noopener">
              Open Resources
            </a>
          )}
        </div>
      )}
      {rec && rec.status === "failed" && (
        <div class="banner error" role="alert">
          The recording could not be processed.
        </div>
      )}
      <AudioOnlyNotice room={room} />
      {room.unmuteRequest.value && (
        <div class="banner" role="alert">
          <span>{room.unmuteRequest.value} asks you to unmute your microphone.</span>
          <span class="row">
            <button
              type="button"
              class="primary"
              onClick={() => {
                if (room.audioMuted.value) room.toggleMic();
                room.dismissUnmuteRequest();
              }}
            >
              Unmute
            </button>
            <button type="button" onClick={() => room.dismissUnmuteRequest()}>
              Not now
            </button>
          </span>
        </div>
      )}
      {(room.blur.value === "loading" || room.noise.value === "loading") && (
        <div class="banner" role="status">
          {room.blur.value === "loading" && room.noise.value === "loading" ? "Starting background blur and noise suppression…" : room.blur.value === "loading" ? "Starting background blur…" : "Starting noise suppression…"}
        </div>
      )}
      {room.error.value && (
        <div class="banner error" role="alert">
          <span>{room.error.value}</span>
          <button type="button" class="icon-button" aria-label="Dismiss message" onClick={() => room.dismissError()}>
            ×
          </button>
        </div>
      )}
    </div>
  );
}

function ControlButton({
  label,
  short,
  keyHint,
  on,
  off,
  pressed,
  expanded,
  controls,
  onClick,
  children,
  badge,
  class: extra,
}: {
  label: string;
  short: string;
  keyHint?: string;
  on?: boolean;
  off?: boolean;
  pressed?: boolean;
  expanded?: boolean;
  controls?: string;
  onClick(): void;
  children: preact.ComponentChildren;
  badge?: number;
  class?: string;
}) {
  const cls = [on && "on", off && "off", extra].filter(Boolean).join(" ") || undefined;
  return (
    <button
      type="button"
      class={cls}
      aria-label={badge ? `${label}, ${badge} unread` : label}
      aria-keyshortcuts={keyHint?.toUpperCase()}
      aria-pressed={pressed}
      aria-expanded={expanded}
      aria-controls={controls}
      title={keyHint ? `${label} (${keyHint.toUpperCase()})` : label}
      onClick={onClick}
    >
      {children}
      <span class="control-label">{short}</span>
      {badge ? (
        <span class="count" aria-hidden="true">
          {badge}
        </span>
      ) : null}
    </button>
  );
}

function Controls({
  room,
  panel,
  unread,
  shortcuts,
  mayRecord,
  onRecord,
  onPanel,
  onLeave,
}: {
  room: RoomState;
  panel: PanelName | null;
  unread: number;
  shortcuts: boolean;
  mayRecord: boolean;
  onRecord(): void;
  onPanel(p: PanelName): void;
  onLeave(): void;
}) {
  const key = (k: string) => (shortcuts ? k : undefined);
  const phone = useMediaQuery(PHONE);
  const micOff = room.audioMuted.value;
  const camOff = room.videoMuted.value;
  const sharing = room.sharingScreen.value;
  const hand = room.handRaised.value;
  const recording = room.recording.value?.status === "recording";
  const share = canShareScreen();
  // Only those who may stop a recording see Stop; a guest sees the indicator in the header.
  const showRecord = !recording || mayRecord;
  const toggleShare = () => (sharing ? room.stopScreen() : void room.shareScreen());
  const peopleOpen = panel === "people";
  const blurOn = room.blur.value !== "off";
  const noiseOn = room.noise.value !== "off";
  const effects: MenuItem[] = [
    { label: blurOn ? "Stop blurring background" : "Blur background", icon: <SparkleIcon />, on: blurOn, onSelect: () => room.setEffect("blur", !blurOn) },
    { label: noiseOn ? "Stop suppressing noise" : "Suppress background noise", icon: <MicIcon />, on: noiseOn, onSelect: () => room.setEffect("noise", !noiseOn) },
  ];

  const mic = (
    <ControlButton label={micOff ? "Unmute microphone" : "Mute microphone"} short={micOff ? "Unmute" : "Mute"} keyHint={key(SHORTCUT_KEYS.mic)} off={micOff} onClick={() => room.toggleMic()}>
      {micOff ? <MicOffIcon /> : <MicIcon />}
    </ControlButton>
  );
  const camera = (
    <ControlButton label={camOff ? "Start camera" : "Stop camera"} short={camOff ? "Start camera" : "Stop camera"} keyHint={key(SHORTCUT_KEYS.camera)} off={camOff} onClick={() => room.toggleCamera()}>
      {camOff ? <CameraOffIcon /> : <CameraIcon />}
    </ControlButton>
  );
  const chat = (
    <ControlButton label={panel === "chat" ? "Close chat" : "Open chat"} short="Chat" keyHint={key(SHORTCUT_KEYS.chat)} on={panel === "chat"} expanded={panel === "chat"} controls="chat-panel" badge={unread} onClick={() => onPanel("chat")}>
      <ChatIcon />
    </ControlButton>
  );
  const notes = (
    <ControlButton label={panel === "notes" ? "Close notes" : "Open notes"} short="Notes" keyHint={key(SHORTCUT_KEYS.notes)} on={panel === "notes"} expanded={panel === "notes"} controls="notes-panel" onClick={() => onPanel("notes")}>
      <NotesIcon />
    </ControlButton>
  );
  const leave = (
    <button type="button" class="danger" aria-label="Leave meeting" title="Leave meeting" onClick={onLeave}>
      <LeaveIcon />
      <span class="control-label">Leave</span>
    </button>
  );

  if (phone) {
    // Four buttons and More leave each a 44 px target or larger on a 320 px screen.
    const more: MenuItem[] = [
      ...(share ? [{ label: sharing ? "Stop sharing screen" : "Share screen", icon: <ScreenIcon />, on: sharing, onSelect: toggleShare }] : []),
      { label: hand ? "Lower hand" : "Raise hand", icon: <HandIcon />, on: hand, onSelect: () => room.toggleHand() },
      ...(showRecord ? [{ label: recording ? "Stop recording" : "Start recording", icon: <RecordIcon />, on: recording, onSelect: onRecord }] : []),
      { label: peopleOpen ? "Close people and info" : "People and info", icon: <PeopleIcon />, on: peopleOpen, controls: peopleOpen ? "people-panel" : undefined, onSelect: () => onPanel("people") },
      ...effects,
      audioOnlyItem(room),
    ];
    return (
      <div class="controls" role="toolbar" aria-label="Meeting controls">
        {mic}
        {camera}
        {chat}
        {notes}
        <MoreMenu items={more} />
        {leave}
      </div>
    );
  }

  return (
    <div class="controls" role="toolbar" aria-label="Meeting controls">
      {mic}
      {camera}
      <MoreMenu items={effects} id="effects-menu" label="Effects: background blur and noise suppression" short="Effects" icon={<SparkleIcon />} />
      {share && (
        <ControlButton label={sharing ? "Stop sharing screen" : "Share screen"} short={sharing ? "Stop sharing" : "Share"} keyHint={key(SHORTCUT_KEYS.screen)} on={sharing} onClick={toggleShare}>
          <ScreenIcon />
        </ControlButton>
      )}
      <ControlButton label={hand ? "Lower hand" : "Raise hand"} short={hand ? "Lower hand" : "Raise hand"} keyHint={key(SHORTCUT_KEYS.hand)} on={hand} onClick={() => room.toggleHand()}>
        <HandIcon />
      </ControlButton>
      <ReactionMenu room={room} />
      {showRecord && (
        <ControlButton label={recording ? "Stop recording" : "Start recording"} short={recording ? "Stop recording" : "Start recording"} class={recording ? "recording" : undefined} onClick={onRecord}>
          <RecordIcon />
        </ControlButton>
      )}
      <span class="controls-divider" aria-hidden="true" />
      {chat}
      {notes}
      <ControlButton label={peopleOpen ? "Close people and info" : "Open people and info"} short="People" keyHint={key(SHORTCUT_KEYS.people)} on={peopleOpen} expanded={peopleOpen} controls="people-panel" onClick={() => onPanel("people")}>
        <PeopleIcon />
      </ControlButton>
      {leave}
    </div>
  );
}

