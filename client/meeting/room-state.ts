/**
 * One meeting as the browser sees it: `createRoomState(deps)` connects to the room socket, joins,
 * and returns read-only signals (who is here, what they send, who speaks, how the connection is)
 * and the actions a person takes. Nothing here renders; tests drive it with a fake socket and fake
 * WebRTC. Call `dispose()` (or `leave()`) when done: it closes the socket and every PeerConnection
 * and stops the camera.
 */
import { batch, computed, effect, signal, type ReadonlySignal } from "@preact/signals";
import { createEffects, type EffectName, type Effects } from "./effects.ts";
import { browserClock, createConnection, type Clock, type SocketFactory, type SocketLike } from "./connection.ts";
import { browserRtc, createMedia, type RemoteMedia, type RtcDeps } from "./media.ts";
import { createQualityMonitor } from "./quality.ts";
import { createViewReporter } from "./view-reporter.ts";
import { CLOSE, RoomRequestError, type ChatMessage, type LobbyEntry, type MediaKind, type MeetingSettings, type Participant, type Reaction, type RecordingInfo, type ServerMessage, type Welcome } from "./protocol.ts";

/** `waiting`: knocking in the lobby until a host lets us in. */
export type ConnectionStatus = "connecting" | "waiting" | "live" | "reconnecting" | "closed";

/** The reactions anyone may send, as the server accepts them. */
export const REACTIONS: readonly Reaction[] = ["👍", "👏", "😂", "🎉", "❤️", "✋"];
/** How long a reaction shows on its sender's tile. */
export const REACTION_MS = 4_000;

/** How long a notice stays up. */
const NOTICE_MS = 6_000;

/** Receiving video or not: `on` chosen by the person, `auto` when the connection could not keep video up. */
export type AudioOnly = "off" | "on" | "auto";

/** Why the meeting ended for us, once `status` is "closed". */
export type ClosedReason = "left" | "not-found" | "forbidden" | "sign-in" | "replaced" | "refused" | "denied" | "removed" | "locked" | "ended";

export interface RoomStateDeps {
  code: string;
  /** The display name; guests must give one (signed-in people default to their username). */
  name?: string;
  /** The room socket URL; defaults to this page's origin. */
  url?: string;
  socketFactory?: SocketFactory;
  rtc?: RtcDeps;
  clock?: Clock;
  /** Send the camera in simulcast layers and report tiles' views (default true; off only for the benchmark's comparison). */
  simulcast?: boolean;
  /** Start with the microphone or camera off. */
  audioMuted?: boolean;
  videoMuted?: boolean;
  /** Camera and microphone already captured (by the pre-join screen); the room takes them over. */
  stream?: MediaStream | null;
  /** Background blur and noise suppression as the pre-join screen ran them; the room takes them over (else it makes its own). */
  effects?: Effects;
  /** Tuning for tests. */
  connection?: { keepalive?: { intervalMs: number; timeoutMs: number }; backoff?: { minMs: number; maxMs: number } };
  gatherTimeoutMs?: number;
}

/** One video tile: a participant's camera, or a screen someone shares. */
export interface Tile {
  key: string;
  participant: Participant;
  kind: MediaKind;
  isSelf: boolean;
  stream: MediaStream | null;
  speaking: boolean;
  /** The participant's latest reaction, while it shows (camera tiles only). */
  reaction?: Reaction | null;
}

const roomUrl = (code: string) => {
  const { protocol, host } = globalThis.location;
  return `${protocol === "https:" ? "wss" : "ws"}://${host}/ws/meetings/${encodeURIComponent(code)}`;
};

const CLOSED_REASONS: Record<number, ClosedReason> = {
  [CLOSE.NOT_FOUND]: "not-found",
  [CLOSE.FORBIDDEN]: "forbidden",
  [CLOSE.UNAUTHENTICATED]: "sign-in",
  [CLOSE.CONFLICT]: "replaced",
  [CLOSE.LOCKED]: "locked",
};

/** 4403 says why in its reason: refused at the door, denied in the lobby, or removed by a host. */
const FORBIDDEN_REASONS: Record<string, ClosedReason> = { denied: "denied", "removed by a host": "removed" };

export function createRoomState(deps: RoomStateDeps) {
  const clock = deps.clock ?? browserClock;
  const status = signal<ConnectionStatus>("connecting");
  const closedReason = signal<ClosedReason | null>(null);
  const self = signal<Participant | null>(null);
  const others = signal<ReadonlyMap<string, Participant>>(new Map());
  const speaking = signal<string | null>(null);
  const mediaAvailable = signal<boolean | null>(null);
  const error = signal<string | null>(null);
  const meeting = signal<Welcome["meeting"] | null>(null);
  const chat = signal<readonly ChatMessage[]>([]);
  const audioMuted = signal(deps.audioMuted ?? false);
  const videoMuted = signal(deps.videoMuted ?? false);
  const handRaised = signal(false);
  const recording = signal<RecordingInfo | null>(null);
  /** Short-lived notices for everyone's attention (a hand raised), newest last. */
  const notices = signal<readonly { id: number; text: string }[]>([]);
  let nextNotice = 1;
  /** Set when a guest asks to record: recording needs an account. */
  const recordingNeedsSignIn = signal(false);
  const settings = signal<MeetingSettings>({ lobby: false, locked: false, selfUnmute: true });
  /** Who is knocking (hosts only), oldest first. */
  const lobby = signal<readonly LobbyEntry[]>([]);
  /** Reactions showing right now, on their senders' tiles. */
  const reactions = signal<readonly { id: number; participantId: string; emoji: Reaction }[]>([]);
  /** A host asked us to unmute (by name), until we do or decline. */
  const unmuteRequest = signal<string | null>(null);
  /** Someone knocked: hosts hear a sound and see a notice (the view plays it). */
  const knocks = signal(0);
  let endedBy: string | null = null;
  let resumeToken: string | null = null;
  let iceServers: RTCIceServer[] = [];
  let disposed = false;

  const media = createMedia({
    rtc: deps.rtc ?? browserRtc(),
    clock,
    iceServers: () => iceServers,
    gatherTimeoutMs: deps.gatherTimeoutMs,
    stream: deps.stream ?? null,
    async publish(kind, sdp) {
      const reply = await connection.request({ type: "media.publish", kind, sdp });
      if (reply.type !== "media.answer") throw new RoomRequestError("INTERNAL", `Unexpected ${reply.type} to a publish`);
      return reply.sdp;
    },
    async answer(sdp) {
      await connection.request({ type: "media.answer", sdp });
    },
    unpublish: (kind) => void connection.send({ type: "media.unpublish", kind }),
    onError: (message) => (error.value = message),
    simulcast: deps.simulcast,
    onSubscribed: () => views.resend(),
  });
  const simulcast = deps.simulcast ?? true;
  const audioOnly = signal<AudioOnly>("off");
  const views = createViewReporter({
    clock,
    midOf: (track) => media.midOf(track),
    // Without simulcast (the benchmark's "before") nothing is reported: every video at full size, as before.
    send: (streams, cap) => {
      if (simulcast && status.value === "live") connection.request({ type: "media.view", streams, ...(cap !== undefined ? { cap } : {}) }).catch(() => undefined);
    },
  });
  const quality = createQualityMonitor({
    clock,
    pc: () => media.subscriberPc(),
    tracks: () => [...media.remote.value.values()].flatMap((r) => [...(r.camera?.getTracks() ?? []), ...(r.screen?.getTracks() ?? [])]),
    // Only cameras that are on count: a camera turned off sends a frame now and then, and a screen
    // sends frames only when its picture changes; neither says anything about the link.
    videoExpected: (track) => {
      if (audioOnly.value !== "off" || (simulcast && !views.expected(track))) return false;
      for (const [id, r] of media.remote.value) if (r.camera?.getVideoTracks().includes(track)) return others.value.get(id)?.videoMuted === false;
      return false;
    },
    onCap: (cap) => views.setCap(cap),
    // Its publisher is asked for a keyframe through the server (paced there), not left to the browser's own 3 s wait.
    onFrozen: (track) => {
      const mid = media.midOf(track);
      if (mid !== null && status.value === "live") connection.request({ type: "media.keyframe", mid }).catch(() => undefined);
    },
    onVideoFailing: () => {
      if (audioOnly.value !== "off") return;
      setAudioOnly("auto");
    },
  });
  function setAudioOnly(mode: AudioOnly) {
    audioOnly.value = mode;
    views.setAudioOnly(mode !== "off");
    if (mode === "off") quality.reset();
  }
  media.setMicEnabled(!audioMuted.value);
  media.setCameraEnabled(!videoMuted.value);
  const effects = deps.effects ?? createEffects({ onError: (message) => (error.value = message) });
  // Whatever the room captured (or took over) is what the effects process; their tracks are sent in place of the originals.
  const stopEffectsBinding = effect(() => {
    const stream = media.captured.value;
    if (stream) effects.attach(stream, (kind, track) => void media.useTrack(kind, track), (message) => (error.value = message));
  });

  const connection = createConnection({
    url: deps.url ?? roomUrl(deps.code),
    // The browser WebSocket fits SocketLike except for its handlers' event types, which the room never reads.
    socketFactory: deps.socketFactory ?? ((url) => new WebSocket(url) as unknown as SocketLike),
    clock,
    keepalive: deps.connection?.keepalive,
    backoff: deps.connection?.backoff,
    onOpen() {
      connection.send({ type: "hello", ...(deps.name ? { name: deps.name } : {}), ...(resumeToken ? { resume: resumeToken } : {}) });
    },
    onMessage: handle,
    onDrop() {
      status.value = "reconnecting";
    },
    onClosed(code, reason) {
      if (endedBy !== null) return end("ended", null);
      const why = code === CLOSE.FORBIDDEN ? (FORBIDDEN_REASONS[reason] ?? "forbidden") : CLOSED_REASONS[code];
      end(why ?? (code === CLOSE.NORMAL ? "left" : "refused"), code === CLOSE.NORMAL || why === "denied" || why === "removed" || why === "locked" ? null : reason || null);
    },
  });

  // The browser knows before any keepalive that the network went away: say "Reconnecting…" at once.
  const onOffline = () => connection.lost();
  globalThis.addEventListener?.("offline", onOffline);

  function end(reason: ClosedReason, message: string | null) {
    if (status.value === "closed") return;
    batch(() => {
      status.value = "closed";
      closedReason.value = reason;
      if (message) error.value = message;
    });
    connection.close();
    stopEffectsBinding();
    effects.dispose();
    media.dispose();
    views.dispose();
    quality.dispose();
    globalThis.removeEventListener?.("offline", onOffline);
  }

  function welcome(w: Welcome) {
    const previous = self.value;
    resumeToken = w.resumeToken;
    iceServers = w.iceServers ?? [];
    const resumed = previous !== null && previous.id === w.self.id;
    batch(() => {
      self.value = { ...w.self, audioMuted: audioMuted.value, videoMuted: videoMuted.value, handRaised: handRaised.value };
      others.value = new Map(w.participants.filter((p) => p.id !== w.self.id).map((p) => [p.id, p]));
      meeting.value = w.meeting;
      settings.value = w.settings;
      lobby.value = w.lobby ?? [];
      recording.value = w.recording;
      mediaAvailable.value = w.media.available;
      // Resumed (after a drop, or the room moved to another server): keep what we have, and add
      // what the room holds that we missed meanwhile.
      if (!resumed) chat.value = w.chat;
      else {
        const key = (c: ChatMessage) => `${c.at}\u0000${c.from}\u0000${c.text}`;
        const have = new Set(chat.value.map(key));
        const missed = w.chat.filter((c) => !have.has(key(c)));
        if (missed.length > 0) chat.value = [...chat.value, ...missed].sort((a, b) => a.at.localeCompare(b.at));
      }
      if (speaking.value && speaking.value !== w.self.id && !others.value.has(speaking.value)) speaking.value = null;
      status.value = "live";
    });
    // What we changed while the socket was down (or chose before joining), the server has not heard.
    if (w.self.audioMuted !== audioMuted.value || w.self.videoMuted !== videoMuted.value || w.self.handRaised !== handRaised.value) {
      connection.send({ type: "presence", audioMuted: audioMuted.value, videoMuted: videoMuted.value, handRaised: handRaised.value });
    }
    if (previous === null) {
      if (w.media.available) void media.start();
      else void media.capture();
    } else if (!resumed) {
      // The held seat expired: we are a new participant, and our old media went with the old one.
      media.restart(w.media.available);
    } else if (w.media.available) {
      media.resync(w.self.publishing);
    }
  }

  /** Shows `text` as a notice for a few seconds. */
  function notify(text: string) {
    const notice = { id: nextNotice++, text };
    notices.value = [...notices.value, notice];
    clock.setTimeout(() => (notices.value = notices.value.filter((n) => n !== notice)), NOTICE_MS);
  }

  const nameOf = (id: string) => (id === self.value?.id ? "You" : (others.value.get(id)?.name ?? "A host"));

  function upsert(p: Participant) {
    if (p.id === self.value?.id) {
      const before = self.value;
      // A host muted us: the microphone goes off here too (the server already stopped forwarding it).
      if (p.audioMutedBy !== null && (before?.audioMutedBy !== p.audioMutedBy || !audioMuted.value)) {
        media.setMicEnabled(false);
        audioMuted.value = true;
        if (before?.audioMutedBy !== p.audioMutedBy) notify(`${nameOf(p.audioMutedBy)} muted your microphone`);
      }
      if (p.role === "host" && before?.role !== "host" && before) notify("You are now a host of this meeting");
      // Our own mute state is ours: an echo of an older presence must not flip the buttons back.
      self.value = { ...p, audioMuted: audioMuted.value, videoMuted: videoMuted.value, handRaised: handRaised.value };
      return;
    }
    if (p.handRaised && !others.value.get(p.id)?.handRaised && others.value.has(p.id)) notify(`${p.name} raised their hand`);
    const next = new Map(others.value);
    next.set(p.id, p);
    others.value = next;
  }

  function handle(m: ServerMessage) {
    if (disposed) return;
    switch (m.type) {
      case "welcome":
        return welcome(m);
      case "participant.joined":
      case "participant.updated":
        return upsert(m.participant);
      case "participant.left": {
        if (!others.value.has(m.participant.id)) return;
        const next = new Map(others.value);
        next.delete(m.participant.id);
        batch(() => {
          others.value = next;
          if (speaking.value === m.participant.id) speaking.value = null;
        });
        return;
      }
      case "media.offer":
        return void media.handleOffer(m.sdp, m.streams);
      case "media.layers":
        return media.setCameraLayers(m.max);
      case "media.restart":
        mediaAvailable.value = m.available;
        return media.restart(m.available);
      case "speaking":
        speaking.value = m.participantId;
        return;
      case "chat": {
        const { type: _type, ...message } = m;
        chat.value = [...chat.value, message];
        return;
      }
      case "recording.started":
      case "recording.stopped":
      case "recording.status":
        recording.value = m.recording;
        return;
      case "lobby.waiting":
        status.value = "waiting";
        return;
      case "lobby.knock":
        lobby.value = [...lobby.value.filter((e) => e.id !== m.entry.id), m.entry];
        knocks.value++;
        notify(`${m.entry.name} is waiting to be let in`);
        return;
      case "lobby.left":
        lobby.value = lobby.value.filter((e) => e.id !== m.id);
        return;
      case "meeting.updated":
        settings.value = m.settings;
        return;
      case "media.unmute-request":
        unmuteRequest.value = nameOf(m.from);
        notify(`${nameOf(m.from)} asks you to unmute`);
        return;
      case "reaction": {
        const r = { id: nextNotice++, participantId: m.participantId, emoji: m.emoji };
        reactions.value = [...reactions.value, r];
        clock.setTimeout(() => (reactions.value = reactions.value.filter((x) => x !== r)), REACTION_MS);
        return;
      }
      case "meeting.ended":
        endedBy = m.by;
        return;
      case "meeting.renamed":
        if (meeting.value) meeting.value = { ...meeting.value, title: m.title };
        if (m.by !== self.value?.id) notify(`${nameOf(m.by)} renamed the meeting to “${m.title}”`);
        return;
      case "error":
        // Before the welcome, an error is a refused hello (a guest without a name).
        if (self.value === null) return end("refused", m.message);
        error.value = m.message;
        return;
    }
  }

  function setPresence(change: { audioMuted?: boolean; videoMuted?: boolean; handRaised?: boolean }) {
    batch(() => {
      if (change.audioMuted !== undefined) audioMuted.value = change.audioMuted;
      if (change.videoMuted !== undefined) videoMuted.value = change.videoMuted;
      if (change.handRaised !== undefined) handRaised.value = change.handRaised;
      if (self.value) self.value = { ...self.value, audioMuted: audioMuted.value, videoMuted: videoMuted.value, handRaised: handRaised.value };
    });
    connection.send({ type: "presence", ...change });
  }

  async function control(message: Parameters<typeof connection.request>[0]) {
    try {
      await connection.request(message);
    } catch (err) {
      error.value = (err as Error).message;
      throw err;
    }
  }

  const remote = media.remote;
  const tiles = computed<Tile[]>(() => {
    const me = self.value;
    if (!me) return [];
    const streams = remote.value;
    const out: Tile[] = [];
    const latest = new Map(reactions.value.map((r) => [r.participantId, r.emoji]));
    const add = (participant: Participant, kind: MediaKind, isSelf: boolean, stream: MediaStream | null) =>
      out.push({ key: `${participant.id}:${kind}`, participant, kind, isSelf, stream, speaking: speaking.value === participant.id, reaction: kind === "camera" ? (latest.get(participant.id) ?? null) : null });
    add(me, "camera", true, media.local.value);
    for (const p of others.value.values()) add(p, "camera", false, streams.get(p.id)?.camera ?? null);
    if (media.screen.value) add(me, "screen", true, media.screen.value);
    for (const p of others.value.values()) {
      const stream = streams.get(p.id)?.screen;
      if (stream) add(p, "screen", false, stream);
    }
    return out;
  });

  return {
    /** This seat's token (the latest `welcome`'s resumeToken): the notes socket shows it to be let in. */
    seatToken: () => resumeToken,
    status: status as ReadonlySignal<ConnectionStatus>,
    closedReason: closedReason as ReadonlySignal<ClosedReason | null>,
    /** You, as the others see you (your mute state applies at once). */
    self: self as ReadonlySignal<Participant | null>,
    /** Everyone in the meeting, you first. */
    participants: computed(() => (self.value ? [self.value, ...others.value.values()] : [...others.value.values()])),
    /** What each other participant sends, by participant id. */
    remoteStreams: remote as ReadonlySignal<ReadonlyMap<string, RemoteMedia>>,
    localStream: media.local,
    /** Your camera and microphone as captured, before any effect (the "You are muted" check listens here). */
    capturedStream: media.captured,
    screenStream: media.screen,
    /** The participant who spoke last (the active speaker), if still here. */
    speaking: speaking as ReadonlySignal<string | null>,
    /** Whether the meeting's media server works; null until joined. */
    mediaAvailable: mediaAvailable as ReadonlySignal<boolean | null>,
    /** The latest problem worth telling the person about. */
    error: error as ReadonlySignal<string | null>,
    meeting: meeting as ReadonlySignal<Welcome["meeting"] | null>,
    chat: chat as ReadonlySignal<readonly ChatMessage[]>,
    audioMuted: audioMuted as ReadonlySignal<boolean>,
    videoMuted: videoMuted as ReadonlySignal<boolean>,
    sharingScreen: computed(() => media.screen.value !== null),
    handRaised: handRaised as ReadonlySignal<boolean>,
    /** The meeting's recording: live (`recording`), being processed, or the last one's outcome. */
    recording: recording as ReadonlySignal<RecordingInfo | null>,
    /** A guest asked to record and must sign in first. */
    recordingNeedsSignIn: recordingNeedsSignIn as ReadonlySignal<boolean>,
    settings: settings as ReadonlySignal<MeetingSettings>,
    /** Whether you host this meeting (and may use the controls above). */
    isHost: computed(() => self.value?.role === "host"),
    lobby: lobby as ReadonlySignal<readonly LobbyEntry[]>,
    /** Counts knocks, for the view's sound. */
    knocks: knocks as ReadonlySignal<number>,
    reactions: reactions as ReadonlySignal<readonly { id: number; participantId: string; emoji: Reaction }[]>,
    unmuteRequest: unmuteRequest as ReadonlySignal<string | null>,
    /** Camera tiles for everyone (you first), then screen shares. */
    tiles,
    /** Notices that come and go on their own (someone raised a hand). */
    notices: notices as ReadonlySignal<readonly { id: number; text: string }[]>,
    /** Everyone whose hand is up, in the order the hands went up. */
    raisedHands: computed(() =>
      [...(self.value ? [self.value] : []), ...others.value.values()]
        .filter((p) => p.handRaised)
        .sort((a, b) => (a.handRaisedAt ?? "\uffff").localeCompare(b.handRaisedAt ?? "\uffff")),
    ),

    toggleMic() {
      const muted = !audioMuted.value;
      const me = self.value;
      // A host's mute holds unless the meeting lets people unmute themselves, or a host asked us to.
      if (!muted && me?.audioMutedBy && me.role !== "host" && !settings.value.selfUnmute && unmuteRequest.value === null) {
        error.value = "A host muted you. You can unmute when a host asks you to.";
        return;
      }
      unmuteRequest.value = null;
      media.setMicEnabled(!muted);
      setPresence({ audioMuted: muted });
    },
    toggleCamera() {
      const muted = !videoMuted.value;
      media.setCameraEnabled(!muted);
      setPresence({ videoMuted: muted });
    },
    toggleHand() {
      setPresence({ handRaised: !handRaised.value });
    },
    /** Changes the name the others see. */
    rename(name: string) {
      const trimmed = name.trim().slice(0, 60);
      if (!trimmed) return;
      if (self.value) self.value = { ...self.value, name: trimmed };
      connection.send({ type: "presence", name: trimmed });
    },
    /** Sends a chat message; resolves once the server took it (rejects with its reason). */
    async sendChat(text: string) {
      await connection.request({ type: "chat", text });
    },
    /** Starts or stops recording; a guest is told to sign in instead. */
    async toggleRecording() {
      const live = recording.value?.status === "recording";
      try {
        await connection.request({ type: live ? "recording.stop" : "recording.start" });
      } catch (err) {
        if (err instanceof RoomRequestError && err.code === "UNAUTHENTICATED") recordingNeedsSignIn.value = true;
        else error.value = (err as Error).message;
      }
    },
    /** Shows "Sign in to record" (a guest pressed record). */
    askSignIn() {
      recordingNeedsSignIn.value = true;
    },
    dismissSignIn() {
      recordingNeedsSignIn.value = false;
    },
    /** Background blur and noise suppression: off, loading or on. */
    blur: effects.blur,
    noise: effects.noise,
    /** Switches background blur or noise suppression on or off (remembered in this browser). */
    setEffect: (name: EffectName, on: boolean) => effects.set(name, on),
    /** Received video: off, chosen off by you (`on`), or off because the connection could not keep it up (`auto`). */
    audioOnly: audioOnly as ReadonlySignal<AudioOnly>,
    /** Stops (true) or resumes (false) receiving video; audio always flows. */
    setAudioOnly: (on: boolean) => setAudioOnly(on ? "on" : "off"),
    /** Tiles register what they show here (the SFU sends each video at the layer its tile needs). */
    views,
    /** Each received track's connection mark, by track id. */
    quality: quality.byTrack,
    shareScreen: () => media.startScreen(),
    stopScreen: () => media.stopScreen(),
    dismissError() {
      error.value = null;
    },
    dismissUnmuteRequest() {
      unmuteRequest.value = null;
    },

    /** Meeting control (hosts); each resolves once the server did it, or rejects with its reason. */
    admit: (participantId: string) => control({ type: "lobby.admit", participantId }),
    deny: (participantId: string) => control({ type: "lobby.deny", participantId }),
    admitAll: () => control({ type: "lobby.admit-all" }),
    changeSettings: (change: Partial<MeetingSettings>) => control({ type: "meeting.settings", ...change }),
    mute: (participantId: string) => control({ type: "participant.mute", participantId }),
    muteAll: () => control({ type: "participant.mute", all: true }),
    remove: (participantId: string) => control({ type: "participant.remove", participantId }),
    promote: (participantId: string) => control({ type: "participant.promote", participantId }),
    askToUnmute: (participantId: string) => control({ type: "media.unmute-request", participantId }),
    lowerAllHands: () => control({ type: "hands.lower-all" }),
    endMeeting: () => control({ type: "meeting.end" }),
    /** Renames the meeting for everyone (if `meeting.canRename`); rejects with the server's reason. */
    renameMeeting: (title: string) => connection.request({ type: "meeting.rename", title }).then(() => undefined),
    /** Anyone: a reaction shown briefly on your tile, for everyone. */
    react: (emoji: Reaction) => control({ type: "reaction", emoji }),
    /** Leaves the meeting (the seat is freed at once) and releases everything. */
    leave() {
      if (status.value !== "closed") connection.send({ type: "leave" });
      end("left", null);
    },
    dispose() {
      if (disposed) return;
      end("left", null);
      disposed = true;
    },
  };
}

export type RoomState = ReturnType<typeof createRoomState>;
