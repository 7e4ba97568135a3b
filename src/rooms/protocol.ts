/**
 * The room socket's protocol in both directions (DESIGN.md §5): what a client may send (a schema,
 * checked on every frame) and what the server sends (a union type that every send in the room
 * takes), with the close codes. The browser client imports the types from here (type-only).
 */
import { Type as T, type Static } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import type { IceServer } from "../media/index.ts";
import type { RecordingView } from "./room-actor.recording.ts";

export { CLOSE } from "./connection.ts";

/** Frame size limit on the room socket. */
export const MAX_ROOM_FRAME = 64 * 1024;
/** How deeply a room message may nest (the deepest real one nests 3 levels). */
export const MAX_ROOM_DEPTH = 32;
/** Largest notes update accepted. */
export const MAX_NOTES_UPDATE = 1024 * 1024;
export const MAX_CHAT_TEXT = 2000;
export const MAX_NAME = 60;
/** A meeting's title, as the API takes it. */
export const MAX_TITLE = 200;
/** Most tiles one `media.view` may describe (a meeting's subscriber carries far fewer video streams). */
export const MAX_VIEW_STREAMS = 64;
/** Largest tile side a client may report, in device pixels (an 8K screen). */
export const MAX_TILE_PX = 8192;

const Id = T.Optional(T.Union([T.String({ maxLength: 64 }), T.Number()]));
const Name = T.String({ minLength: 1, maxLength: MAX_NAME });
const Sdp = T.String({ minLength: 1, maxLength: 60_000 });
const Kind = T.Union([T.Literal("camera"), T.Literal("screen")]);
const closed = { additionalProperties: false } as const;
const Target = T.String({ minLength: 1, maxLength: 64 });
/** An m-line of the receiver's subscription, as its SDP names it. */
const Mid = T.String({ minLength: 1, maxLength: 16, pattern: "^[A-Za-z0-9_-]+$" });

/** The reactions a participant may send (DESIGN.md §5 `reaction {emoji}`). */
export const REACTIONS = ["👍", "👏", "😂", "🎉", "❤️", "✋"] as const;
export type Reaction = (typeof REACTIONS)[number];

export const ClientMessage = T.Union([
  T.Object({ type: T.Literal("hello"), id: Id, name: T.Optional(Name), resume: T.Optional(T.String({ maxLength: 128 })) }, closed),
  T.Object(
    {
      type: T.Literal("presence"),
      id: Id,
      audioMuted: T.Optional(T.Boolean()),
      videoMuted: T.Optional(T.Boolean()),
      handRaised: T.Optional(T.Boolean()),
      name: T.Optional(Name),
    },
    closed,
  ),
  T.Object({ type: T.Literal("chat"), id: Id, text: T.String({ minLength: 1, maxLength: MAX_CHAT_TEXT }) }, closed),
  T.Object({ type: T.Literal("media.publish"), id: Id, kind: Kind, sdp: Sdp }, closed),
  T.Object({ type: T.Literal("media.answer"), id: Id, sdp: Sdp }, closed),
  T.Object({ type: T.Literal("media.unpublish"), id: Id, kind: Kind }, closed),
  T.Object(
    {
      type: T.Literal("media.ice"),
      id: Id,
      pc: T.Union([Kind, T.Literal("subscriber")]),
      candidate: T.Union([T.Null(), T.Object({ candidate: T.String({ maxLength: 2000 }), sdpMid: T.Optional(T.Union([T.String({ maxLength: 64 }), T.Null()])), sdpMLineIndex: T.Optional(T.Union([T.Integer({ minimum: 0, maximum: 1000 }), T.Null()])) })]),
    },
    closed,
  ),
  // What each received video's tile shows (device pixels): the server picks its simulcast layer, or pauses it.
  T.Object(
    {
      type: T.Literal("media.view"),
      id: Id,
      streams: T.Array(
        T.Object(
          {
            mid: Mid,
            visible: T.Boolean(),
            width: T.Integer({ minimum: 0, maximum: MAX_TILE_PX }),
            height: T.Integer({ minimum: 0, maximum: MAX_TILE_PX }),
            stage: T.Optional(T.Boolean()),
          },
          closed,
        ),
        { minItems: 1, maxItems: MAX_VIEW_STREAMS },
      ),
      /** The highest simulcast substream this receiver's link takes now (absent: no limit). */
      cap: T.Optional(T.Union([T.Literal(0), T.Literal(1), T.Literal(2)])),
    },
    closed,
  ),
  // A received video froze (packets come, no frame decodes): ask its publisher for a keyframe.
  T.Object({ type: T.Literal("media.keyframe"), id: Id, mid: Mid }, closed),
  T.Object({ type: T.Literal("recording.start"), id: Id }, closed),
  T.Object({ type: T.Literal("recording.stop"), id: Id }, closed),
  T.Object({ type: T.Literal("leave"), id: Id }, closed),
  T.Object({ type: T.Literal("ping"), id: Id }, closed),
  // Meeting control (hosts only, except `reaction`).
  T.Object({ type: T.Literal("lobby.admit"), id: Id, participantId: Target }, closed),
  T.Object({ type: T.Literal("lobby.deny"), id: Id, participantId: Target }, closed),
  T.Object({ type: T.Literal("lobby.admit-all"), id: Id }, closed),
  T.Object({ type: T.Literal("meeting.settings"), id: Id, lobby: T.Optional(T.Boolean()), locked: T.Optional(T.Boolean()), selfUnmute: T.Optional(T.Boolean()) }, closed),
  T.Union([
    T.Object({ type: T.Literal("participant.mute"), id: Id, participantId: Target }, closed),
    T.Object({ type: T.Literal("participant.mute"), id: Id, all: T.Literal(true) }, closed),
  ]),
  T.Object({ type: T.Literal("participant.remove"), id: Id, participantId: Target }, closed),
  T.Object({ type: T.Literal("participant.promote"), id: Id, participantId: Target }, closed),
  T.Object({ type: T.Literal("media.unmute-request"), id: Id, participantId: Target }, closed),
  T.Object({ type: T.Literal("hands.lower-all"), id: Id }, closed),
  T.Object({ type: T.Literal("meeting.end"), id: Id }, closed),
  T.Object({ type: T.Literal("reaction"), id: Id, emoji: T.Union(REACTIONS.map((e) => T.Literal(e))) }, closed),
  // Whoever may rename the meeting through the API (its signed-in creator, a team meeting's members).
  T.Object({ type: T.Literal("meeting.rename"), id: Id, title: T.String({ minLength: 1, maxLength: MAX_TITLE }) }, closed),
]);
export type ClientMessage = Static<typeof ClientMessage>;
/** One tile's report in a `media.view` message. */
export type StreamView = Extract<ClientMessage, { type: "media.view" }>["streams"][number];

const checker = TypeCompiler.Compile(ClientMessage);

export type ParseResult = { ok: true; message: ClientMessage } | { ok: false; message: string; id?: string | number };

/** Validates a decoded frame; says what is wrong without echoing the input. */
export function parseClientMessage(value: unknown): ParseResult {
  if (checker.Check(value)) return { ok: true, message: value };
  const id = value && typeof value === "object" && "id" in value ? (value as { id: unknown }).id : undefined;
  const safeId = typeof id === "string" && id.length <= 64 ? id : typeof id === "number" ? id : undefined;
  const type = value && typeof value === "object" && "type" in value ? (value as { type: unknown }).type : undefined;
  const first = checker.Errors(value).First();
  const message =
    typeof type !== "string"
      ? "A message is a JSON object with a string `type`"
      : first
        ? `Invalid ${String(type).slice(0, 40)} message: ${first.path || "body"} ${first.message.toLowerCase()}`
        : "Invalid message";
  return { ok: false, message, id: safeId };
}

/**
 * What a participant may do: a `host` (the signed-in creator, a team meeting's members, whoever a
 * host promoted) controls the meeting; a `member` is signed in; a `guest` is not.
 */
export type Role = "host" | "member" | "guest";

/** A live meeting's settings: who waits in the lobby, whether it is locked, whether a host's mute may be undone by the muted. */
export interface MeetingSettings {
  /** Guests (everyone who is not a host or a team member) wait until a host lets them in. */
  lobby: boolean;
  /** Nobody new may join (hosts by right still may); those waiting stay waiting. */
  locked: boolean;
  /** People a host muted may unmute themselves at any time (else only after a host asks them to). */
  selfUnmute: boolean;
}

/** Someone knocking in the lobby, as hosts see them. */
export interface LobbyEntry {
  id: string;
  name: string;
  /** When they started waiting (ISO time). */
  since: string;
  /** Signed in (true) or a guest. */
  signedIn: boolean;
  /** A host removed them from this meeting earlier. */
  removedBefore: boolean;
}

export interface Participant {
  id: string;
  name: string;
  userId: string | null;
  role: Role;
  /** Muted by this host (enforced by the SFU); null when the person's mute, if any, is their own. */
  audioMutedBy: string | null;
  audioMuted: boolean;
  videoMuted: boolean;
  handRaised: boolean;
  /** When the hand went up (ISO time), so hands can be taken in order; null while it is down. */
  handRaisedAt: string | null;
  publishing: { camera: boolean; screen: boolean };
  /** `reconnecting` while their socket dropped and their seat is held for them. */
  connection: "live" | "reconnecting";
}

export interface ChatMessage {
  from: string;
  name: string;
  text: string;
  at: string;
}

export type MediaKind = "camera" | "screen";
export type RequestId = string | number;

/** Which participant's camera or screen one m-line of the subscriber PeerConnection carries. */
export interface StreamInfo {
  participantId: string;
  kind: MediaKind;
  media: "audio" | "video";
}

export interface Welcome {
  type: "welcome";
  self: Participant;
  participants: Participant[];
  iceServers: IceServer[];
  recording: RecordingView | null;
  media: { available: boolean };
  chat: ChatMessage[];
  resumeToken: string;
  /** `canRename`: this participant may rename the meeting (`meeting.rename`). */
  meeting: { code: string; title: string; teamId: string | null; canRename: boolean };
  settings: MeetingSettings;
  /** Who is waiting to be let in: sent to hosts only. */
  lobby?: LobbyEntry[];
}

/** Everything the server sends on the room socket; `id` echoes the request a direct reply answers. */
export type ServerMessage =
  | Welcome
  | { type: "participant.joined" | "participant.updated" | "participant.left"; participant: Participant }
  | { type: "media.answer"; kind: MediaKind; sdp: string; id?: RequestId }
  | { type: "media.offer"; sdp: string; streams: Record<string, StreamInfo> }
  | { type: "media.restart"; available: boolean }
  /** To a publisher: the highest camera layer anyone receives now (0…2); it keeps the ones above warm (small and cheap). */
  | { type: "media.layers"; kind: "camera"; max: 0 | 1 | 2 }
  | { type: "speaking"; participantId: string }
  | ({ type: "chat" } & ChatMessage)
  | { type: "recording.started" | "recording.stopped" | "recording.status"; recording: RecordingView }
  | { type: "lobby.waiting" }
  | { type: "lobby.knock"; entry: LobbyEntry }
  | { type: "lobby.left"; id: string; outcome: "admitted" | "denied" | "left" }
  | { type: "meeting.updated"; settings: MeetingSettings }
  | { type: "media.unmute-request"; from: string }
  | { type: "reaction"; participantId: string; emoji: Reaction }
  | { type: "meeting.ended"; by: string }
  | { type: "meeting.renamed"; title: string; by: string }
  | { type: "ack"; id: RequestId }
  | { type: "pong"; id?: RequestId }
  | { type: "error"; code: string; message: string; id?: RequestId };
