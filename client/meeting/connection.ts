/**
 * The room socket with its recovery: JSON frames in and out, requests matched to their replies by
 * `id`, an application-level keepalive, and reconnection with backoff after an abnormal drop (the
 * server holds the seat meanwhile; the owner re-joins with `hello {resume}` from `onOpen`).
 */
import { CLOSE, RoomRequestError, type ClientMessage, type RequestId, type ServerMessage } from "./protocol.ts";

/** The part of a browser `WebSocket` the room uses. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type SocketFactory = (url: string) => SocketLike;

/** Time and timers, injected so tests can drive them. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const browserClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface ConnectionOptions {
  url: string;
  socketFactory: SocketFactory;
  clock: Clock;
  /** The socket is open: say hello (with the resume token once there is one). */
  onOpen(): void;
  /** Every frame that is not the reply to a request. */
  onMessage(message: ServerMessage): void;
  /** The socket dropped and a new one will be tried after `delayMs`. */
  onDrop(delayMs: number): void;
  /** The socket is gone for good (the server refused or ended us, or `close()` was called). */
  onClosed(code: number, reason: string): void;
  keepalive?: { intervalMs: number; timeoutMs: number };
  backoff?: { minMs: number; maxMs: number };
  requestTimeoutMs?: number;
}

/** Close codes after which trying again cannot help. */
const FINAL_CODES = new Set<number>([
  CLOSE.NORMAL,
  CLOSE.BAD_REQUEST,
  CLOSE.UNAUTHENTICATED,
  CLOSE.FORBIDDEN,
  CLOSE.NOT_FOUND,
  CLOSE.CONFLICT,
  CLOSE.LOCKED,
  CLOSE.TOO_LARGE,
]);
/** Sent by us when a socket stopped answering; not a deliberate close, so the server holds the seat. */
const KEEPALIVE_CLOSE = 4000;

interface Pending {
  resolve(message: ServerMessage): void;
  reject(error: RoomRequestError): void;
  timer: unknown;
}

export function createConnection(o: ConnectionOptions) {
  // A silent drop (no close event) is seen within ~9 s; the browser's offline event sooner (lost()).
  const keepalive = o.keepalive ?? { intervalMs: 5_000, timeoutMs: 4_000 };
  const backoff = o.backoff ?? { minMs: 300, maxMs: 8_000 };
  const requestTimeoutMs = o.requestTimeoutMs ?? 20_000;
  let socket: SocketLike | null = null;
  let closed = false;
  let attempt = 0;
  let retryTimer: unknown = null;
  let pingTimer: unknown = null;
  let nextId = 1;
  const pending = new Map<RequestId, Pending>();

  function open() {
    retryTimer = null;
    if (closed) return;
    const ws = o.socketFactory(o.url);
    socket = ws;
    let heard = false;
    ws.onopen = () => {
      if (socket !== ws) return;
      o.onOpen();
      schedulePing();
    };
    ws.onmessage = (event) => {
      if (socket !== ws || typeof event.data !== "string") return;
      if (!heard) {
        heard = true;
        attempt = 0;
      }
      let message: ServerMessage;
      try {
        message = JSON.parse(event.data) as ServerMessage;
      } catch {
        return;
      }
      const id = "id" in message ? message.id : undefined;
      const waiting = id !== undefined ? pending.get(id) : undefined;
      if (waiting && id !== undefined) {
        pending.delete(id);
        o.clock.clearTimeout(waiting.timer);
        if (message.type === "error") waiting.reject(new RoomRequestError(message.code, message.message));
        else waiting.resolve(message);
        return;
      }
      o.onMessage(message);
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      dropped(event.code, event.reason);
    };
    ws.onerror = () => undefined;
  }

  function detach() {
    const ws = socket;
    socket = null;
    if (pingTimer !== null) o.clock.clearTimeout(pingTimer);
    pingTimer = null;
    for (const [id, p] of pending) {
      pending.delete(id);
      o.clock.clearTimeout(p.timer);
      p.reject(new RoomRequestError("DISCONNECTED", "The connection to the meeting dropped"));
    }
    return ws;
  }

  function dropped(code: number, reason: string) {
    detach();
    if (closed) return;
    if (FINAL_CODES.has(code)) {
      closed = true;
      o.onClosed(code, reason);
      return;
    }
    // Rate-limited: wait longer. The room moving or restarting (1012): come back at once.
    const base = code === CLOSE.RATE_LIMITED ? 5_000 : code === CLOSE.RESTART && attempt === 0 ? 0 : backoff.minMs * 2 ** attempt;
    const delay = Math.min(backoff.maxMs, base) * (code === CLOSE.RESTART && attempt === 0 ? 1 : 0.8 + Math.random() * 0.4);
    attempt++;
    retryTimer = o.clock.setTimeout(open, Math.round(delay));
    o.onDrop(Math.round(delay));
  }

  /** Gives up on `ws` (it stopped answering, or the network went away): close it and reconnect. */
  function giveUp(ws: SocketLike, reason: string) {
    if (socket !== ws) return;
    try {
      ws.close(KEEPALIVE_CLOSE, reason);
    } catch {
      // Already closing.
    }
    dropped(1006, reason);
  }

  function schedulePing() {
    pingTimer = o.clock.setTimeout(() => {
      pingTimer = null;
      const ws = socket;
      if (!ws) return;
      request({ type: "ping" }, keepalive.timeoutMs).then(
        () => {
          if (socket === ws) schedulePing();
        },
        (err: RoomRequestError) => {
          // A socket that stopped answering may never fire `close`: give up on it ourselves.
          if (err.code === "TIMEOUT") giveUp(ws, "No answer to keepalive");
        },
      );
    }, keepalive.intervalMs);
  }

  function send(message: ClientMessage | (ClientMessage & { id: RequestId })): boolean {
    if (!socket || socket.readyState !== 1) return false;
    socket.send(JSON.stringify(message));
    return true;
  }

  /** Sends `message` with a fresh id; resolves with the reply, rejects with an `error` reply, a timeout or a drop. */
  function request(message: ClientMessage, timeoutMs = requestTimeoutMs): Promise<ServerMessage> {
    const id = `c${nextId++}`;
    return new Promise<ServerMessage>((resolve, reject) => {
      if (!send({ ...message, id })) {
        reject(new RoomRequestError("DISCONNECTED", "Not connected to the meeting"));
        return;
      }
      const timer = o.clock.setTimeout(() => {
        pending.delete(id);
        reject(new RoomRequestError("TIMEOUT", `No answer to ${message.type}`));
      }, timeoutMs);
      pending.set(id, { resolve, reject, timer });
    });
  }

  open();

  return {
    send,
    request,
    /** Closes for good (code 1000: the server ends the seat at once). */
    close(reason = "Left the meeting") {
      if (closed) return;
      closed = true;
      if (retryTimer !== null) o.clock.clearTimeout(retryTimer);
      retryTimer = null;
      const ws = detach();
      try {
        ws?.close(CLOSE.NORMAL, reason);
      } catch {
        // Already closed.
      }
    },
    /** The network went away (the browser says so): drop the socket now and keep trying to come back. */
    lost() {
      if (socket) giveUp(socket, "The network went away");
    },
    get connected() {
      return socket?.readyState === 1;
    },
  };
}

export type Connection = ReturnType<typeof createConnection>;
