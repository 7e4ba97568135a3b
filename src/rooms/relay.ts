/**
 * A socket relayed between nodes: the messages on the wire, and what the relaying node remembers of
 * a socket so that a room's new owner can be introduced to it if the old one dies.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Channel, Connection, Principal, SocketSink } from "./connection.ts";
import type { RoomMeeting } from "./room-actor.ts";

/** Relay messages between nodes. Binary frames travel base64-encoded. */
export type Wire =
  | { t: "open"; sid: string; from: string; ch: Channel; meeting: RoomMeeting; principal: Principal }
  | { t: "frame"; sid: string; d: string; b?: 1 }
  | { t: "close"; sid: string; code: number; reason?: string }
  | { t: "send"; sid: string; d: string; b?: 1 };

/**
 * On the wire a relay message is `v1.<hex HMAC-SHA256 of the JSON>.<JSON>`. Anyone who can publish
 * on Redis could otherwise open sockets in any room as anyone (the open carries the principal).
 */
export function signRelay(secret: string, json: string): string {
  return `v1.${createHmac("sha256", secret).update(json).digest("hex")}.${json}`;
}

/** The JSON of a correctly signed relay message, or null. */
export function verifyRelay(secret: string, text: string): string | null {
  const match = /^v1\.([0-9a-f]{64})\./.exec(text);
  if (!match) return null;
  const json = text.slice(match[0].length);
  const expected = createHmac("sha256", secret).update(json).digest();
  return timingSafeEqual(Buffer.from(match[1]!, "hex"), expected) ? json : null;
}

export const encode = (data: string | Uint8Array) =>
  typeof data === "string" ? { d: data } : { d: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64"), b: 1 as const };
export const decode = (m: { d: string; b?: 1 }) => (m.b ? new Uint8Array(Buffer.from(m.d, "base64")) : m.d);

/** A socket accepted here whose room lives elsewhere, or moved here when its owner died. */
export interface Relay {
  conn: Connection;
  meeting: RoomMeeting;
  channel: Channel;
  principal: Principal;
  /** Id of the current relay to `owner`; a new one per move, so nothing of an old relay crosses over. */
  sid: string;
  /** The node its frames go to; null while it moves, or once it lives here (`local`). */
  owner: string | null;
  /** The owner that did not receive a frame (or the open), while we find out whether it lives. */
  waitingFor: string | null;
  /** Whether the open itself went unreceived (so a live owner must be sent it again). */
  reopen: boolean;
  /** Whether some owner has received a frame of it (so a new owner must be introduced to it). */
  delivered: boolean;
  local: SocketSink | null;
  /** Frames that arrived while it moved, or that its owner did not receive (PUBLISH answered 0). */
  queue: (string | Uint8Array)[];
  /** What a new owner is told again: the client's hello (room), or its first sync step 1 and latest awareness (notes). */
  hello: Record<string, unknown> | null;
  resume: string | null;
  step1: Uint8Array | null;
  awareness: Uint8Array | null;
  closed: boolean;
}

/** A relay for `conn`, not yet sent anywhere. */
export function newRelay(conn: Connection, meeting: RoomMeeting, channel: Channel, principal: Principal): Relay {
  return {
    conn,
    meeting,
    channel,
    principal,
    sid: "",
    owner: null,
    waitingFor: null,
    reopen: false,
    delivered: false,
    local: null,
    queue: [],
    hello: null,
    resume: null,
    step1: null,
    awareness: null,
    closed: false,
  };
}

/** Remembers what a new owner must be told again about this socket (see Relay). */
export function noteFrame(r: Relay, data: string | Uint8Array) {
  if (r.channel === "room") {
    if (typeof data !== "string" || !data.includes('"hello"')) return;
    try {
      const m = JSON.parse(data);
      if (m?.type === "hello") r.hello = m;
    } catch {
      // Not JSON: the owner will say so.
    }
  } else if (typeof data !== "string" && data.byteLength > 1) {
    if (data[0] === 0 && data[1] === 0) r.step1 ??= data; // sync step 1: the client's state then
    else if (data[0] === 1) r.awareness = data;
  }
}

/** The frames that re-introduce a moved socket to its room's new home. */
export function introduction(r: Relay): (string | Uint8Array)[] {
  if (r.channel === "room") {
    if (!r.hello) return [];
    const { id: _id, ...hello } = r.hello;
    return [JSON.stringify({ ...hello, ...(r.resume ?? hello.resume ? { resume: r.resume ?? hello.resume } : {}) })];
  }
  return [r.step1, r.awareness].filter((x): x is Uint8Array => x !== null);
}

/** Keeps the resume token a welcome on its way to the client carries: a new owner gets it back. */
export function noteSent(r: Relay, data: string | Uint8Array) {
  if (typeof data !== "string" || !data.startsWith('{"type":"welcome"')) return;
  try {
    r.resume = JSON.parse(data).resumeToken ?? r.resume;
  } catch {
    // Only the owner writes these.
  }
}
