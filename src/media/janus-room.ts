/**
 * One meeting's VideoRoom on Janus, driven through janode: per participant a publisher handle per
 * kind and one multistream subscriber handle. Calls for one participant run one after another;
 * Janus and janode errors become AppErrors here (see janus-errors.ts).
 */
import Janode, { type Jsep, type JanodeSession } from "janode";
import VideoRoomPlugin, { type JanusStream, type VideoRoomHandle } from "janode/plugins/videoroom";
import { isAbsolute } from "node:path";
import type { Logger } from "pino";
import { AppError } from "../errors.ts";
import { missingFeed, toAppError, withTimeout } from "./janus-errors.ts";
import type { MediaEvent, MediaKind, MediaRoom, StreamSetting, SubscribedStream, SubscriberOffer } from "./media-server.ts";

export interface JanusRoomDeps {
  janusRoomId: number;
  /** The room's own secret (set at create): Janus asks for it to edit, record or destroy the room. */
  secret: string;
  key: string;
  session: JanodeSession;
  manager: VideoRoomHandle;
  logger: Logger;
  requestTimeoutMs: number;
  /** Called once when the room is destroyed or lost, so the server forgets it. */
  onClosed: () => void;
}

interface Publisher {
  participantId: string;
  kind: MediaKind;
  handle: VideoRoomHandle;
  feedId: number;
  /** The audio m-line's mid in the publisher's offer (what `moderate` addresses), if it sends audio. */
  audioMid: string | null;
  up: boolean;
  closing: boolean;
}

interface Subscriber {
  handle: VideoRoomHandle;
  feeds: Set<number>;
  /** The active video m-lines of the latest offer (what `configureStreams` may address). */
  videoMids: Set<string>;
  awaitingAnswer: boolean;
  closing: boolean;
}

interface Participant {
  id: string;
  publishers: Map<MediaKind, Publisher>;
  subscriber: Subscriber | null;
}

const DETACH_TIMEOUT_MS = 3_000;

export class JanusRoom implements MediaRoom {
  readonly janusRoomId: number;
  private readonly participants = new Map<string, Participant>();
  private readonly feeds = new Map<number, Publisher>();
  private readonly talking = new Set<number>();
  /** Participants a host muted: their camera audio is moderated, on every camera they publish. */
  private readonly audioMuted = new Set<string>();
  private readonly listeners = new Set<(event: MediaEvent) => void>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private closedReason: string | null = null;
  private destroying: Promise<void> | null = null;

  constructor(private readonly d: JanusRoomDeps) {
    this.janusRoomId = d.janusRoomId;
  }

  publish(participantId: string, kind: MediaKind, offerSdp: string, display: string) {
    return this.serial(participantId, async () => {
      if (typeof offerSdp !== "string" || !offerSdp.trim()) throw new AppError("INVALID_ARGUMENT", "An SDP offer is required");
      const p = this.participant(participantId);
      const previous = p.publishers.get(kind);
      if (previous) await this.releasePublisher(p, previous);

      const handle = await this.call(this.d.session.attach(VideoRoomPlugin), "open a publisher");
      const pub: Publisher = { participantId, kind, handle, feedId: 0, audioMid: kind === "camera" ? audioMidOf(offerSdp) : null, up: false, closing: false };
      this.watchPublisher(p, pub);
      try {
        const joined = await this.call(
          handle.joinConfigurePublisher({ room: this.janusRoomId, display, jsep: offer(offerSdp) }),
          `publish ${kind}`,
        );
        if (!joined.jsep?.sdp) throw new AppError("INTERNAL", "Media server sent no SDP answer");
        this.ensureOpen();
        pub.feedId = joined.feed;
        p.publishers.set(kind, pub);
        this.feeds.set(pub.feedId, pub);
        // A host muted this person earlier: the new camera starts muted in Janus too.
        if (this.audioMuted.has(participantId)) await this.moderate(pub, true);
        return { answerSdp: joined.jsep.sdp, feedId: pub.feedId };
      } catch (err) {
        pub.closing = true;
        void this.detach(handle);
        throw err;
      }
    });
  }

  unpublish(participantId: string, kind: MediaKind) {
    return this.serial(participantId, async () => {
      const p = this.participants.get(participantId);
      const pub = p?.publishers.get(kind);
      if (p && pub) await this.releasePublisher(p, pub);
    });
  }

  subscribe(participantId: string, feedIds: number[]) {
    return this.serial(participantId, async (): Promise<SubscriberOffer | null> => {
      if (!Array.isArray(feedIds) || !feedIds.every((f) => Number.isSafeInteger(f) && f > 0)) {
        throw new AppError("INVALID_ARGUMENT", "Feed ids must be positive integers");
      }
      const wanted = [...new Set(feedIds)];
      const p = this.participant(participantId);
      if (!p.subscriber) return wanted.length ? this.createSubscriber(p, wanted) : null;

      const sub = p.subscriber;
      if (sub.awaitingAnswer) throw new AppError("CONFLICT", "The previous subscriber offer has not been answered yet");
      let add = wanted.filter((f) => !sub.feeds.has(f));
      const remove = [...sub.feeds].filter((f) => !wanted.includes(f));
      for (;;) {
        if (!add.length && !remove.length) return null;
        try {
          // Janus refuses an empty `subscribe` or `unsubscribe` array (430): leave the key out.
          const updated = await this.call(
            sub.handle.update({
              ...(add.length ? { subscribe: add.map((feed) => ({ feed })) } : {}),
              ...(remove.length ? { unsubscribe: remove.map((feed) => ({ feed })) } : {}),
            }),
            "update the subscription",
          );
          this.ensureOpen();
          for (const f of remove) sub.feeds.delete(f);
          for (const f of add) sub.feeds.add(f);
          if (!updated.jsep?.sdp) return null;
          sub.awaitingAnswer = true;
          const streams = toStreams(updated.streams);
          sub.videoMids = videoMidsOf(streams);
          return { offerSdp: updated.jsep.sdp, streams };
        } catch (err) {
          add = this.withoutMissingFeed(add, err, !remove.length);
        }
      }
    });
  }

  configureStreams(participantId: string, settings: StreamSetting[]) {
    return this.serial(participantId, async () => {
      const sub = this.participants.get(participantId)?.subscriber;
      if (!sub) throw new AppError("NOT_FOUND", "There is no subscription to configure");
      // Janus refuses the whole request over one mid it does not know (a renegotiation raced the report).
      const streams = settings.filter((s) => sub.videoMids.has(s.mid)).map((s) => ({
        mid: s.mid,
        send: s.send,
        // Resuming a paused m-line: the decoder needs a keyframe before it can show anything.
        ...(s.send ? { keyframe: true } : {}),
        ...(s.substream !== undefined ? { substream: s.substream } : {}),
        ...(s.temporal !== undefined ? { temporal: s.temporal } : {}),
        ...(s.fallbackUs !== undefined ? { fallback: s.fallbackUs } : {}),
      }));
      if (!streams.length) return;
      await this.call(sub.handle.configure({ streams }), "configure the subscription");
    });
  }

  answer(participantId: string, answerSdp: string) {
    return this.serial(participantId, async () => {
      const sub = this.participants.get(participantId)?.subscriber;
      if (!sub) throw new AppError("NOT_FOUND", "There is no subscription to answer");
      if (!sub.awaitingAnswer) throw new AppError("CONFLICT", "No subscriber offer is waiting for an answer");
      if (typeof answerSdp !== "string" || !answerSdp.trim()) throw new AppError("INVALID_ARGUMENT", "An SDP answer is required");
      try {
        await this.call(sub.handle.start({ jsep: { type: "answer", sdp: answerSdp, trickle: false } }), "start the subscription");
        sub.awaitingAnswer = false;
      } catch (err) {
        // Janus is left waiting for an answer it will not get: start over with a fresh subscriber.
        const p = this.participants.get(participantId);
        if (p?.subscriber === sub) await this.releaseSubscriber(p);
        throw err;
      }
    });
  }

  leave(participantId: string) {
    return this.serial(participantId, async () => {
      const p = this.participants.get(participantId);
      if (!p) return;
      this.participants.delete(participantId);
      this.audioMuted.delete(participantId);
      await Promise.all([...[...p.publishers.values()].map((pub) => this.releasePublisher(p, pub)), this.releaseSubscriber(p)]);
    }, { allowClosed: true });
  }

  muteAudio(participantId: string, muted: boolean) {
    return this.serial(participantId, async () => {
      if (muted) this.audioMuted.add(participantId);
      else this.audioMuted.delete(participantId);
      const pub = this.participants.get(participantId)?.publishers.get("camera");
      if (pub) await this.moderate(pub, muted);
    });
  }

  /** Janus stops (or resumes) forwarding the publisher's audio stream, whatever the browser sends. */
  private async moderate(pub: Publisher, mute: boolean) {
    if (pub.audioMid === null) return;
    await this.call(
      this.d.manager.message({ request: "moderate", room: this.janusRoomId, secret: this.d.secret, id: pub.feedId, mid: pub.audioMid, mute }),
      mute ? "mute a participant" : "unmute a participant",
    );
  }

  async requestKeyframes(only?: { participantId: string; kind: MediaKind }) {
    this.ensureOpen();
    const pubs = [...this.feeds.values()].filter((pub) => !only || (pub.participantId === only.participantId && pub.kind === only.kind));
    await Promise.all(
      pubs.map((pub) =>
        withTimeout(pub.handle.configure({ keyframe: true }), this.d.requestTimeoutMs, "keyframe").catch((err) =>
          this.d.logger.debug({ err, feedId: pub.feedId }, "keyframe request failed"),
        ),
      ),
    );
  }

  async setRecording(on: boolean, dir: string) {
    this.ensureOpen();
    if (on) {
      if (typeof dir !== "string" || !isAbsolute(dir)) throw new AppError("INVALID_ARGUMENT", "The recording folder must be an absolute path");
      await this.call(this.d.manager.message({ request: "edit", room: this.janusRoomId, secret: this.d.secret, new_rec_dir: dir }), "set the recording folder");
    }
    await this.call(this.d.manager.enable_recording({ room: this.janusRoomId, secret: this.d.secret, record: on }), on ? "start recording" : "stop recording");
  }

  onEvent(listener: (event: MediaEvent) => void) {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  destroy() {
    this.destroying ??= (async () => {
      const alreadyGone = this.closedReason !== null;
      this.closedReason ??= "This media room was closed";
      const all = [...this.participants.values()];
      this.participants.clear();
      await Promise.all(all.flatMap((p) => [...[...p.publishers.values()].map((pub) => this.releasePublisher(p, pub)), this.releaseSubscriber(p)]));
      if (!alreadyGone) {
        await withTimeout(this.d.manager.destroy({ room: this.janusRoomId, secret: this.d.secret }), this.d.requestTimeoutMs, "destroy room").catch((err) =>
          this.d.logger.debug({ err, room: this.janusRoomId }, "destroying the Janus room failed"),
        );
      }
      this.listeners.clear();
      this.d.onClosed();
    })();
    return this.destroying;
  }

  /** The connection to Janus is gone, and with it every handle and the room itself. */
  markLost() {
    if (this.closedReason !== null) return;
    this.closedReason = "The media server connection was lost; open the room again";
    for (const p of this.participants.values()) {
      for (const pub of p.publishers.values()) pub.closing = true;
      if (p.subscriber) p.subscriber.closing = true;
    }
    this.participants.clear();
    this.feeds.clear();
    this.talking.clear();
    this.listeners.clear();
    this.d.onClosed();
  }

  private async createSubscriber(p: Participant, wanted: number[]): Promise<SubscriberOffer> {
    const handle = await this.call(this.d.session.attach(VideoRoomPlugin), "open a subscriber");
    const sub: Subscriber = { handle, feeds: new Set(), videoMids: new Set(), awaitingAnswer: false, closing: false };
    this.watchSubscriber(p, sub);
    try {
      for (;;) {
        try {
          // Janus's own re-offers (autoupdate) would collide with ours: renegotiate explicitly.
          const joined = await this.call(
            handle.joinSubscriber({ room: this.janusRoomId, streams: wanted.map((feed) => ({ feed })), autoupdate: false }),
            "subscribe",
          );
          this.ensureOpen();
          if (!joined.jsep?.sdp) throw new AppError("INTERNAL", "Media server sent no subscriber offer");
          sub.feeds = new Set(wanted);
          sub.awaitingAnswer = true;
          p.subscriber = sub;
          const streams = toStreams(joined.streams);
          sub.videoMids = videoMidsOf(streams);
          return { offerSdp: joined.jsep.sdp, streams };
        } catch (err) {
          wanted = this.withoutMissingFeed(wanted, err, true);
        }
      }
    } catch (err) {
      sub.closing = true;
      void this.detach(handle);
      throw err;
    }
  }

  /**
   * Janus refuses a whole request over one feed that is not live (428): drop that feed and let the
   * caller retry, or throw when nothing would be left to do.
   */
  private withoutMissingFeed(feeds: number[], err: unknown, nothingElse: boolean): number[] {
    const missing = missingFeed(err);
    if (missing === null || !feeds.includes(missing)) throw err;
    const rest = feeds.filter((f) => f !== missing);
    if (!rest.length && nothingElse) {
      throw new AppError("NOT_FOUND", `Feed ${missing} is not live (its publisher left, or its WebRTC is not up yet)`, { cause: err });
    }
    return rest;
  }

  private watchPublisher(p: Participant, pub: Publisher) {
    const { handle } = pub;
    handle.on(Janode.EVENT.HANDLE_WEBRTCUP, () => {
      if (pub.closing || this.closedReason || pub.up || !pub.feedId) return;
      pub.up = true;
      this.emit({ type: "feed-up", feedId: pub.feedId, participantId: pub.participantId, kind: pub.kind });
    });
    const ended = (reason: string) => {
      if (pub.closing || this.closedReason || p.publishers.get(pub.kind) !== pub) return;
      void this.serial(pub.participantId, async () => {
        if (p.publishers.get(pub.kind) !== pub) return;
        await this.releasePublisher(p, pub);
        this.emit({ type: "hangup", participantId: pub.participantId, kind: pub.kind, reason });
      }).catch((err) => this.d.logger.warn({ err }, "releasing a hung-up publisher failed"));
    };
    handle.on(Janode.EVENT.HANDLE_HANGUP, (data: { reason?: string }) => ended(data?.reason ?? "hangup"));
    handle.on(Janode.EVENT.HANDLE_DETACHED, () => ended("detached by the media server"));
    handle.on(VideoRoomPlugin.EVENT.VIDEOROOM_KICKED, () => ended("kicked"));
    // Janus tells every publisher in the room who is talking: deduplicate per feed.
    handle.on(VideoRoomPlugin.EVENT.VIDEOROOM_TALKING, (data: { feed: number; talking: boolean }) => this.onTalking(data.feed, data.talking));
  }

  private watchSubscriber(p: Participant, sub: Subscriber) {
    const ended = (reason: string) => {
      if (sub.closing || this.closedReason || p.subscriber !== sub) return;
      const participantId = p.id;
      void this.serial(participantId, async () => {
        if (p.subscriber !== sub) return;
        await this.releaseSubscriber(p);
        this.emit({ type: "hangup", participantId, kind: "subscriber", reason });
      }).catch((err) => this.d.logger.warn({ err }, "releasing a hung-up subscriber failed"));
    };
    sub.handle.on(Janode.EVENT.HANDLE_HANGUP, (data: { reason?: string }) => ended(data?.reason ?? "hangup"));
    sub.handle.on(Janode.EVENT.HANDLE_DETACHED, () => ended("detached by the media server"));
  }

  private onTalking(feedId: number, talking: boolean) {
    const pub = this.feeds.get(feedId);
    if (!pub || this.talking.has(feedId) === talking) return;
    if (talking) this.talking.add(feedId);
    else this.talking.delete(feedId);
    this.emit({ type: "talking", feedId, participantId: pub.participantId, talking });
  }

  private async releasePublisher(p: Participant, pub: Publisher) {
    pub.closing = true;
    if (p.publishers.get(pub.kind) === pub) p.publishers.delete(pub.kind);
    if (this.feeds.get(pub.feedId) === pub) {
      this.feeds.delete(pub.feedId);
      if (this.talking.delete(pub.feedId)) this.emit({ type: "talking", feedId: pub.feedId, participantId: pub.participantId, talking: false });
      this.emit({ type: "feed-down", feedId: pub.feedId, participantId: pub.participantId, kind: pub.kind });
    }
    await this.detach(pub.handle);
  }

  private async releaseSubscriber(p: Participant) {
    const sub = p.subscriber;
    if (!sub) return;
    p.subscriber = null;
    sub.closing = true;
    await this.detach(sub.handle);
  }

  private async detach(handle: VideoRoomHandle) {
    await withTimeout(handle.detach(), DETACH_TIMEOUT_MS, "detach").catch(() => undefined);
  }

  private participant(participantId: string): Participant {
    let p = this.participants.get(participantId);
    if (!p) {
      p = { id: participantId, publishers: new Map(), subscriber: null };
      this.participants.set(participantId, p);
    }
    return p;
  }

  private emit(event: MediaEvent) {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (err) {
        this.d.logger.error({ err, event: event.type }, "media event listener failed");
      }
    }
  }

  private ensureOpen() {
    if (this.closedReason !== null) throw new AppError("UNAVAILABLE", this.closedReason);
  }

  private async call<T>(promise: Promise<T>, what: string): Promise<T> {
    try {
      return await withTimeout(promise, this.d.requestTimeoutMs, what);
    } catch (err) {
      throw toAppError(err, what);
    }
  }

  /** Runs `fn` after every earlier call for the same participant has settled. */
  private serial<T>(participantId: string, fn: () => Promise<T>, { allowClosed = false } = {}): Promise<T> {
    const previous = this.queues.get(participantId) ?? Promise.resolve();
    const run = previous.then(() => {
      if (!allowClosed) this.ensureOpen();
      return fn();
    });
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(participantId, settled);
    void settled.then(() => {
      if (this.queues.get(participantId) === settled) this.queues.delete(participantId);
    });
    return run;
  }
}

function offer(sdp: string): Jsep {
  // Complete SDP (the browser waited for ICE gathering): Janus need not wait for trickled candidates.
  return { type: "offer", sdp, trickle: false };
}

/** The mid of the first audio m-line of an SDP offer (browsers number them "0", "1", …). */
export function audioMidOf(sdp: string): string | null {
  const section = sdp.split(/\r?\n(?=m=)/).find((m) => m.startsWith("m=audio"));
  if (!section || /^a=inactive$/m.test(section) || /^m=audio 0 /.test(section)) return null;
  return /^a=mid:(\S+)/m.exec(section)?.[1] ?? null;
}

const videoMidsOf = (streams: SubscribedStream[]) => new Set(streams.filter((s) => s.type === "video").map((s) => s.mid));

function toStreams(streams: JanusStream[] | undefined): SubscribedStream[] {
  return (streams ?? [])
    .filter((s) => s.active !== false && (s.type === "audio" || s.type === "video") && typeof s.feed_id === "number" && typeof s.mid === "string")
    .map((s) => ({ mid: s.mid as string, feedId: s.feed_id as number, type: s.type as "audio" | "video" }));
}
