/**
 * The meeting's WebRTC side. Local camera + microphone (and a screen share) each go out on their
 * own sendonly PeerConnection; everything received comes in on one subscriber PeerConnection
 * that answers the server's offers. SDP is exchanged whole: we wait for ICE gathering (bounded by
 * a timeout) instead of trickling candidates. Remote tracks are grouped per participant and kind
 * through the `streams` map the server sends with each offer (transceiver mid → who and what).
 */
import { batch, signal, type ReadonlySignal } from "@preact/signals";
import type { Clock } from "./connection.ts";
import { RoomRequestError, type MediaKind, type StreamInfo } from "./protocol.ts";

/** The parts of the browser's WebRTC and capture APIs the module uses; tests inject fakes. */
export interface RtcDeps {
  createPeerConnection(config: RTCConfiguration): RTCPeerConnection;
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  getDisplayMedia(options: DisplayMediaStreamOptions): Promise<MediaStream>;
  createMediaStream(tracks: MediaStreamTrack[]): MediaStream;
}

export const browserRtc = (): RtcDeps => ({
  createPeerConnection: (config) => new RTCPeerConnection(config),
  getUserMedia: (constraints) => navigator.mediaDevices.getUserMedia(constraints),
  getDisplayMedia: (options) => navigator.mediaDevices.getDisplayMedia(options),
  createMediaStream: (tracks) => new MediaStream(tracks),
});

/** What one remote participant sends us. */
export interface RemoteMedia {
  camera?: MediaStream;
  screen?: MediaStream;
}

export interface MediaDeps {
  rtc: RtcDeps;
  clock: Clock;
  iceServers(): RTCIceServer[];
  /** Sends a publish offer; resolves with the server's answer SDP. */
  publish(kind: MediaKind, sdp: string): Promise<string>;
  /** Sends the answer to the latest subscriber offer; resolves once the server took it. */
  answer(sdp: string): Promise<void>;
  unpublish(kind: MediaKind): void;
  /** Something the person should know went wrong (no camera, the share failed). */
  onError(message: string): void;
  /** How long to wait for ICE gathering before sending what was gathered. */
  gatherTimeoutMs?: number;
  /** Republish backoff after a failure: starts at `minMs`, doubles up to `maxMs`. */
  retry?: { minMs: number; maxMs: number };
  /** Camera and microphone captured before joining (the pre-join preview): used instead of asking again. */
  stream?: MediaStream | null;
}

const CAMERA_CONSTRAINTS: MediaStreamConstraints = {
  audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  video: { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24, max: 30 } },
};

interface Publisher {
  pc: RTCPeerConnection;
  /** The answer is applied: this publisher is as far as the client can take it. */
  answered: boolean;
}

interface Subscriber {
  pc: RTCPeerConnection;
  streams: Record<string, StreamInfo>;
  ufrag: string | null;
}

const iceUfrag = (sdp: string) => /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1] ?? null;

export function createMedia(deps: MediaDeps) {
  const gatherTimeoutMs = deps.gatherTimeoutMs ?? 3_000;
  const retry = deps.retry ?? { minMs: 500, maxMs: 10_000 };
  const local = signal<MediaStream | null>(null);
  const screen = signal<MediaStream | null>(null);
  const remote = signal<ReadonlyMap<string, RemoteMedia>>(new Map());
  /** Whether the server can take media now; publishing waits for it. */
  let live = false;
  let disposed = false;
  let capturing: Promise<void> | null = null;
  let micEnabled = true;
  let cameraEnabled = true;
  const publishers = new Map<MediaKind, Publisher>();
  const generation: Record<MediaKind, number> = { camera: 0, screen: 0 };
  const attempts: Record<MediaKind, number> = { camera: 0, screen: 0 };
  const retryTimers = new Map<MediaKind, unknown>();
  let subscriber: Subscriber | null = null;
  let offers: Promise<void> = Promise.resolve();
  /** Remote streams handed out, kept while their tracks stay the same so video elements do not reload. */
  const handedOut = new Map<string, { key: string; stream: MediaStream }>();
  /** Waits for ICE gathering in progress; ended early on dispose so no timer outlives the module. */
  const gathering = new Set<() => void>();

  const streamOf = (kind: MediaKind) => (kind === "camera" ? local.value : screen.value);

  function gathered(pc: RTCPeerConnection): Promise<void> {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        pc.removeEventListener("icegatheringstatechange", check);
        deps.clock.clearTimeout(timer);
        gathering.delete(done);
        resolve();
      };
      const check = () => {
        if (pc.iceGatheringState === "complete") done();
      };
      // Unreachable STUN/TURN servers can hold gathering for many seconds; host candidates come at once.
      const timer = deps.clock.setTimeout(done, gatherTimeoutMs);
      gathering.add(done);
      pc.addEventListener("icegatheringstatechange", check);
    });
  }

  function closePublisher(kind: MediaKind) {
    const timer = retryTimers.get(kind);
    if (timer !== undefined) deps.clock.clearTimeout(timer);
    retryTimers.delete(kind);
    const pub = publishers.get(kind);
    publishers.delete(kind);
    pub?.pc.close();
  }

  function scheduleRepublish(kind: MediaKind) {
    if (disposed || !live || retryTimers.has(kind) || !streamOf(kind)) return;
    const delay = Math.min(retry.maxMs, retry.minMs * 2 ** attempts[kind]);
    attempts[kind]++;
    retryTimers.set(
      kind,
      deps.clock.setTimeout(() => {
        retryTimers.delete(kind);
        void publish(kind);
      }, delay),
    );
  }

  /** (Re)publishes one kind on a fresh PeerConnection; a later call supersedes an earlier one. */
  async function publish(kind: MediaKind): Promise<void> {
    const stream = streamOf(kind);
    if (disposed || !live || !stream) return;
    const gen = ++generation[kind];
    closePublisher(kind);
    const pc = deps.rtc.createPeerConnection({ iceServers: deps.iceServers(), bundlePolicy: "max-bundle" });
    const pub: Publisher = { pc, answered: false };
    publishers.set(kind, pub);
    const current = () => generation[kind] === gen && publishers.get(kind) === pub && !disposed;
    pc.addEventListener("connectionstatechange", () => {
      if (!current()) return;
      if (pc.connectionState === "connected") attempts[kind] = 0;
      // Our side noticed the path to the SFU is gone: publish again on our own.
      if (pc.connectionState === "failed") {
        closePublisher(kind);
        scheduleRepublish(kind);
      }
    });
    for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: "sendonly", streams: [stream] });
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      if (!current()) return;
      const answer = await deps.publish(kind, pc.localDescription!.sdp);
      if (!current()) return;
      await pc.setRemoteDescription({ type: "answer", sdp: answer });
      pub.answered = true;
    } catch (err) {
      if (!current()) return;
      closePublisher(kind);
      // UNAVAILABLE: the SFU is down; `restart()` brings us back when the server says it is up.
      if (err instanceof RoomRequestError && err.code === "UNAVAILABLE") return;
      if (err instanceof RoomRequestError && err.code === "INVALID_ARGUMENT") {
        deps.onError(`The meeting refused your ${kind === "camera" ? "camera" : "screen"}: ${err.message}`);
        return;
      }
      scheduleRepublish(kind);
    }
  }

  function closeSubscriber() {
    subscriber?.pc.close();
    subscriber = null;
    if (handedOut.size || remote.value.size) {
      handedOut.clear();
      remote.value = new Map();
    }
  }

  function newSubscriber(ufrag: string | null): Subscriber {
    closeSubscriber();
    const pc = deps.rtc.createPeerConnection({ iceServers: deps.iceServers(), bundlePolicy: "max-bundle" });
    const sub: Subscriber = { pc, streams: {}, ufrag };
    pc.addEventListener("track", () => {
      if (subscriber === sub) refreshRemote();
    });
    pc.addEventListener("connectionstatechange", () => {
      // The server hears of it from the SFU too and sends a fresh offer on a new handle.
      if (subscriber === sub && pc.connectionState === "failed") closeSubscriber();
    });
    subscriber = sub;
    return sub;
  }

  /** Rebuilds participant → {camera, screen} from the subscriber's transceivers and the latest `streams`. */
  function refreshRemote() {
    const sub = subscriber;
    const groups = new Map<string, { info: StreamInfo; tracks: MediaStreamTrack[] }>();
    if (sub) {
      for (const t of sub.pc.getTransceivers()) {
        const info = t.mid !== null ? sub.streams[t.mid] : undefined;
        const track = t.receiver.track;
        if (!info || !track || track.readyState === "ended") continue;
        const key = `${info.participantId}\n${info.kind}`;
        const group = groups.get(key) ?? { info, tracks: [] };
        group.tracks.push(track);
        groups.set(key, group);
      }
    }
    const next = new Map<string, RemoteMedia>();
    for (const [key, { info, tracks }] of groups) {
      const trackKey = tracks.map((t) => t.id).sort().join(",");
      let entry = handedOut.get(key);
      if (!entry || entry.key !== trackKey) {
        entry = { key: trackKey, stream: deps.rtc.createMediaStream(tracks) };
        handedOut.set(key, entry);
      }
      next.set(info.participantId, { ...next.get(info.participantId), [info.kind]: entry.stream });
    }
    for (const key of [...handedOut.keys()]) if (!groups.has(key)) handedOut.delete(key);
    remote.value = next;
  }

  async function answerOffer(sdp: string, streams: Record<string, StreamInfo>) {
    if (disposed) return;
    const ufrag = iceUfrag(sdp);
    // A new ICE username means a new subscriber handle on the SFU (it restarted, or replaced a
    // failed one): that needs a new PeerConnection, not a renegotiation of the old one.
    let sub = subscriber && subscriber.ufrag === ufrag && subscriber.pc.signalingState !== "closed" ? subscriber : newSubscriber(ufrag);
    sub.streams = streams;
    try {
      await sub.pc.setRemoteDescription({ type: "offer", sdp });
    } catch {
      // An offer the old PeerConnection cannot take is still a valid offer for a fresh one.
      sub = newSubscriber(ufrag);
      sub.streams = streams;
      await sub.pc.setRemoteDescription({ type: "offer", sdp });
    }
    await sub.pc.setLocalDescription(await sub.pc.createAnswer());
    await gathered(sub.pc);
    if (subscriber !== sub || disposed) return;
    refreshRemote();
    await deps.answer(sub.pc.localDescription!.sdp);
  }

  async function capture(): Promise<void> {
    if (local.value) return;
    const given = deps.stream;
    if (given && given.getTracks().some((t) => t.readyState === "live")) {
      for (const t of given.getAudioTracks()) t.enabled = micEnabled;
      for (const t of given.getVideoTracks()) t.enabled = cameraEnabled;
      local.value = given;
      return;
    }
    const attemptsList: MediaStreamConstraints[] = [
      CAMERA_CONSTRAINTS,
      { audio: CAMERA_CONSTRAINTS.audio, video: false },
      { audio: false, video: CAMERA_CONSTRAINTS.video },
    ];
    let lastError: unknown = null;
    for (const constraints of attemptsList) {
      try {
        const stream = await deps.rtc.getUserMedia(constraints);
        if (disposed) {
          for (const t of stream.getTracks()) t.stop();
          return;
        }
        for (const t of stream.getAudioTracks()) t.enabled = micEnabled;
        for (const t of stream.getVideoTracks()) t.enabled = cameraEnabled;
        local.value = stream;
        if (constraints !== CAMERA_CONSTRAINTS) deps.onError(constraints.video ? "Your microphone is not available" : "Your camera is not available");
        return;
      } catch (err) {
        lastError = err;
        // Refused outright: asking for less will be refused too.
        if ((err as { name?: string })?.name === "NotAllowedError") break;
      }
    }
    const name = (lastError as { name?: string })?.name;
    deps.onError(
      name === "NotAllowedError"
        ? "Camera and microphone are blocked for this site: allow them in the browser to be seen and heard"
        : "No camera or microphone could be used; you can still see and hear the others",
    );
  }

  return {
    /** Your camera and microphone once captured. */
    local: local as ReadonlySignal<MediaStream | null>,
    /** Your screen while you share it. */
    screen: screen as ReadonlySignal<MediaStream | null>,
    /** What each remote participant sends, by participant id. */
    remote: remote as ReadonlySignal<ReadonlyMap<string, RemoteMedia>>,

    /** Captures camera and microphone (once; later calls share it). */
    capture(): Promise<void> {
      capturing ??= capture();
      return capturing;
    },

    /** The server can take media: publish what is captured (once the capture is done). */
    async start() {
      live = true;
      await this.capture();
      if (!live || disposed) return;
      if (!publishers.has("camera")) void publish("camera");
      if (screen.value && !publishers.has("screen")) void publish("screen");
    },

    /**
     * The SFU restarted (or the seat is new): every PeerConnection is dead. Close them all and,
     * when `available`, publish again; a fresh offer brings the subscriptions back.
     */
    restart(available: boolean) {
      batch(() => {
        for (const kind of ["camera", "screen"] as const) closePublisher(kind);
        closeSubscriber();
      });
      attempts.camera = attempts.screen = 0;
      live = available;
      if (available) void this.start();
    },

    /** After a resume: republish a kind the server no longer has although ours looked done. */
    resync(serverPublishing: { camera: boolean; screen: boolean }) {
      for (const kind of ["camera", "screen"] as const) {
        const pub = publishers.get(kind);
        if (!live || !streamOf(kind)) continue;
        if (!pub && !retryTimers.has(kind)) void publish(kind);
        else if (pub?.answered && pub.pc.connectionState !== "connected" && !serverPublishing[kind]) void publish(kind);
      }
    },

    /** A `media.offer`: answered one at a time, in order. */
    handleOffer(sdp: string, streams: Record<string, StreamInfo>) {
      offers = offers
        .then(() => answerOffer(sdp, streams))
        .catch((err) => {
          // The server drops a subscriber whose answer failed and offers afresh on a new handle.
          if (!(err instanceof RoomRequestError)) closeSubscriber();
        });
      return offers;
    },

    setMicEnabled(on: boolean) {
      micEnabled = on;
      for (const t of local.value?.getAudioTracks() ?? []) t.enabled = on;
    },

    setCameraEnabled(on: boolean) {
      cameraEnabled = on;
      for (const t of local.value?.getVideoTracks() ?? []) t.enabled = on;
    },

    /** Asks the browser for a screen (the person picks one) and publishes it. */
    async startScreen(): Promise<boolean> {
      if (screen.value || disposed) return !!screen.value;
      let stream: MediaStream;
      try {
        stream = await deps.rtc.getDisplayMedia({ video: { frameRate: { ideal: 15, max: 15 } }, audio: false });
      } catch (err) {
        // The person closed the picker: nothing to report.
        if ((err as { name?: string })?.name !== "NotAllowedError") deps.onError("Your screen could not be shared");
        return false;
      }
      if (disposed) {
        for (const t of stream.getTracks()) t.stop();
        return false;
      }
      const video = stream.getVideoTracks()[0];
      if (video) {
        video.contentHint = "detail";
        // The browser's own "Stop sharing" button ends the track.
        video.addEventListener("ended", () => {
          if (screen.value === stream) this.stopScreen();
        });
      }
      screen.value = stream;
      attempts.screen = 0;
      void publish("screen");
      return true;
    },

    stopScreen() {
      const stream = screen.value;
      if (!stream) return;
      generation.screen++;
      closePublisher("screen");
      for (const t of stream.getTracks()) t.stop();
      screen.value = null;
      deps.unpublish("screen");
    },

    /** Closes every PeerConnection and releases camera, microphone and screen. */
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const kind of ["camera", "screen"] as const) closePublisher(kind);
      closeSubscriber();
      for (const done of [...gathering]) done();
      for (const stream of [local.value, screen.value]) for (const t of stream?.getTracks() ?? []) t.stop();
      batch(() => {
        local.value = null;
        screen.value = null;
      });
    },
  };
}

export type Media = ReturnType<typeof createMedia>;
