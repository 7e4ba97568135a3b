import type { Server, ServerWebSocket } from "bun";
import { Elysia } from "elysia";
import type { Logger } from "pino";
import { readCookie, SESSION_COOKIE } from "../../auth/index.ts";
import { AppError } from "../../errors.ts";
import { CLOSE, type Channel, type Connection, type SocketSink } from "../../rooms/index.ts";
import type { AppServices } from "../../services.ts";
import { clientAddressOf } from "../context.ts";
import { toAppError } from "../errors.ts";

/** Frames that may wait while the socket's access is checked and its room loaded, and their bytes. */
const MAX_EARLY_FRAMES = 200;
const MAX_EARLY_BYTES = 2 * 1024 * 1024;
/** Closes for abuse (bad frames, too large, too fast), and how long such a socket may take to go. */
const ABUSE_CLOSES = new Set<number>([CLOSE.BAD_REQUEST, CLOSE.TOO_LARGE, CLOSE.RATE_LIMITED]);
const ABUSE_TERMINATE_MS = 500;

/**
 * One socket's state, kept as the Bun socket's `data`. Bun's server hands every socket event to
 * `data.open/message/close` (that is how Elysia dispatches its own `.ws()` routes too); upgrading
 * here instead of through `.ws()` gives the room the frame's text as it came. Elysia's `.ws()` runs
 * JSON.parse on every text frame before any handler sees it, which a hostile frame of deep nesting
 * turns into a second-long stall of the whole process.
 */
interface SocketData {
  channel: Channel;
  code: string;
  request: Request;
  /** The client's address (as the HTTP routes see it), for the per-address caps. */
  address: string;
  /** Gives back this socket's place among its address's guest rooms. */
  releaseGuest: (() => void) | null;
  conn: Connection | null;
  sink: SocketSink | null;
  early: (string | Uint8Array)[];
  earlyBytes: number;
  closedCode: number | null;
  open(ws: ServerWebSocket<SocketData>): void;
  message(ws: ServerWebSocket<SocketData>, message: string | Buffer): void;
  close(ws: ServerWebSocket<SocketData>, code: number): void;
}

/** `/ws/meetings/:code` (room) and `/ws/meetings/:code/notes` (y-websocket protocol). */
export function roomSocketRoutes(s: AppServices, logger: Logger) {
  const allowedOrigin = s.config.publicUrl;

  async function attach(state: SocketData, conn: Connection) {
    const { request, channel } = state;
    try {
      const origin = request.headers.get("origin");
      if (origin && origin !== allowedOrigin && origin !== new URL(request.url).origin) {
        throw new AppError("FORBIDDEN", "Cross-site sockets are not allowed");
      }
      const token = readCookie(request.headers.get("cookie"), SESSION_COOKIE);
      const user = token ? await s.sessions.lookup(token) : null;
      const meeting = await s.rooms.authorize(state.code, user);
      // Each live room holds Janus resources: one address may keep only so many open as a guest.
      if (!user && channel === "room") state.releaseGuest = s.caps.enterAsGuest(state.address, meeting.code);
      // A team meeting's outsiders get this far only while its lobby is on: the room decides (knock or refuse).
      const teamMember = meeting.teamId ? { teamMember: meeting.viewerTeamMember === true } : {};
      // The notes socket names the room seat it belongs to (`?seat=` its resume token): the room checks it.
      const seat = channel === "notes" ? new URL(request.url).searchParams.get("seat")?.slice(0, 200) || null : null;
      const sink = await s.rooms.open(meeting, channel, conn, { userId: user?.id ?? null, username: user?.username ?? null, ...teamMember, ...(seat ? { seat } : {}) });
      if (state.closedCode !== null) {
        state.releaseGuest?.();
        return sink.closed(state.closedCode);
      }
      state.sink = sink;
      for (const frame of state.early.splice(0)) sink.frame(frame);
      state.earlyBytes = 0;
    } catch (thrown) {
      // Redis errors from the directory reach here raw: an outage is "try again later" too.
      const err = toAppError("SOCKET", thrown);
      state.releaseGuest?.();
      if (err.code === "UNAVAILABLE") conn.close(CLOSE.TRY_AGAIN_LATER, err.message);
      else if (err.code !== "INTERNAL") conn.close(4000 + err.status, err.message);
      else {
        logger.error({ err: thrown, channel }, "socket open failed");
        conn.close(CLOSE.SERVER_ERROR, "Something went wrong on our side");
      }
    }
  }

  const handlers = {
    open(ws: ServerWebSocket<SocketData>) {
      const state = ws.data;
      const conn: Connection = {
        id: crypto.randomUUID(),
        send: (data) => {
          if (ws.readyState === 1) ws.send(data);
        },
        close: (code, reason) => {
          if (ws.readyState !== 1) return;
          ws.close(code, reason.slice(0, 120));
          // A socket closed for abuse keeps sending until it reads the close: cut it off shortly
          // after (long enough for the close frame to cross a slow network) instead of reading a flood to its end.
          if (ABUSE_CLOSES.has(code)) setTimeout(() => state.closedCode === null && ws.terminate(), ABUSE_TERMINATE_MS).unref?.();
        },
      };
      state.conn = conn;
      s.metrics.sockets.inc({ channel: state.channel });
      void attach(state, conn);
    },

    message(ws: ServerWebSocket<SocketData>, message: string | Buffer) {
      const state = ws.data;
      if (state.sink) return state.sink.frame(message);
      const size = typeof message === "string" ? message.length : message.byteLength;
      state.earlyBytes += size;
      if (state.early.length >= MAX_EARLY_FRAMES || state.earlyBytes > MAX_EARLY_BYTES) return state.conn?.close(CLOSE.RATE_LIMITED, "Too many messages");
      state.early.push(message);
    },

    close(ws: ServerWebSocket<SocketData>, code: number) {
      const state = ws.data;
      if (state.closedCode !== null) return;
      s.metrics.sockets.dec({ channel: state.channel });
      state.closedCode = code;
      state.early.length = 0;
      state.releaseGuest?.();
      state.sink?.closed(code);
    },
  };

  const upgrade =
    (channel: Channel) =>
    async ({ request, params, server }: { request: Request; params: { code: string }; server: Server<SocketData> | null }) => {
      const address = clientAddressOf(request, server?.requestIP(request)?.address, s.config.trustProxy);
      // Refused before the upgrade: a plain 429 with Retry-After, which the browser sees as a failed connect.
      await s.caps.take("socket", address);
      const data: SocketData = { channel, code: params.code, request, address, releaseGuest: null, conn: null, sink: null, early: [], earlyBytes: 0, closedCode: null, ...handlers };
      if (server?.upgrade(request, { data })) return;
      throw new AppError("INVALID_ARGUMENT", "Expected a WebSocket upgrade", { status: 400 });
    };

  return new Elysia()
    .get("/ws/meetings/:code", upgrade("room") as never, { detail: { hide: true } })
    .get("/ws/meetings/:code/notes", upgrade("notes") as never, { detail: { hide: true } });
}
