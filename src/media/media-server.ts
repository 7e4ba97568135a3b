/**
 * The media layer's contract: what a room actor may ask of the SFU. One `MediaServer` per process
 * (the Janus adapter, or the in-memory fake in tests); one `MediaRoom` per live meeting, driven by
 * that meeting's room actor. SDP is exchanged whole (non-trickle): the browser waits for ICE
 * gathering before sending an offer or answer, and so does the server.
 *
 * Every method rejects only with `AppError` (`UNAVAILABLE` when Janus is unreachable or the room
 * is gone, `NOT_FOUND`, `CONFLICT`, `INVALID_ARGUMENT` for what Janus refused).
 */

/** What a participant publishes: one publisher handle (and PeerConnection) per kind. */
export type MediaKind = "camera" | "screen";

/** One m-line of a participant's subscriber PeerConnection. */
export interface SubscribedStream {
  mid: string;
  feedId: number;
  type: "audio" | "video";
}

export interface SubscriberOffer {
  /** A complete offer for the participant's subscriber PeerConnection; answer it with `answer()`. */
  offerSdp: string;
  /** The active m-lines of that offer (inactive ones are left out). */
  streams: SubscribedStream[];
}

/**
 * What the SFU should send on one video m-line of a participant's subscriber PeerConnection
 * (VideoRoom subscriber `configure` of that `mid`). Audio m-lines are never configured: audio always flows.
 */
export interface StreamSetting {
  mid: string;
  /** false: forward nothing on this m-line (a tile nobody sees); true resumes it with a keyframe. */
  send: boolean;
  /** Simulcast substream (0 lowest … 2 highest). */
  substream?: 0 | 1 | 2;
  /** VP8 temporal layer (0 … 2, 2 = every frame). */
  temporal?: 0 | 1 | 2;
  /** Drop to the substream below after this long without packets of the chosen one (microseconds). */
  fallbackUs?: number;
}

export type MediaEvent =
  /** A publisher's WebRTC is up: its feed can now be subscribed to. */
  | { type: "feed-up"; feedId: number; participantId: string; kind: MediaKind }
  /**
   * A feed that was published is gone (hung up, unpublished, its participant left or the room was
   * destroyed). Emitted exactly once per feed, whether or not it ever came up.
   */
  | { type: "feed-down"; feedId: number; participantId: string; kind: MediaKind }
  /** Active-speaker changes from the room's audio-level detection (deduplicated per feed). */
  | { type: "talking"; feedId: number; participantId: string; talking: boolean }
  /**
   * A PeerConnection ended without being asked to (ICE failure, DTLS alert, the browser closed it).
   * Its handle is already released: a publisher must publish again, a subscriber is recreated by
   * the next `subscribe()`.
   */
  | { type: "hangup"; participantId: string; kind: MediaKind | "subscriber"; reason: string };

export interface MediaRoom {
  /** Janus's numeric room id (for recordings' file names: `videoroom-<room>-user-<feed>-…`). */
  readonly janusRoomId: number;
  /**
   * Publishes the participant's camera or screen from a complete SDP offer; returns Janus's answer
   * and the new feed id. Publishing a kind that is already published replaces the old feed.
   */
  publish(participantId: string, kind: MediaKind, offerSdp: string, display: string): Promise<{ answerSdp: string; feedId: number }>;
  /** Stops one published kind (no-op if it is not published). */
  unpublish(participantId: string, kind: MediaKind): Promise<void>;
  /**
   * Makes the participant's single multistream subscription equal to `feedIds` (its own feeds are
   * the caller's business to leave out). Creates the subscriber on the first call with live feeds,
   * later renegotiates. Returns the offer to forward to the browser, or null when nothing changed
   * (or there is nothing to subscribe to). Feeds that are not live (publisher not up yet, or gone)
   * are skipped; if every requested change is impossible it rejects with `NOT_FOUND`.
   * One negotiation at a time: until `answer()` for the previous offer, it rejects with `CONFLICT`.
   */
  subscribe(participantId: string, feedIds: number[]): Promise<SubscriberOffer | null>;
  /**
   * Sets what the SFU forwards on some of the participant's subscribed video m-lines (simulcast layer,
   * or nothing at all). Mids not in its subscription are ignored. Rejects with `NOT_FOUND` when the
   * participant has no subscriber.
   */
  configureStreams(participantId: string, settings: StreamSetting[]): Promise<void>;
  /** Completes the latest subscriber offer with the browser's complete SDP answer. */
  answer(participantId: string, answerSdp: string): Promise<void>;
  /** Releases every handle of the participant (publishers and subscriber). Idempotent. */
  leave(participantId: string): Promise<void>;
  /**
   * A host's mute, enforced by the SFU (VideoRoom `moderate`): while muted, the participant's camera
   * audio is not forwarded to anyone, whatever their browser sends. It holds for the participant, so
   * a camera published again later starts muted too. Idempotent.
   */
  muteAudio(participantId: string, muted: boolean): Promise<void>;
  /**
   * Asks every publisher for a keyframe (do it ~500 ms after turning recording on), or only the one
   * publishing `only` (a receiver whose picture froze). Publishers that are gone are skipped.
   */
  requestKeyframes(only?: { participantId: string; kind: MediaKind }): Promise<void>;
  /**
   * Turns room recording on (each stream to its own `.mjr` in `dir`, which Janus must be able to
   * write) or off. Follow `setRecording(true, …)` with `requestKeyframes()` ~500 ms later, or the
   * video files can start without a keyframe.
   */
  setRecording(on: boolean, dir: string): Promise<void>;
  /** Subscribes to the room's events; returns the unsubscribe function. */
  onEvent(listener: (event: MediaEvent) => void): () => void;
  /** Destroys the Janus room and releases every handle; later calls reject with `UNAVAILABLE`. Idempotent. */
  destroy(): Promise<void>;
}

export interface MediaServer {
  /**
   * Opens the SFU room for a meeting (`key` = meeting code). Concurrent calls for one key share one
   * room; after `destroy()` a new call opens a new one. Rejects with `UNAVAILABLE` while the media
   * server is down.
   */
  openRoom(key: string): Promise<MediaRoom>;
  /** Whether the media server is reachable right now. */
  readonly available: boolean;
  /**
   * Called with `false` when the media server goes away and `true` when it is back. `true` after a
   * `false` means every `MediaRoom` opened before is gone (its calls reject with `UNAVAILABLE`):
   * owners must open their room again and have their participants publish and subscribe anew.
   * Returns the unsubscribe function.
   */
  onStatus(listener: (up: boolean) => void): () => void;
  /** Destroys every room and disconnects; nothing keeps running afterwards. */
  close(): Promise<void>;
  /**
   * How long before a `talking` event the speech began: the SFU says so only after a whole window
   * of loud audio (0 or absent: at once). The speaker timeline starts segments that much earlier.
   */
  readonly talkingLeadMs?: number;
}
