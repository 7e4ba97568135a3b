/** A client socket as a room sees it: local, or relayed from another node. */
export interface Connection {
  readonly id: string;
  send(data: string | Uint8Array): void;
  close(code: number, reason: string): void;
}

/** Who opened a socket, as established by the node that accepted it. */
export interface Principal {
  userId: string | null;
  username: string | null;
  /**
   * For a team meeting: whether the user is a member of its team (members host it). False for
   * outsiders, who may only knock while the meeting's lobby is on. Absent for public meetings.
   */
  teamMember?: boolean;
  /**
   * The notes socket's room seat: the `resumeToken` of the participant's `welcome`, sent as `?seat=`.
   * A guest who must be let in (the lobby is on, or a team meeting's outsider) reaches the notes only
   * with the token of a seat a host admitted; a removed participant's token no longer opens them.
   */
  seat?: string | null;
}

export type Channel = "room" | "notes";

/** What a room returns for an attached socket: where its frames and its end go. */
export interface SocketSink {
  frame(data: string | Uint8Array): void;
  /** The socket closed; `code` is the close code the client sent (1006 when it just dropped). */
  closed(code: number): void;
}

/** Close codes: 4000 + the HTTP status, like the HTTP API's errors. */
export const CLOSE = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  NO_STATUS: 1005,
  ABNORMAL: 1006,
  SERVER_ERROR: 1011,
  /** The room is moving to another node, or the server is restarting: reconnect. */
  RESTART: 1012,
  /** The database or Redis is unreachable: reconnect later, with backoff. */
  TRY_AGAIN_LATER: 1013,
  BAD_REQUEST: 4400,
  UNAUTHENTICATED: 4401,
  FORBIDDEN: 4403,
  /** The meeting is locked: nobody new may join. */
  LOCKED: 4423,
  NOT_FOUND: 4404,
  CONFLICT: 4409,
  TOO_LARGE: 4413,
  RATE_LIMITED: 4429,
  UNAVAILABLE: 4503,
} as const;

/** A close the client chose (tab closed, navigated away): the seat is not held. */
export const isDeliberateClose = (code: number) => code === CLOSE.NORMAL || code === CLOSE.GOING_AWAY || code === CLOSE.NO_STATUS;
