/**
 * The room socket's messages as the browser sees them: the server's own protocol types (DESIGN.md §5,
 * src/rooms/protocol.ts), imported type-only so nothing of the server reaches the bundle, and the
 * close codes the client acts on — checked against the server's at compile time.
 */
import type { CLOSE as SERVER_CLOSE, RoomRecordingView } from "../../src/rooms/index.ts";

export type { ChatMessage, ClientMessage, LobbyEntry, MediaKind, MeetingSettings, Participant, Reaction, RequestId, Role, ServerMessage, StreamInfo, StreamView, Welcome } from "../../src/rooms/index.ts";
/** A recording of the meeting: live, then processed into one file. */
export type RecordingInfo = RoomRecordingView;

/** Close codes the server uses (4000 + an HTTP status for refusals); a value that drifts from the server's fails the type check. */
export const CLOSE = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  RESTART: 1012,
  BAD_REQUEST: 4400,
  UNAUTHENTICATED: 4401,
  FORBIDDEN: 4403,
  LOCKED: 4423,
  NOT_FOUND: 4404,
  CONFLICT: 4409,
  TOO_LARGE: 4413,
  RATE_LIMITED: 4429,
} as const satisfies Partial<typeof SERVER_CLOSE>;

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
