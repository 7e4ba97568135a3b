import type { Logger } from "pino";
import { AppError } from "../errors.ts";
import type { MediaEvent, MediaKind, MediaRoom, MediaServer } from "../media/index.ts";
import type { Connection } from "./connection.ts";
import type { Participant } from "./protocol.ts";
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
}

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
        return renegotiateAll(e.participantId);
      }
      case "feed-down": {
        if (!feeds.delete(e.feedId)) return;
        if (![...feeds.values()].some((f) => f.participantId === e.participantId && f.kind === e.kind)) setPublishing(e.participantId, e.kind, false);
        return renegotiateAll(e.participantId);
      }
      case "talking":
        host.onTalking?.(e.participantId, e.talking);
        if (e.talking && host.seat(e.participantId)) host.broadcast({ type: "speaking", participantId: e.participantId });
        return;
      case "hangup":
        if (e.kind === "subscriber") {
          subscribers.delete(e.participantId);
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
    const sub = subscribers.get(participantId) ?? { negotiating: false, again: false, offer: null };
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

  return {
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
            sub.offer = null;
            if (id !== undefined) host.send(conn, { type: "ack", id });
            if (sub.again) renegotiate(participant.id);
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
      // Back before answering: Janus still waits for that answer, so the same offer goes out again.
      if (sub?.negotiating && sub.offer && seat?.conn) return host.send(seat.conn, { type: "media.offer", ...sub.offer });
      renegotiate(participantId);
    },

    /** A participant left: its handles go, and with them its feeds (feed-down follows). */
    left(participantId: string) {
      subscribers.delete(participantId);
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
