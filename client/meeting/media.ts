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
  /** Send the camera in three simulcast layers (default true; the meeting-load benchmark turns it off to compare). */
  simulcast?: boolean;
  /** The subscriber's answer was taken: its m-lines are now the ones received (tiles report their view again). */
  onSubscribed?(): void;
}

/** How many times the camera is asked for the top layer's size before the meeting makes do (raiseCameraSize). */
const CAMERA_SIZE_ATTEMPTS = 5;
/** How many failed setParameters of the camera's layers in a row are tried again, and how soon. */
const LAYER_ATTEMPTS = 3;
const LAYER_RETRY_MS = 1_000;

const CAMERA_CONSTRAINTS: MediaStreamConstraints = {
  audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  video: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 24, max: 30 } },
};

/**
 * The camera's simulcast layers, highest first: Janus reads the rids in the offer's order as high,
 * medium, low (as janus.js sends them) and numbers its substreams 2, 1, 0 from that. Each receiver
 * gets the one its tile needs (src/rooms/layers.ts).
 */
export const CAMERA_LAYERS: RTCRtpEncodingParameters[] = [
  { rid: "f", scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
  { rid: "h", scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: "q", scaleResolutionDownBy: 4, maxBitrate: 150_000 },
];
/**
 * What a camera layer nobody receives still sends (applyCameraLayers): q's size at less than half
 * its bitrate, enough to keep the layer flowing so that switching to it is immediate. (A frame a second instead, with maxFramerate, left the layers at 3-4 frames a second
 * after they were asked for whole again, in Chromium.)
 */
const WARM_LAYER = { scaleResolutionDownBy: 4, maxBitrate: 60_000 } as const;
/** A shared screen: one layer, sharp text before smooth motion. */
const SCREEN_LAYERS: RTCRtpEncodingParameters[] = [{ maxBitrate: 2_500_000 }];

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
  const simulcast = deps.simulcast ?? true;
  /** The highest camera layer someone receives, as the server last said (2 until it says). */
  let cameraLayers: 0 | 1 | 2 = 2;
  const local = signal<MediaStream | null>(null);
  /** The camera and microphone as captured; `local` differs when an effect's processed track replaces one (useTrack). */
  const captured = signal<MediaStream | null>(null);
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

  /** A setParameters of the camera's encodings in flight; one at a time, so the last word wins. */
  let layersBusy = false;
  /** `cameraLayers` changed (or a call failed) while one was in flight: apply again when it settles. */
  let layersAgain = false;
  /** setParameters calls that failed in a row; after LAYER_ATTEMPTS the next `media.layers` tries again. */
  let layerFailures = 0;

  /**
   * Keeps the camera's simulcast encodings above `cameraLayers` warm (WARM_LAYER), the rest whole (q
   * always is: switching down needs it at once).
   * Paused encodings (active: false) saved a little more, but one coming back restarted from nothing and
   * waited for the browser's bandwidth estimate to climb: 2 s when its probes succeeded, up to 27 s
   * on a loaded machine, and meanwhile a pinned tile or a recording got the smaller layer. A warm one
   * is there at once (Janus switches at its next keyframe) and sharpens as the estimate climbs.
   * One call at a time, and the latest word applied after it, so the camera ends at what the server
   * said last however the browser orders or answers the calls (Chromium's getParameters shows a call
   * in flight at once; a browser that did not would otherwise see nothing to change). A refused call
   * is tried again.
   */
  function applyCameraLayers() {
    if (layersBusy) {
      layersAgain = true;
      return;
    }
    const pc = publishers.get("camera")?.pc;
    const sender = pc?.getSenders?.().find((s) => s.track?.kind === "video");
    if (!simulcast || !sender || disposed) return;
    const params = sender.getParameters();
    if (!params.encodings || params.encodings.length < 2) return;
    let changed = false;
    for (const e of params.encodings) {
      const layer = CAMERA_LAYERS.find((l) => l.rid === e.rid);
      if (!layer) continue;
      // Janus's substream number for this layer (f 2, h 1, q 0; see CAMERA_LAYERS).
      const substream = CAMERA_LAYERS.length - 1 - CAMERA_LAYERS.indexOf(layer);
      const warm = substream > cameraLayers;
      const { maxBitrate, scaleResolutionDownBy } = warm ? WARM_LAYER : layer;
      if (e.active !== true || e.maxBitrate !== maxBitrate || e.scaleResolutionDownBy !== scaleResolutionDownBy) {
        e.active = true;
        e.maxBitrate = maxBitrate;
        e.scaleResolutionDownBy = scaleResolutionDownBy;
        changed = true;
      }
    }
    if (!changed) return;
    layersBusy = true;
    sender.setParameters(params).then(
      () => {
        layersBusy = false;
        layerFailures = 0;
        if (layersAgain) {
          layersAgain = false;
          applyCameraLayers();
        }
      },
      () => {
        layersBusy = false;
        layersAgain = false;
        // The PeerConnection closed, or the browser refused for now: try again shortly.
        if (++layerFailures < LAYER_ATTEMPTS) deps.clock.setTimeout(applyCameraLayers, LAYER_RETRY_MS);
      },
    );
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
    for (const track of stream.getTracks()) {
      const sendEncodings = track.kind !== "video" ? undefined : kind === "screen" ? SCREEN_LAYERS : simulcast ? CAMERA_LAYERS : undefined;
      pc.addTransceiver(track, { direction: "sendonly", streams: [stream], ...(sendEncodings ? { sendEncodings: sendEncodings.map((e) => ({ ...e })) } : {}) });
    }
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
    if (subscriber === sub && !disposed) deps.onSubscribed?.();
  }

  /**
   * Asks the camera track for the top layer's size (`ask`: at once; else only if it is smaller).
   * While another track shares the camera (the preview's capture, not yet stopped), Chromium answers
   * "ok", or captures, at the device's default size (640×480 on its fake camera), so the size is
   * checked and asked for again a few times (1, 2, 4 and 8 s later) until it holds or the camera
   * cannot give more.
   */
  function raiseCameraSize(track: MediaStreamTrack, attemptsLeft = CAMERA_SIZE_ATTEMPTS, ask = true) {
    const wanted = CAMERA_CONSTRAINTS.video as MediaTrackConstraints;
    const wantedWidth = (wanted.width as ConstrainULongRange).ideal!;
    const asked = ask ? track.applyConstraints?.(wanted)?.catch(() => undefined) : undefined;
    void Promise.resolve(asked)
      .then(() => {
        if (disposed || track.readyState !== "live" || attemptsLeft <= 1) return;
        const width = track.getSettings?.().width ?? wantedWidth;
        const most = track.getCapabilities?.().width?.max ?? 0;
        if (width >= wantedWidth || most < wantedWidth) return;
        // 1, 2, 4, 8 s: a capture still open elsewhere may take a while to let the camera go.
        deps.clock.setTimeout(() => raiseCameraSize(track, attemptsLeft - 1), 1_000 * 2 ** (CAMERA_SIZE_ATTEMPTS - attemptsLeft));
      });
  }

  async function capture(): Promise<void> {
    if (local.value) return;
    const given = deps.stream;
    if (given && given.getTracks().some((t) => t.readyState === "live")) {
      for (const t of given.getAudioTracks()) t.enabled = micEnabled;
      for (const t of given.getVideoTracks()) {
        t.enabled = cameraEnabled;
        // The preview may be smaller than the top simulcast layer: ask for the full size (best effort).
        if (simulcast) raiseCameraSize(t);
      }
      captured.value = local.value = given;
      return;
    }
    // Without simulcast one layer goes out at the preview's size, as before simulcast.
    const wanted = simulcast ? CAMERA_CONSTRAINTS : { ...CAMERA_CONSTRAINTS, video: { ...(CAMERA_CONSTRAINTS.video as MediaTrackConstraints), width: { ideal: 640 }, height: { ideal: 360 } } };
    const attemptsList: MediaStreamConstraints[] = [wanted, { audio: wanted.audio, video: false }, { audio: false, video: wanted.video }];
    let lastError: unknown = null;
    for (const constraints of attemptsList) {
      try {
        const stream = await deps.rtc.getUserMedia(constraints);
        if (disposed) {
          for (const t of stream.getTracks()) t.stop();
          return;
        }
        for (const t of stream.getAudioTracks()) t.enabled = micEnabled;
        for (const t of stream.getVideoTracks()) {
          t.enabled = cameraEnabled;
          // A capture the preview's (still open) shares the camera with can come out at the device's default size.
          if (simulcast) raiseCameraSize(t, CAMERA_SIZE_ATTEMPTS, false);
        }
        captured.value = local.value = stream;
        if (constraints !== wanted) deps.onError(constraints.video ? "Your microphone is not available" : "Your camera is not available");
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
    /** Your camera and microphone as captured (what background blur and noise suppression process). */
    captured: captured as ReadonlySignal<MediaStream | null>,
    /** Your screen while you share it. */
    screen: screen as ReadonlySignal<MediaStream | null>,
    /** What each remote participant sends, by participant id. */
    remote: remote as ReadonlySignal<ReadonlyMap<string, RemoteMedia>>,

    /**
     * The highest camera layer anyone receives (`media.layers`): the encodings above it are kept
     * warm (applyCameraLayers), so this browser encodes no large picture nobody watches. A new
     * publisher starts with all of them whole;
     * the server tells it again once its feed is up.
     */
    setCameraLayers(max: 0 | 1 | 2) {
      cameraLayers = max;
      layerFailures = 0;
      applyCameraLayers();
    },

    /** The PeerConnection everything received comes in on (for stats), or null. */
    subscriberPc: () => subscriber?.pc ?? null,

    /** The subscriber m-line a received track comes in on (what `media.view` names), or null. */
    midOf(track: MediaStreamTrack): string | null {
      for (const t of subscriber?.pc.getTransceivers() ?? []) if (t.receiver.track === track) return t.mid;
      return null;
    },

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
      for (const t of [...(local.value?.getAudioTracks() ?? []), ...(captured.value?.getAudioTracks() ?? [])]) t.enabled = on;
    },

    setCameraEnabled(on: boolean) {
      cameraEnabled = on;
      for (const t of [...(local.value?.getVideoTracks() ?? []), ...(captured.value?.getVideoTracks() ?? [])]) t.enabled = on;
    },

    /**
     * Sends `track` instead of the captured audio or video (an effect's processed track), or the
     * captured one again (`null`). The camera publisher's sender swaps it in place
     * (RTCRtpSender.replaceTrack: no renegotiation), and `local` — the preview, and any later
     * republish — carries it from now on.
     */
    async useTrack(media: "audio" | "video", track: MediaStreamTrack | null) {
      const base = captured.value;
      const current = local.value;
      if (!base || !current || disposed) return;
      const next = track ?? (media === "audio" ? base.getAudioTracks()[0] : base.getVideoTracks()[0]);
      const before = current.getTracks().find((t) => t.kind === media);
      if (!next || next === before) return;
      next.enabled = media === "audio" ? micEnabled : cameraEnabled;
      local.value = deps.rtc.createMediaStream([...current.getTracks().filter((t) => t.kind !== media), next]);
      const sender = publishers.get("camera")?.pc.getSenders().find((x) => (before ? x.track === before : x.track?.kind === media));
      await sender?.replaceTrack(next).catch(() => {
        // The PeerConnection closed meanwhile: the next publish takes `local` as it is now.
      });
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
      for (const stream of [local.value, captured.value, screen.value]) for (const t of stream?.getTracks() ?? []) t.stop();
      batch(() => {
        local.value = null;
        captured.value = null;
        screen.value = null;
      });
    },
  };
}

export type Media = ReturnType<typeof createMedia>;
