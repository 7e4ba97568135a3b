/**
 * Test doubles for the room state: a socket the test opens, feeds and drops, and just enough of
 * WebRTC and media capture (PeerConnections, tracks, streams) to follow what the module does.
 * Only tests import this file.
 */
import type { SocketLike } from "./connection.ts";
import type { RtcDeps } from "./media.ts";

export class FakeSocket implements SocketLike {
  readyState = 0;
  sent: Record<string, any>[] = [];
  closedWith: { code?: number; reason?: string } | null = null;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly url: string) {}

  send(data: string) {
    if (this.readyState !== 1) throw new Error("send on a socket that is not open");
    this.sent.push(JSON.parse(data));
  }
  close(code?: number, reason?: string) {
    this.readyState = 3;
    this.closedWith = { code, reason };
  }

  /** The server accepted the socket. */
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(message: object) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  /** The connection ended (1006: dropped without a close frame). */
  drop(code = 1006, reason = "") {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  sentOfType(type: string) {
    return this.sent.filter((m) => m.type === type);
  }
}

export function createSocketFactory() {
  const sockets: FakeSocket[] = [];
  return {
    sockets,
    factory: (url: string) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    get last() {
      return sockets[sockets.length - 1]!;
    },
  };
}

let nextTrack = 1;

export class FakeTrack extends EventTarget {
  readonly id = `track-${nextTrack++}`;
  enabled = true;
  readyState: "live" | "ended" = "live";
  contentHint = "";
  constructor(readonly kind: "audio" | "video") {
    super();
  }
  stop() {
    this.readyState = "ended";
  }
  /** The browser ended it (e.g. its own "Stop sharing" button). */
  end() {
    this.readyState = "ended";
    this.dispatchEvent(new Event("ended"));
  }
}

export class FakeStream {
  constructor(readonly tracks: FakeTrack[]) {}
  getTracks() {
    return [...this.tracks];
  }
  getAudioTracks() {
    return this.tracks.filter((t) => t.kind === "audio");
  }
  getVideoTracks() {
    return this.tracks.filter((t) => t.kind === "video");
  }
}

interface FakeTransceiver {
  mid: string | null;
  direction: string;
  sender: { track: FakeTrack | null; encodings: RTCRtpEncodingParameters[] };
  receiver: { track: FakeTrack };
}

/** An upper camera encoding as the tests read it: its rid and `+` sent whole, `~` kept warm (at the smallest size), `-` paused. */
export const layerMark = (e: RTCRtpEncodingParameters) => `${e.rid}${e.active === false ? "-" : e.rid !== "q" && e.scaleResolutionDownBy === 4 ? "~" : "+"}`;

export class FakePeerConnection extends EventTarget {
  transceivers: FakeTransceiver[] = [];
  localDescription: { type: string; sdp: string } | null = null;
  remoteDescription: { type: string; sdp: string } | null = null;
  iceGatheringState: "new" | "gathering" | "complete" = "new";
  connectionState = "new";
  signalingState = "stable";
  /** Gathering never completes (a STUN server that does not answer). */
  stallGathering = false;

  constructor(readonly config: RTCConfiguration) {
    super();
  }

  addTransceiver(track: FakeTrack, init: { direction: string; sendEncodings?: RTCRtpEncodingParameters[] }) {
    const encodings = (init.sendEncodings ?? [{}]).map((e) => ({ active: true, ...e }));
    this.transceivers.push({ mid: null, direction: init.direction, sender: { track, encodings }, receiver: { track: new FakeTrack(track.kind) } });
  }
  /**
   * While true, setParameters waits until the test calls `settleParameters` (a slow encoder
   * reconfiguration); getParameters keeps answering what was last applied meanwhile.
   */
  holdParameters = false;
  /** Held setParameters calls, oldest first: each applies its encodings and resolves (or rejects with `fail`). */
  heldParameters: ((fail?: Error) => void)[] = [];
  settleParameters(fail?: Error) {
    this.heldParameters.shift()?.(fail);
  }
  /** setParameters calls, in order: each encoding as `layerMark` writes it. */
  parameterSets: string[] = [];
  /** Tracks swapped in with replaceTrack, in order (no renegotiation). */
  replaced: FakeTrack[] = [];
  getSenders() {
    return this.transceivers
      .filter((t) => t.direction !== "recvonly")
      .map((t) => ({
        get track() {
          return t.sender.track;
        },
        getParameters: () => ({ encodings: t.sender.encodings.map((e) => ({ ...e })) }),
        setParameters: (params: { encodings: RTCRtpEncodingParameters[] }) => {
          this.parameterSets.push(params.encodings.map(layerMark).join(" "));
          const apply = (fail?: Error) => {
            if (fail) return Promise.reject(fail);
            t.sender.encodings = params.encodings.map((e) => ({ ...e }));
            return Promise.resolve();
          };
          if (!this.holdParameters) return apply();
          return new Promise<void>((resolve, reject) => this.heldParameters.push((fail) => apply(fail).then(resolve, reject)));
        },
        replaceTrack: async (track: FakeTrack | null) => {
          t.sender.track = track;
          if (track) this.replaced.push(track);
        },
      }));
  }
  async createOffer() {
    return { type: "offer", sdp: `v=0\r\na=ice-ufrag:pub\r\n${this.transceivers.map((t) => `m=${t.sender.track?.kind}\r\n`).join("")}` };
  }
  async createAnswer() {
    return { type: "answer", sdp: `v=0\r\na=ice-ufrag:sub\r\n${this.transceivers.map((t) => `a=mid:${t.mid}\r\n`).join("")}` };
  }
  async setLocalDescription(desc: { type: string; sdp: string }) {
    this.assertOpen();
    if (desc.type === "offer") this.transceivers.forEach((t, i) => (t.mid ??= String(i)));
    this.localDescription = desc;
    if (this.iceGatheringState !== "complete" && !this.stallGathering) {
      this.iceGatheringState = "gathering";
      queueMicrotask(() => {
        this.iceGatheringState = "complete";
        this.dispatchEvent(new Event("icegatheringstatechange"));
      });
    }
  }
  async setRemoteDescription(desc: { type: string; sdp: string }) {
    this.assertOpen();
    if (desc.sdp.includes("a=reject")) throw new Error("setRemoteDescription refused the offer");
    this.remoteDescription = desc;
    if (desc.type !== "offer") return;
    // Fake offers list their m-lines as `m=<audio|video> <mid>`.
    for (const [, kind, mid] of desc.sdp.matchAll(/^m=(audio|video) (\S+)/gm)) {
      if (this.transceivers.some((t) => t.mid === mid)) continue;
      const track = new FakeTrack(kind as "audio" | "video");
      this.transceivers.push({ mid: mid!, direction: "recvonly", sender: { track: null, encodings: [] }, receiver: { track } });
      this.dispatchEvent(new Event("track"));
    }
  }
  getTransceivers() {
    return [...this.transceivers];
  }
  close() {
    this.signalingState = "closed";
    this.connectionState = "closed";
  }
  /** The test moves the connection along (e.g. to "failed"). */
  setConnectionState(state: string) {
    this.connectionState = state;
    this.dispatchEvent(new Event("connectionstatechange"));
  }
  private assertOpen() {
    if (this.signalingState === "closed") throw new Error("InvalidStateError: the PeerConnection is closed");
  }
}

/** A server-side subscriber offer in the fakes' format: one m-line per `[mid, kind]`. */
export function fakeOffer(ufrag: string, mlines: [mid: string, kind: "audio" | "video"][]) {
  return `v=0\r\na=ice-ufrag:${ufrag}\r\n${mlines.map(([mid, kind]) => `m=${kind} ${mid}\r\n`).join("")}`;
}

export function createFakeRtc() {
  const pcs: FakePeerConnection[] = [];
  const captured: FakeStream[] = [];
  const state = {
    pcs,
    captured,
    /** getUserMedia fails with this error name for these kinds. */
    failUserMedia: null as null | { name: string; when: (c: MediaStreamConstraints) => boolean },
    failDisplayMedia: null as null | string,
    open: () => pcs.filter((pc) => pc.signalingState !== "closed"),
  };
  const rtc: RtcDeps = {
    createPeerConnection: (config) => {
      const pc = new FakePeerConnection(config);
      pcs.push(pc);
      return pc as unknown as RTCPeerConnection;
    },
    getUserMedia: async (constraints) => {
      if (state.failUserMedia?.when(constraints)) throw Object.assign(new Error("refused"), { name: state.failUserMedia.name });
      const tracks = [...(constraints.audio ? [new FakeTrack("audio")] : []), ...(constraints.video ? [new FakeTrack("video")] : [])];
      const stream = new FakeStream(tracks);
      captured.push(stream);
      return stream as unknown as MediaStream;
    },
    getDisplayMedia: async () => {
      if (state.failDisplayMedia) throw Object.assign(new Error("refused"), { name: state.failDisplayMedia });
      const stream = new FakeStream([new FakeTrack("video")]);
      captured.push(stream);
      return stream as unknown as MediaStream;
    },
    createMediaStream: (tracks) => new FakeStream(tracks as unknown as FakeTrack[]) as unknown as MediaStream,
  };
  return Object.assign(state, { rtc });
}
