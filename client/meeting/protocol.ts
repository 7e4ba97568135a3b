/**
 * The room socket's messages as the browser sees them (DESIGN.md §5). The server validates what
 * it receives; these types keep the client honest about what it sends and reads.
 */

export type MediaKind = "camera" | "screen";

export interface Participant {
  id: string;
  name: string;
  userId: string | null;
  audioMuted: boolean;
  videoMuted: boolean;
  handRaised: boolean;
  publishing: { camera: boolean; screen: boolean };
}

export interface ChatMessage {
  from: string;
  name: string;
  text: string;
  at: string;
}

/** Which participant's camera or screen one m-line of the subscriber PeerConnection carries. */
export interface StreamInfo {
  participantId: string;
  kind: MediaKind;
  media: "audio" | "video";
}

/** A recording of the meeting: live, then processed into one file (the server's view; a type only). */
import type { RoomRecordingView as RecordingInfo } from "../../src/rooms/index.ts";
export type { RecordingInfo };

export interface Welcome {
  type: "welcome";
  self: Participant;
  participants: Participant[];
  iceServers: RTCIceServer[];
  recording: RecordingInfo | null;
  media: { available: boolean };
  chat: ChatMessage[];
  resumeToken: string;
  meeting: { code: string; title: string; teamId: string | null };
}

export type ServerMessage =
  | Welcome
  | { type: "participant.joined" | "participant.updated" | "participant.left"; participant: Participant }
  | { type: "media.answer"; kind: MediaKind; sdp: string; id?: RequestId }
  | { type: "media.offer"; sdp: string; streams: Record<string, StreamInfo> }
  | { type: "media.restart"; available: boolean }
  | { type: "speaking"; participantId: string }
  | ({ type: "chat" } & ChatMessage)
  | { type: "recording.started" | "recording.stopped" | "recording.status"; recording: RecordingInfo }
  | { type: "ack"; id: RequestId }
  | { type: "pong"; id?: RequestId }
  | { type: "error"; code: string; message: string; id?: RequestId };

export type RequestId = string | number;

export type ClientMessage =
  | { type: "hello"; name?: string; resume?: string }
  | { type: "presence"; audioMuted?: boolean; videoMuted?: boolean; handRaised?: boolean; name?: string }
  | { type: "chat"; text: string }
  | { type: "media.publish"; kind: MediaKind; sdp: string }
  | { type: "media.answer"; sdp: string }
  | { type: "media.unpublish"; kind: MediaKind }
  | { type: "recording.start" }
  | { type: "recording.stop" }
  | { type: "leave" }
  | { type: "ping" };

/** Close codes the server uses (4000 + an HTTP status for refusals). */
export const CLOSE = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  RESTART: 1012,
  BAD_REQUEST: 4400,
  UNAUTHENTICATED: 4401,
  FORBIDDEN: 4403,
  NOT_FOUND: 4404,
  CONFLICT: 4409,
  TOO_LARGE: 4413,
  RATE_LIMITED: 4429,
} as const;

/** An `error` reply, or a request that could not get one (the socket dropped, it timed out). */
export class RoomRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "RoomRequestError";
  }
}
