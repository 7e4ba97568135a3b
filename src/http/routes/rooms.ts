import { Elysia } from "elysia";
import type { Logger } from "pino";
import { readCookie, SESSION_COOKIE } from "../../auth/index.ts";
import { AppError } from "../../errors.ts";
import { CLOSE, type Channel, type Connection, type SocketSink } from "../../rooms/index.ts";
import type { AppServices } from "../../services.ts";

/** Frames that may wait while the socket's access is checked and its room loaded. */
const MAX_EARLY_FRAMES = 200;

interface SocketState {
  conn: Connection;
  sink: SocketSink | null;
  early: (string | Uint8Array)[];
  closedCode: number | null;
}

type RawSocket = { send(data: string | Uint8Array): unknown; close(code?: number, reason?: string): void; readyState: number };

/** `/ws/meetings/:code` (room) and `/ws/meetings/:code/notes` (y-websocket protocol). */
export function roomSocketRoutes(s: AppServices, logger: Logger) {
  const sockets = new Map<string, SocketState>();
  const allowedOrigin = s.config.publicUrl;

  const handlers = (channel: Channel) => ({
    async open(ws: { id: string; raw: RawSocket; data: { params: { code: string }; request: Request } }) {
      const raw = ws.raw;
      const conn: Connection = {
        id: ws.id,
        send: (data) => {
          if (raw.readyState === 1) raw.send(data);
        },
        close: (code, reason) => {
          if (raw.readyState === 1) raw.close(code, reason.slice(0, 120));
        },
      };
      const state: SocketState = { conn, sink: null, early: [], closedCode: null };
      sockets.set(ws.id, state);
      s.metrics.sockets.inc({ channel });
      const request = ws.data.request;
      try {
        const origin = request.headers.get("origin");
        if (origin && origin !== allowedOrigin && origin !== new URL(request.url).origin) {
          throw new AppError("FORBIDDEN", "Cross-site sockets are not allowed");
        }
        const token = readCookie(request.headers.get("cookie"), SESSION_COOKIE);
        const user = token ? await s.sessions.lookup(token) : null;
        const meeting = await s.rooms.authorize(ws.data.params.code, user);
        const sink = await s.rooms.open(meeting, channel, conn, { userId: user?.id ?? null, username: user?.username ?? null });
        if (state.closedCode !== null) return sink.closed(state.closedCode);
        state.sink = sink;
        for (const frame of state.early.splice(0)) sink.frame(frame);
      } catch (err) {
        if (err instanceof AppError) {
          conn.close(4000 + err.status, err.message);
        } else {
          logger.error({ err, channel }, "socket open failed");
          conn.close(CLOSE.SERVER_ERROR, "Something went wrong on our side");
        }
      }
    },

    message(ws: { id: string }, message: unknown) {
      const state = sockets.get(ws.id);
      if (!state) return;
      // Elysia hands over JSON text already parsed; the room wants the text (it checks size and shape).
      const data =
        message instanceof Uint8Array ? message : typeof message === "string" ? message : JSON.stringify(message) ?? "";
      if (state.sink) return state.sink.frame(data);
      if (state.early.length >= MAX_EARLY_FRAMES) return state.conn.close(CLOSE.RATE_LIMITED, "Too many messages");
      state.early.push(data);
    },

    close(ws: { id: string }, code: number) {
      const state = sockets.get(ws.id);
      if (!state) return;
      sockets.delete(ws.id);
      s.metrics.sockets.dec({ channel });
      state.closedCode = code;
      state.sink?.closed(code);
    },
  });

  return new Elysia()
    .ws("/ws/meetings/:code", handlers("room") as never)
    .ws("/ws/meetings/:code/notes", handlers("notes") as never);
}
