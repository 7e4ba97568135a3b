/**
 * `MediaServer` on Janus through janode: one WebSocket connection, one session and one manager
 * handle per process (rooms are created and destroyed through the manager; each participant gets
 * handles of its own in janus-room.ts). When the connection drops it reconnects with backoff and
 * reports `onStatus(false)` then `onStatus(true)`; every room opened before the drop is gone.
 */
import { randomBytes } from "node:crypto";
import Janode, { type JanodeConnection, type JanodeSession } from "janode";
import VideoRoomPlugin, { type VideoRoomHandle } from "janode/plugins/videoroom";
import type { Logger } from "pino";
import { AppError } from "../errors.ts";
import { janusCode, toAppError, withTimeout } from "./janus-errors.ts";
import { JanusRoom } from "./janus-room.ts";
import type { MediaRoom, MediaServer } from "./media-server.ts";

/** Opus packets (20 ms each) Janus averages the audio level over before it says someone talks. */
const TALKING_PACKETS = 50;

export interface JanusMediaServerOptions {
  /** The Janus WebSocket URL; a function is read again at every (re)connection (the embedded Janus may move). */
  url: string | (() => string);
  /** The Janus's `api_secret` (janode sends it as `apisecret` on every request). */
  apiSecret?: string | null;
  logger: Logger;
  /** Each Janus request fails with UNAVAILABLE after this long. */
  requestTimeoutMs?: number;
  /** Reconnection backoff: starts at `minMs`, doubles up to `maxMs`. */
  reconnect?: { minMs?: number; maxMs?: number };
  /** Publishers per room (cameras and screens together). */
  maxPublishers?: number;
  /** Verbosity of janode's own console logging ("none" keeps stdout JSON-only). */
  janodeLogLevel?: "none" | "error" | "warning" | "info" | "verbose" | "debug";
}

export interface JanusMediaServer extends MediaServer {
  /** Resolves once the first connection attempt has settled (true: connected) or `timeoutMs` passed. */
  ready(timeoutMs?: number): Promise<boolean>;
}

interface Link {
  connection: JanodeConnection;
  session: JanodeSession;
  manager: VideoRoomHandle;
}

/** Janus sessions time out after 60 s by default: keep ours alive well within that. */
const KEEPALIVE_SECS = 20;
/** Room ids are random (two app nodes may share one Janus), below 2^53 so they survive JSON. */
const randomRoomId = () => 1 + Math.floor(Math.random() * (Number.MAX_SAFE_INTEGER - 1));

export function createJanusMediaServer(options: JanusMediaServerOptions): JanusMediaServer {
  Janode.Logger.setLevel(options.janodeLogLevel ?? "none");
  const logger = options.logger.child({ component: "media" });
  const url = typeof options.url === "function" ? options.url : () => options.url as string;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const minBackoff = options.reconnect?.minMs ?? 200;
  const maxBackoff = options.reconnect?.maxMs ?? 5_000;

  let link: Link | null = null;
  let closed = false;
  let backoff = minBackoff;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let firstAttempt: Promise<void>;
  const statusListeners = new Set<(up: boolean) => void>();
  /** Rooms being created (concurrent opens of one key share the promise) and rooms that are open. */
  const pending = new Map<string, Promise<JanusRoom>>();
  const open = new Map<string, JanusRoom>();

  const setStatus = (up: boolean) => {
    for (const listener of [...statusListeners]) {
      try {
        listener(up);
      } catch (err) {
        logger.error({ err }, "media status listener failed");
      }
    }
  };

  async function connectOnce(): Promise<Link> {
    const connecting = Janode.connect({
      address: { url: url(), ...(options.apiSecret ? { apisecret: options.apiSecret } : {}) },
      retry_time_secs: 0,
      max_retries: 0,
    });
    let connection: JanodeConnection;
    try {
      connection = await withTimeout(connecting, requestTimeoutMs, "connect");
    } catch (err) {
      // A connection that opens after we gave up on it must not linger.
      connecting.then((late) => late.close().catch(() => undefined), () => undefined);
      throw err;
    }
    // Registered before the session and handles exist, so these run before janode tears them down.
    let current: Link | null = null;
    const lost = (reason: string) => () => {
      if (current) onLost(current, reason);
    };
    connection.once(Janode.EVENT.CONNECTION_ERROR, lost("connection lost"));
    connection.once(Janode.EVENT.CONNECTION_CLOSED, lost("connection closed"));
    try {
      const session = await withTimeout(connection.create(KEEPALIVE_SECS), requestTimeoutMs, "create session");
      session.once(Janode.EVENT.SESSION_DESTROYED, lost("session lost"));
      const manager = await withTimeout(session.attach(VideoRoomPlugin), requestTimeoutMs, "attach");
      current = { connection, session, manager };
      return current;
    } catch (err) {
      await connection.close().catch(() => undefined);
      throw err;
    }
  }

  function onLost(lostLink: Link, reason: string) {
    if (link !== lostLink) return;
    link = null;
    logger.warn({ reason }, "lost the connection to Janus; every media room is gone");
    for (const room of [...open.values()]) room.markLost();
    open.clear();
    pending.clear();
    void lostLink.connection.close().catch(() => undefined);
    if (closed) return;
    setStatus(false);
    scheduleConnect();
  }

  async function attemptConnect() {
    retryTimer = null;
    if (closed) return;
    try {
      const next = await connectOnce();
      if (closed) {
        await next.session.destroy().catch(() => undefined);
        await next.connection.close().catch(() => undefined);
        return;
      }
      link = next;
      backoff = minBackoff;
      logger.info({ url: url() }, "connected to Janus");
      setStatus(true);
    } catch (err) {
      logger.warn({ err: (err as Error).message, retryInMs: backoff }, "cannot reach Janus; retrying");
      scheduleConnect();
    }
  }

  function scheduleConnect() {
    if (closed || retryTimer) return;
    const delay = backoff;
    backoff = Math.min(backoff * 2, maxBackoff);
    retryTimer = setTimeout(() => void attemptConnect(), delay);
  }

  async function createRoom(key: string, current: Link): Promise<JanusRoom> {
    for (let attempt = 0; ; attempt++) {
      const janusRoomId = randomRoomId();
      // Without it anyone on the Janus API (another app node sharing this Janus, say) could destroy,
      // record or reconfigure the room.
      const secret = randomBytes(24).toString("hex");
      try {
        await withTimeout(
          current.manager.create({
            room: janusRoomId,
            description: `dictate ${key}`,
            max_publishers: options.maxPublishers ?? 16,
            audiocodec: "opus",
            videocodec: "vp8",
            talking_events: true,
            // ~1 s of speech (50 Opus packets) before "talking": fast enough for a speaker highlight.
            talking_packets_threshold: TALKING_PACKETS,
            fir_freq: 10,
            permanent: false,
            // Listed (the API is the app's alone), so `list` shows operators what is running.
            is_private: false,
            notify_joining: false,
            record: false,
            secret,
          }),
          requestTimeoutMs,
          "create room",
        );
      } catch (err) {
        if (janusCode(err) === 427 && attempt < 5) continue;
        throw toAppError(err, "create the room");
      }
      const room: JanusRoom = new JanusRoom({
        janusRoomId,
        secret,
        key,
        session: current.session,
        manager: current.manager,
        logger: logger.child({ room: key, janusRoomId }),
        requestTimeoutMs,
        onClosed: () => {
          if (open.get(key) === room) open.delete(key);
        },
      });
      if (link !== current || closed) {
        room.markLost();
        throw new AppError("UNAVAILABLE", "The media server connection was lost");
      }
      open.set(key, room);
      return room;
    }
  }

  firstAttempt = attemptConnect();

  return {
    get available() {
      return link !== null;
    },
    // Janus averages the level over windows of TALKING_PACKETS packets (20 ms of Opus each) and says
    // "talking" at the end of the first loud window.
    talkingLeadMs: TALKING_PACKETS * 20,

    async ready(timeoutMs = requestTimeoutMs) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([firstAttempt, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
      return link !== null;
    },

    openRoom(key: string): Promise<MediaRoom> {
      if (closed) return Promise.reject(new AppError("UNAVAILABLE", "The media server is shut down"));
      const existing = open.get(key);
      if (existing) return Promise.resolve(existing);
      const inFlight = pending.get(key);
      if (inFlight) return inFlight;
      const current = link;
      if (!current) return Promise.reject(new AppError("UNAVAILABLE", "The media server is not reachable right now"));
      const created = createRoom(key, current);
      pending.set(key, created);
      const forget = () => {
        if (pending.get(key) === created) pending.delete(key);
      };
      created.then(forget, forget);
      return created;
    },

    onStatus(listener) {
      statusListeners.add(listener);
      return () => void statusListeners.delete(listener);
    },

    async close() {
      if (closed) return;
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      await Promise.allSettled([...pending.values()]);
      await Promise.allSettled([...open.values()].map((room) => room.destroy()));
      await firstAttempt;
      const current = link;
      link = null;
      if (current) {
        await withTimeout(current.session.destroy(), requestTimeoutMs, "destroy session").catch(() => undefined);
        await current.connection.close().catch(() => undefined);
      }
      statusListeners.clear();
    },
  };
}
