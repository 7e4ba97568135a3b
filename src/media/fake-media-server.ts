/**
 * An in-memory `MediaServer` for the room actor's tests: the same contract as the Janus adapter
 * (feeds must be up before they can be subscribed, one subscriber negotiation at a time, feed-down
 * exactly once per feed, rooms lost when the server goes down), with deterministic SDP strings and
 * ids, and hooks to drive what a browser or Janus would do (`feedUp`, `hangup`, `talk`, `setAvailable`).
 */
import { AppError } from "../errors.ts";
import type { MediaEvent, MediaKind, MediaRoom, MediaServer, StreamSetting, SubscribedStream, SubscriberOffer } from "./media-server.ts";

export interface FakePublisher {
  participantId: string;
  kind: MediaKind;
  feedId: number;
  display: string;
  up: boolean;
}

export interface FakeSubscription {
  feeds: number[];
  streams: SubscribedStream[];
  awaitingAnswer: boolean;
  answers: string[];
  /** Every `configureStreams` call, in order. */
  configured: StreamSetting[][];
}

export interface FakeMediaRoom extends MediaRoom {
  readonly key: string;
  readonly destroyed: boolean;
  readonly recording: { on: boolean; dir: string | null };
  readonly keyframeRequests: number;
  /** The publishers asked for a keyframe one at a time (`participantId:kind`), in order. */
  readonly keyframesFor: readonly string[];
  /** Participants whose camera audio a host muted (the SFU forwards none of it). */
  readonly audioMuted: ReadonlySet<string>;
  publishers(): FakePublisher[];
  subscription(participantId: string): FakeSubscription | null;
  /** The publisher's WebRTC came up: emits feed-up. */
  feedUp(feedId: number): void;
  /** A PeerConnection died on its own: releases it and emits (feed-down and) hangup. */
  hangup(participantId: string, kind: MediaKind | "subscriber", reason?: string): void;
  /** Audio-level detection: emits talking when the state changes. */
  talk(feedId: number, talking: boolean): void;
}

export interface FakeMediaServer extends MediaServer {
  /** Down: every open room is lost and onStatus(false) fires; up again: onStatus(true). */
  setAvailable(up: boolean): void;
  room(key: string): FakeMediaRoom | undefined;
  /** Every room ever opened, in order (destroyed and lost ones too). */
  readonly opened: readonly FakeMediaRoom[];
  /** Makes the next call of `method` (on any room) reject with `error`. */
  failNext(method: "openRoom" | keyof MediaRoom, error: AppError): void;
}

export interface FakeMediaServerOptions {
  /** Emit feed-up right after publish (as if the browser's WebRTC came up at once). Default false. */
  autoFeedUp?: boolean;
  available?: boolean;
}

export function createFakeMediaServer(options: FakeMediaServerOptions = {}): FakeMediaServer {
  let available = options.available ?? true;
  let closed = false;
  let nextRoomId = 1000;
  let nextFeedId = 101;
  const statusListeners = new Set<(up: boolean) => void>();
  const rooms = new Map<string, FakeRoom>();
  const opened: FakeRoom[] = [];
  const failures = new Map<string, AppError>();

  const takeFailure = (method: string) => {
    const error = failures.get(method);
    if (error) failures.delete(method);
    return error;
  };

  class FakeRoom implements FakeMediaRoom {
    readonly janusRoomId = nextRoomId++;
    destroyed = false;
    lost = false;
    recording = { on: false, dir: null as string | null };
    keyframeRequests = 0;
    keyframesFor: string[] = [];
    readonly audioMuted = new Set<string>();
    private readonly pubs = new Map<string, FakePublisher>();
    private readonly subs = new Map<string, FakeSubscription & { nextMid: number; version: number }>();
    private readonly talking = new Set<number>();
    private readonly listeners = new Set<(event: MediaEvent) => void>();

    constructor(readonly key: string) {}

    async publish(participantId: string, kind: MediaKind, offerSdp: string, display: string) {
      this.check("publish");
      if (typeof offerSdp !== "string" || !offerSdp.startsWith("v=")) throw new AppError("INVALID_ARGUMENT", "Media server refused to publish: invalid SDP");
      const previous = this.pubs.get(`${participantId}/${kind}`);
      if (previous) this.release(previous);
      const pub: FakePublisher = { participantId, kind, feedId: nextFeedId++, display, up: false };
      this.pubs.set(`${participantId}/${kind}`, pub);
      if (options.autoFeedUp) queueMicrotask(() => this.pubs.get(`${participantId}/${kind}`) === pub && this.feedUp(pub.feedId));
      return { answerSdp: sdp("answer", `${kind} ${participantId} feed ${pub.feedId}`), feedId: pub.feedId };
    }

    async unpublish(participantId: string, kind: MediaKind) {
      this.check("unpublish");
      const pub = this.pubs.get(`${participantId}/${kind}`);
      if (pub) this.release(pub);
    }

    async subscribe(participantId: string, feedIds: number[]): Promise<SubscriberOffer | null> {
      this.check("subscribe");
      const wanted = [...new Set(feedIds)];
      const sub = this.subs.get(participantId);
      if (sub?.awaitingAnswer) throw new AppError("CONFLICT", "The previous subscriber offer has not been answered yet");
      const current = sub?.feeds ?? [];
      const live = new Set([...this.pubs.values()].filter((p) => p.up).map((p) => p.feedId));
      const add = wanted.filter((f) => !current.includes(f));
      const addable = add.filter((f) => live.has(f));
      const remove = current.filter((f) => !wanted.includes(f));
      if (add.length && !addable.length && !remove.length) {
        throw new AppError("NOT_FOUND", `Feed ${add[0]} is not live (its publisher left, or its WebRTC is not up yet)`);
      }
      if (!addable.length && !remove.length) return null;
      const s = sub ?? { feeds: [], streams: [], awaitingAnswer: false, answers: [], configured: [], nextMid: 0, version: 0 };
      this.subs.set(participantId, s);
      s.feeds = [...current.filter((f) => !remove.includes(f)), ...addable];
      s.streams = [
        ...s.streams.filter((st) => !remove.includes(st.feedId)),
        ...addable.flatMap((feedId) => (["audio", "video"] as const).map((type) => ({ mid: String(s.nextMid++), feedId, type }))),
      ];
      s.awaitingAnswer = true;
      s.version++;
      return { offerSdp: sdp("offer", `subscriber ${participantId} v${s.version} feeds ${s.feeds.join(",")}`), streams: s.streams.map((st) => ({ ...st })) };
    }

    async configureStreams(participantId: string, settings: StreamSetting[]) {
      this.check("configureStreams");
      const sub = this.subs.get(participantId);
      if (!sub) throw new AppError("NOT_FOUND", "There is no subscription to configure");
      const mids = new Set(sub.streams.map((st) => st.mid));
      const known = settings.filter((st) => mids.has(st.mid)).map((st) => ({ ...st }));
      if (known.length) sub.configured.push(known);
    }

    async answer(participantId: string, answerSdp: string) {
      this.check("answer");
      const sub = this.subs.get(participantId);
      if (!sub) throw new AppError("NOT_FOUND", "There is no subscription to answer");
      if (!sub.awaitingAnswer) throw new AppError("CONFLICT", "No subscriber offer is waiting for an answer");
      sub.awaitingAnswer = false;
      sub.answers.push(answerSdp);
    }

    async leave(participantId: string) {
      const error = takeFailure("leave");
      if (error) throw error;
      for (const pub of [...this.pubs.values()]) if (pub.participantId === participantId) this.release(pub);
      this.subs.delete(participantId);
      this.audioMuted.delete(participantId);
    }

    async muteAudio(participantId: string, muted: boolean) {
      this.check("muteAudio");
      if (muted) this.audioMuted.add(participantId);
      else this.audioMuted.delete(participantId);
    }

    async requestKeyframes(only?: { participantId: string; kind: MediaKind }) {
      this.check("requestKeyframes");
      this.keyframeRequests++;
      if (only) this.keyframesFor.push(`${only.participantId}:${only.kind}`);
    }

    async setRecording(on: boolean, dir: string) {
      this.check("setRecording");
      if (on && !dir.startsWith("/")) throw new AppError("INVALID_ARGUMENT", "The recording folder must be an absolute path");
      this.recording = { on, dir: on ? dir : this.recording.dir };
    }

    onEvent(listener: (event: MediaEvent) => void) {
      this.listeners.add(listener);
      return () => void this.listeners.delete(listener);
    }

    async destroy() {
      if (this.destroyed || this.lost) return;
      for (const pub of [...this.pubs.values()]) this.release(pub);
      this.subs.clear();
      this.destroyed = true;
      this.listeners.clear();
      if (rooms.get(this.key) === this) rooms.delete(this.key);
    }

    publishers() {
      return [...this.pubs.values()].map((p) => ({ ...p }));
    }

    subscription(participantId: string) {
      const s = this.subs.get(participantId);
      return s ? { feeds: [...s.feeds], streams: s.streams.map((st) => ({ ...st })), awaitingAnswer: s.awaitingAnswer, answers: [...s.answers], configured: s.configured.map((c) => c.map((st) => ({ ...st }))) } : null;
    }

    feedUp(feedId: number) {
      const pub = [...this.pubs.values()].find((p) => p.feedId === feedId);
      if (!pub || pub.up) return;
      pub.up = true;
      this.emit({ type: "feed-up", feedId, participantId: pub.participantId, kind: pub.kind });
    }

    hangup(participantId: string, kind: MediaKind | "subscriber", reason = "DTLS alert") {
      if (kind === "subscriber") {
        if (!this.subs.delete(participantId)) return;
      } else {
        const pub = this.pubs.get(`${participantId}/${kind}`);
        if (!pub) return;
        this.release(pub);
      }
      this.emit({ type: "hangup", participantId, kind, reason });
    }

    talk(feedId: number, talking: boolean) {
      const pub = [...this.pubs.values()].find((p) => p.feedId === feedId);
      if (!pub || this.talking.has(feedId) === talking) return;
      if (talking) this.talking.add(feedId);
      else this.talking.delete(feedId);
      this.emit({ type: "talking", feedId, participantId: pub.participantId, talking });
    }

    markLost() {
      this.lost = true;
      this.listeners.clear();
      this.pubs.clear();
      this.subs.clear();
    }

    private release(pub: FakePublisher) {
      this.pubs.delete(`${pub.participantId}/${pub.kind}`);
      if (this.talking.delete(pub.feedId)) this.emit({ type: "talking", feedId: pub.feedId, participantId: pub.participantId, talking: false });
      this.emit({ type: "feed-down", feedId: pub.feedId, participantId: pub.participantId, kind: pub.kind });
    }

    private check(method: string) {
      if (this.destroyed) throw new AppError("UNAVAILABLE", "This media room was closed");
      if (this.lost) throw new AppError("UNAVAILABLE", "The media server connection was lost; open the room again");
      const error = takeFailure(method);
      if (error) throw error;
    }

    private emit(event: MediaEvent) {
      for (const listener of [...this.listeners]) listener(event);
    }
  }

  return {
    get available() {
      return available && !closed;
    },
    get opened() {
      return opened;
    },
    async openRoom(key: string) {
      const error = takeFailure("openRoom");
      if (error) throw error;
      if (closed) throw new AppError("UNAVAILABLE", "The media server is shut down");
      if (!available) throw new AppError("UNAVAILABLE", "The media server is not reachable right now");
      let room = rooms.get(key);
      if (!room) {
        room = new FakeRoom(key);
        rooms.set(key, room);
        opened.push(room);
      }
      return room;
    },
    onStatus(listener) {
      statusListeners.add(listener);
      return () => void statusListeners.delete(listener);
    },
    setAvailable(up: boolean) {
      if (up === available) return;
      available = up;
      if (!up) {
        for (const room of rooms.values()) room.markLost();
        rooms.clear();
      }
      for (const listener of [...statusListeners]) listener(up);
    },
    room(key: string) {
      return rooms.get(key);
    },
    failNext(method, error) {
      failures.set(method, error);
    },
    async close() {
      closed = true;
      for (const room of [...rooms.values()]) await room.destroy();
      statusListeners.clear();
    },
  };
}

/** A small, deterministic SDP whose session name says what it stands for. */
function sdp(type: "offer" | "answer", what: string) {
  return ["v=0", "o=- 1 1 IN IP4 127.0.0.1", `s=fake ${type}: ${what}`, "t=0 0", ""].join("\r\n");
}
