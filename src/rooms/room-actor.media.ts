import type { Logger } from "pino";
import { AppError } from "../errors.ts";
import type { MediaEvent, MediaKind, MediaRoom, MediaServer, StreamSetting } from "../media/index.ts";
import type { Connection } from "./connection.ts";
import { chooseLayer, FALLBACK_US, sameChoice, type LayerChoice, type TileView } from "./layers.ts";
import type { Participant, StreamView } from "./protocol.ts";
import type { ServerMessage, StreamInfo } from "./protocol.ts";

/** What the media part needs from the room actor. */
export interface RoomMediaHost {
  key: string;
  logger: Logger;
  /** The connected participant with this id (its socket may be null while its seat is held). */
  seat(participantId: string): { participant: Participant; conn: Connection | null } | undefined;
  seats(): Iterable<{ participant: Participant; conn: Connection | null }>;
  send(conn: Connection, message: ServerMessage): void;
  broadcast(message: ServerMessage): void;
  /** Milliseconds on the room's clock (paces keyframe requests). */
  now(): number;
  /** Runs `task` in the room's mailbox (results of Janus calls come back through it). */
  post(task: () => unknown, label: string): void;
  /** A publisher's WebRTC came up (recording asks it for a keyframe). */
  onFeedUp?(): void;
  /** The SFU heard a participant start or stop talking (the speaker timeline). */
  onTalking?(participantId: string, talking: boolean): void;
}

interface Feed {
  participantId: string;
  kind: MediaKind;
  up: boolean;
}

interface Subscriber {
  /** An offer is out, waiting for the browser's answer. */
  negotiating: boolean;
  /** That offer, to send again if the socket it went out on dropped before the answer came. */
  offer: { sdp: string; streams: Record<string, StreamInfo> } | null;
  /** Feeds changed while negotiating: renegotiate after the answer. */
  again: boolean;
  /** The m-lines of the answered subscription (what `media.view` may address). */
  active: Record<string, StreamInfo>;
  /** The highest substream the client's link takes now (its latest `media.view` said). */
  cap: 0 | 1 | 2;
  /** The latest view the client reported per video mid. */
  views: Map<string, TileView>;
  /** What Janus was last told per video mid, with the stream it was for. */
  applied: Map<string, { stream: string; choice: LayerChoice }>;
  /** A `configureStreams` call is in flight; `reconfigure` runs again after it. */
  configuring: boolean;
  reconfigure: boolean;
}

const newSubscriber = (): Subscriber => ({ negotiating: false, again: false, offer: null, active: {}, cap: 2, views: new Map(), applied: new Map(), configuring: false, reconfigure: false });
const streamKey = (info: StreamInfo) => `${info.participantId}/${info.kind}/${info.media}`;

/**
 * A publisher is asked for a keyframe on a receiver's behalf at most this often, whoever asks: a
 * frozen picture needs one, a client asking in a loop gets no more than Janus's own PLI pacing.
 */
export const KEYFRAME_INTERVAL_MS = 1_000;

const errorCode = (err: unknown) => (err instanceof AppError ? err.code : "UNAVAILABLE");
const errorMessage = (err: unknown) => (err instanceof AppError ? err.message : "The media server failed");

/**
 * The room's SFU side: one Janus room per meeting, a publisher per camera or screen, and one
 * multistream subscriber per participant that is renegotiated (one offer at a time) whenever feeds
 * come or go. Janus calls run outside the mailbox; their results are applied inside it.
 */
export function createRoomMedia(media: MediaServer, host: RoomMediaHost) {
  const log = host.logger;
  let room: MediaRoom | null = null;
  let opening: Promise<MediaRoom | null> | null = null;
  let stopEvents: (() => void) | null = null;
  let disposed = false;
  const feeds = new Map<number, Feed>();
  const subscribers = new Map<string, Subscriber>();
  /** The room is being recorded: the recording takes every camera's top layer. */
  let recordingOn = false;
  /** The highest camera layer each publisher was last told anyone receives (`media.layers`). */
  const toldLayers = new Map<string, 0 | 1 | 2>();
  /**
   * Who is talking now, as Janus last said (null once they stopped). Janus says it only when talking
   * starts, so someone who joins meanwhile is told at once rather than at the next pause.
   */
  let talkingNow: string | null = null;
  /** When each publisher (`participantId/kind`) was last asked for a keyframe for a receiver. */
  const keyframeAskedAt = new Map<string, number>();

  function open(): Promise<MediaRoom | null> {
    if (room) return Promise.resolve(room);
    opening ??= media
      .openRoom(host.key)
      .then((r) => {
        if (disposed) {
          void r.destroy();
          return null;
        }
        room = r;
        stopEvents = r.onEvent((e) => host.post(() => onEvent(r, e), `media ${e.type}`));
        return r;
      })
      .catch((err) => {
        log.warn({ err }, "could not open the media room");
        return null;
      })
      .finally(() => {
        opening = null;
      });
    return opening;
  }

  const stopStatus = media.onStatus((up) =>
    host.post(() => {
      if (up) return restart();
      // Janus went away: every handle is gone. Forget them; clients hear it when it is back.
      stopEvents?.();
      stopEvents = null;
      room = null;
      feeds.clear();
      subscribers.clear();
      toldLayers.clear();
      talkingNow = null;
      for (const { participant } of host.seats()) participant.publishing = { camera: false, screen: false };
    }, "media status"),
  );

  /** Janus is back: a fresh room, and every client publishes and subscribes anew. */
  async function restart() {
    if (disposed) return;
    const r = await open();
    // A host's mutes hold in the new Janus room too.
    for (const { participant } of host.seats()) {
      if (r && participant.audioMutedBy !== null) void r.muteAudio(participant.id, true).catch((err) => log.warn({ err }, "muting again after a restart failed"));
    }
    host.broadcast({ type: "media.restart", available: room !== null });
  }

  function setPublishing(participantId: string, kind: MediaKind, on: boolean) {
    const seat = host.seat(participantId);
    if (!seat || seat.participant.publishing[kind] === on) return;
    seat.participant.publishing[kind] = on;
    host.broadcast({ type: "participant.updated", participant: seat.participant });
  }

  function onEvent(r: MediaRoom, e: MediaEvent) {
    if (r !== room) return;
    switch (e.type) {
      case "feed-up": {
        const feed = feeds.get(e.feedId);
        if (!feed) return;
        feed.up = true;
        setPublishing(e.participantId, e.kind, true);
        host.onFeedUp?.();
        updatePublisherLayers();
        return renegotiateAll(e.participantId);
      }
      case "feed-down": {
        if (!feeds.delete(e.feedId)) return;
        if (e.kind === "camera" && ![...feeds.values()].some((f) => f.participantId === e.participantId && f.kind === "camera")) toldLayers.delete(e.participantId);
        updatePublisherLayers();
        if (![...feeds.values()].some((f) => f.participantId === e.participantId && f.kind === e.kind)) setPublishing(e.participantId, e.kind, false);
        return renegotiateAll(e.participantId);
      }
      case "talking":
        if (e.talking) talkingNow = e.participantId;
        else if (talkingNow === e.participantId) talkingNow = null;
        host.onTalking?.(e.participantId, e.talking);
        if (e.talking && host.seat(e.participantId)) host.broadcast({ type: "speaking", participantId: e.participantId });
        return;
      case "hangup":
        if (e.kind === "subscriber") {
          // The new subscriber starts with Janus's defaults: nothing applied, views reported again.
          subscribers.delete(e.participantId);
          updatePublisherLayers();
          return renegotiate(e.participantId);
        }
        // The browser notices its own PeerConnection failing and publishes again.
        return;
    }
  }

  function wantedFeeds(participantId: string): number[] {
    return [...feeds.entries()].filter(([, f]) => f.up && f.participantId !== participantId).map(([id]) => id);
  }

  function renegotiateAll(except?: string) {
    for (const { participant } of host.seats()) if (participant.id !== except) renegotiate(participant.id);
  }

  /** Brings the participant's subscription up to date: one offer out at a time. */
  function renegotiate(participantId: string) {
    const r = room;
    const seat = host.seat(participantId);
    if (!r || !seat?.conn) return;
    const sub = subscribers.get(participantId) ?? newSubscriber();
    subscribers.set(participantId, sub);
    if (sub.negotiating) {
      sub.again = true;
      return;
    }
    sub.negotiating = true;
    sub.again = false;
    r.subscribe(participantId, wantedFeeds(participantId)).then(
      (offer) =>
        host.post(() => {
          const current = host.seat(participantId);
          if (!offer || !current?.conn || r !== room) {
            sub.negotiating = false;
            if (sub.again) renegotiate(participantId);
            return;
          }
          const streams: Record<string, StreamInfo> = {};
          for (const s of offer.streams) {
            const feed = feeds.get(s.feedId);
            if (feed) streams[s.mid] = { participantId: feed.participantId, kind: feed.kind, media: s.type };
          }
          sub.offer = { sdp: offer.offerSdp, streams };
          host.send(current.conn, { type: "media.offer", ...sub.offer });
        }, "media offer"),
      (err) =>
        host.post(() => {
          sub.negotiating = false;
          // NOT_FOUND: a feed went away meanwhile; its feed-down brings another round.
          if (errorCode(err) !== "NOT_FOUND") log.warn({ err, participantId }, "subscribe failed");
          if (sub.again) renegotiate(participantId);
        }, "media offer failed"),
    );
  }

  /** The answered subscription's m-lines; a mid that now carries another stream forgets its view. */
  function activate(sub: Subscriber, streams: Record<string, StreamInfo>) {
    for (const [mid, info] of Object.entries(sub.active)) {
      const now = streams[mid];
      if (!now || streamKey(now) !== streamKey(info)) {
        sub.views.delete(mid);
        sub.applied.delete(mid);
      }
    }
    sub.active = streams;
  }

  /** Tells Janus what changed in the participant's wanted layers; one call in flight per participant. */
  function applyViews(participantId: string) {
    const r = room;
    const sub = subscribers.get(participantId);
    if (!r || !sub) return;
    if (sub.configuring) {
      sub.reconfigure = true;
      return;
    }
    const changes: { mid: string; stream: string; choice: LayerChoice }[] = [];
    for (const [mid, view] of sub.views) {
      const info = sub.active[mid];
      if (!info || info.media !== "video") continue;
      const choice = chooseLayer(info.kind, view, sub.cap);
      const before = sub.applied.get(mid);
      if (before && before.stream === streamKey(info) && sameChoice(before.choice, choice)) continue;
      changes.push({ mid, stream: streamKey(info), choice });
    }
    if (!changes.length) return;
    sub.configuring = true;
    sub.reconfigure = false;
    const settings: StreamSetting[] = changes.map(({ mid, choice }) => ({ mid, ...choice, ...(choice.send ? { fallbackUs: FALLBACK_US } : {}) }));
    r.configureStreams(participantId, settings).then(
      () =>
        host.post(() => {
          sub.configuring = false;
          for (const c of changes) if (sub.active[c.mid] && streamKey(sub.active[c.mid]!) === c.stream) sub.applied.set(c.mid, { stream: c.stream, choice: c.choice });
          if (sub.reconfigure && subscribers.get(participantId) === sub) applyViews(participantId);
        }, "media layers set"),
      (err) =>
        host.post(() => {
          sub.configuring = false;
          // NOT_FOUND: the subscriber went away meanwhile; the next report applies to the new one.
          if (errorCode(err) !== "NOT_FOUND") log.warn({ err, participantId }, "setting media layers failed");
          if (sub.reconfigure && subscribers.get(participantId) === sub) applyViews(participantId);
        }, "media layers failed"),
    );
  }

  /**
   * The highest layer of each camera that someone receives: a subscriber that has not reported its
   * tiles yet gets Janus's default (the top), a paused tile needs nothing, a recording needs the top.
   */
  function neededLayers(): Map<string, 0 | 1 | 2> {
    const need = new Map<string, 0 | 1 | 2>();
    for (const f of feeds.values()) if (f.kind === "camera") need.set(f.participantId, recordingOn ? 2 : 0);
    if (recordingOn) return need;
    for (const sub of subscribers.values()) {
      for (const [mid, info] of Object.entries(sub.active)) {
        if (info.media !== "video" || info.kind !== "camera" || !need.has(info.participantId)) continue;
        const view = sub.views.get(mid);
        const choice = view ? chooseLayer("camera", view, sub.cap) : { send: true, substream: 2 as const };
        const layer = choice.send ? (choice.substream ?? 2) : 0;
        if (layer > need.get(info.participantId)!) need.set(info.participantId, layer);
      }
    }
    return need;
  }

  /**
   * Tells each camera publisher the highest layer anyone receives, when that changed, so its browser
   * encodes layers nobody watches only warm, at the smallest size (a six-person grid needs only the
   * small one): what the receivers save in decoding, the senders save in encoding.
   */
  function updatePublisherLayers() {
    for (const [participantId, max] of neededLayers()) {
      if (toldLayers.get(participantId) === max) continue;
      const seat = host.seat(participantId);
      if (!seat?.conn) continue;
      toldLayers.set(participantId, max);
      host.send(seat.conn, { type: "media.layers", kind: "camera", max });
    }
  }

  return {
    /**
     * What the participant's tiles show (`media.view`): each received video gets the simulcast layer
     * its tile needs, or none while nobody sees it. Mids that are not received video streams of the
     * current subscription are refused (the report raced a renegotiation: the client sends a new one).
     */
    view(participant: Participant, conn: Connection, streams: StreamView[], cap: 0 | 1 | 2 | undefined, id?: string | number) {
      const sub = subscribers.get(participant.id);
      if (sub) sub.cap = cap ?? 2;
      const unknown: string[] = [];
      for (const v of streams) {
        const info = sub?.active[v.mid];
        if (!sub || !info || info.media !== "video") {
          unknown.push(v.mid);
          continue;
        }
        sub.views.set(v.mid, { visible: v.visible, width: v.width, height: v.height, stage: v.stage ?? false });
      }
      applyViews(participant.id);
      updatePublisherLayers();
      if (unknown.length) {
        const list = unknown.slice(0, 5).join(", ");
        return host.send(conn, { type: "error", code: "NOT_FOUND", message: `Not a received video stream: mid ${list}`, ...(id !== undefined ? { id } : {}) });
      }
      if (id !== undefined) host.send(conn, { type: "ack", id });
    },

    /**
     * A receiver's picture froze (`media.keyframe`): packets of that video keep coming but none
     * decodes, so its publisher is asked for a keyframe now rather than when the browser's own
     * request comes (Chromium waits up to 3 s). Paced per publisher; refused for a mid that is not a
     * received video stream.
     */
    keyframe(participant: Participant, conn: Connection, mid: string, id?: string | number) {
      const info = subscribers.get(participant.id)?.active[mid];
      if (!info || info.media !== "video") return host.send(conn, { type: "error", code: "NOT_FOUND", message: `Not a received video stream: mid ${mid}`, ...(id !== undefined ? { id } : {}) });
      const key = `${info.participantId}/${info.kind}`;
      const now = host.now();
      const last = keyframeAskedAt.get(key);
      if (room && (last === undefined || now - last >= KEYFRAME_INTERVAL_MS)) {
        keyframeAskedAt.set(key, now);
        void room.requestKeyframes({ participantId: info.participantId, kind: info.kind }).catch((err) => log.debug({ err }, "keyframe request failed"));
      }
      if (id !== undefined) host.send(conn, { type: "ack", id });
    },

    /** Opens the Janus room; the room works without media if it cannot. */
    async start() {
      if (media.available) await open();
    },
    get available() {
      return room !== null;
    },

    /** A participant's offer for its camera or screen; the answer goes back on its socket. */
    publish(participant: Participant, conn: Connection, kind: MediaKind, sdp: string, id?: string | number) {
      void open().then((r) => {
        if (!r) return host.post(() => host.send(conn, { type: "error", code: "UNAVAILABLE", message: "Media is unavailable in this meeting", ...(id !== undefined ? { id } : {}) }), "media unavailable");
        return r.publish(participant.id, kind, sdp, participant.name).then(
          ({ answerSdp, feedId }) =>
            host.post(() => {
              for (const [fid, f] of feeds) if (f.participantId === participant.id && f.kind === kind) feeds.delete(fid);
              feeds.set(feedId, { participantId: participant.id, kind, up: false });
              // A new publisher PeerConnection encodes every layer until told otherwise.
              if (kind === "camera") toldLayers.delete(participant.id);
              host.send(conn, { type: "media.answer", kind, sdp: answerSdp, ...(id !== undefined ? { id } : {}) });
            }, "media answer"),
          (err) => host.post(() => host.send(conn, { type: "error", code: errorCode(err), message: errorMessage(err), ...(id !== undefined ? { id } : {}) }), "publish failed"),
        );
      });
    },

    /** The browser's answer to the latest `media.offer`. */
    answer(participant: Participant, conn: Connection, sdp: string, id?: string | number) {
      const r = room;
      const sub = subscribers.get(participant.id);
      if (!r || !sub?.negotiating) {
        host.send(conn, { type: "error", code: "CONFLICT", message: "No media offer is waiting for an answer", ...(id !== undefined ? { id } : {}) });
        return;
      }
      r.answer(participant.id, sdp).then(
        () =>
          host.post(() => {
            sub.negotiating = false;
            if (sub.offer) activate(sub, sub.offer.streams);
            sub.offer = null;
            if (id !== undefined) host.send(conn, { type: "ack", id });
            if (sub.again) renegotiate(participant.id);
            applyViews(participant.id);
            updatePublisherLayers();
          }, "media answered"),
        (err) =>
          host.post(() => {
            sub.negotiating = false;
            sub.offer = null;
            host.send(conn, { type: "error", code: errorCode(err), message: errorMessage(err), ...(id !== undefined ? { id } : {}) });
            // The adapter dropped the subscriber; build a fresh one.
            renegotiate(participant.id);
          }, "media answer failed"),
      );
    },

    /** Turns Janus recording of the room on (into `dir`) or off; keyframes follow ~500 ms after. */
    async record(on: boolean, dir: string) {
      const r = room ?? (await open());
      if (!r) throw new AppError("UNAVAILABLE", "Media is unavailable in this meeting, so it cannot be recorded");
      // The recording takes each camera's top layer: every publisher encodes it again while it runs
      // (the keyframes asked for ~500 ms after recording starts bring it into the files).
      host.post(() => {
        recordingOn = on;
        updatePublisherLayers();
      }, "recording layers");
      await r.setRecording(on, dir);
    },

    /** A host's mute (or its end), enforced by the SFU; resolves once Janus applied it. */
    async muteAudio(participantId: string, muted: boolean) {
      const r = room ?? (await open());
      await r?.muteAudio(participantId, muted);
    },

    async requestKeyframes() {
      await room?.requestKeyframes().catch((err) => log.warn({ err }, "keyframe request failed"));
    },

    unpublish(participant: Participant, kind: MediaKind) {
      void room?.unpublish(participant.id, kind).catch((err) => log.warn({ err }, "unpublish failed"));
    },

    /** A participant joined, or came back on a new socket: it needs the feeds already up. */
    joined(participantId: string) {
      const sub = subscribers.get(participantId);
      const seat = host.seat(participantId);
      if (talkingNow !== null && talkingNow !== participantId && seat?.conn && host.seat(talkingNow)) host.send(seat.conn, { type: "speaking", participantId: talkingNow });
      // Back before answering: Janus still waits for that answer, so the same offer goes out again.
      if (sub?.negotiating && sub.offer && seat?.conn) return host.send(seat.conn, { type: "media.offer", ...sub.offer });
      renegotiate(participantId);
    },

    /** A participant left: its handles go, and with them its feeds (feed-down follows). */
    left(participantId: string) {
      subscribers.delete(participantId);
      if (talkingNow === participantId) talkingNow = null;
      for (const key of keyframeAskedAt.keys()) if (key.startsWith(`${participantId}/`)) keyframeAskedAt.delete(key);
      toldLayers.delete(participantId);
      updatePublisherLayers();
      void room?.leave(participantId).catch((err) => log.warn({ err }, "leaving the media room failed"));
    },

    async dispose() {
      disposed = true;
      stopStatus();
      stopEvents?.();
      const r = room ?? (await opening);
      room = null;
      feeds.clear();
      subscribers.clear();
      await r?.destroy().catch((err) => log.warn({ err }, "destroying the media room failed"));
    },
  };
}

export type RoomMedia = ReturnType<typeof createRoomMedia>;
