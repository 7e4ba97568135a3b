import { createHmac, timingSafeEqual } from "node:crypto";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { CLOSE, type Channel, type Connection, type Principal, type SocketSink } from "./connection.ts";
import { createLocalRooms, isInUse, type ActorFactory, type RoomDirectory } from "./local-directory.ts";
import type { RoomMeeting } from "./room-actor.ts";

export interface RedisDirectoryOptions {
  /** Commands connection. */
  redis: Redis;
  /** A second connection, used only to subscribe; the directory closes it on shutdown. */
  subscriber: Redis;
  prefix: string;
  nodeId: string;
  logger: Logger;
  /** Key of the HMAC-SHA256 every relay message carries (CLUSTER_SECRET, the same on every node). */
  secret: string;
  leaseMs?: number;
  renewMs?: number;
  /** Counts relay messages: sent, received, and received but dropped for a missing or bad signature. */
  onRelay?(direction: "in" | "out" | "rejected"): void;
}

/** Relay messages between nodes. Binary frames travel base64-encoded. */
type Wire =
  | { t: "open"; sid: string; from: string; ch: Channel; meeting: RoomMeeting; principal: Principal }
  | { t: "frame"; sid: string; d: string; b?: 1 }
  | { t: "close"; sid: string; code: number; reason?: string }
  | { t: "send"; sid: string; d: string; b?: 1 };

// Extends the lease only while it is still ours (the value carries our node id and a random token).
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

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

const encode = (data: string | Uint8Array) =>
  typeof data === "string" ? { d: data } : { d: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64"), b: 1 as const };
const decode = (m: { d: string; b?: 1 }) => (m.b ? new Uint8Array(Buffer.from(m.d, "base64")) : m.d);

/**
 * One node owns each room, by a Redis lease (`SET NX PX`, renewed by compare-and-extend). A node
 * that gets a socket for a room owned elsewhere relays the socket's frames to the owner over
 * pub/sub (`<prefix>node:<id>` channels). When the owner is gone (nobody listens on its channel,
 * or its lease lapsed), the next open takes the lease and loads the room here from the database;
 * the notes' fencing token keeps a former owner from writing after that.
 */
export function createRedisDirectory(createActor: ActorFactory, options: RedisDirectoryOptions) {
  const { redis, subscriber, prefix, nodeId, logger } = options;
  const leaseMs = options.leaseMs ?? 10_000;
  const renewMs = options.renewMs ?? 3_000;
  const log = logger.child({ node: nodeId });
  const ownerKey = (code: string) => `${prefix}room:${code}:owner`;
  const channelOf = (node: string) => `${prefix}node:${node}`;
  const myChannel = channelOf(nodeId);

  /** Leases this node holds: room code → the value we set. */
  const leases = new Map<string, string>();
  /** Sockets accepted here whose room lives on another node. */
  const relayed = new Map<string, { conn: Connection; owner: string; code: string }>();
  /** Sockets relayed to us, as the owner: their sinks, or the frames that came before the sink. */
  const remote = new Map<string, { sink: SocketSink | null; early: Wire[]; from: string }>();
  let renewTimer: ReturnType<typeof setInterval> | null = null;
  let stopped = false;

  const local = createLocalRooms((meeting, onDisposed) =>
    createActor(meeting, () => {
      onDisposed();
      // A join that came in while the room was closing reloads it here: keep the lease for it.
      if (!local.isLoading(meeting.code)) void release(meeting.code);
    }),
  );

  const publish = async (node: string, message: Wire): Promise<number> => {
    options.onRelay?.("out");
    return redis.publish(channelOf(node), signRelay(options.secret, JSON.stringify(message)));
  };

  async function release(code: string) {
    const value = leases.get(code);
    if (!value) return;
    leases.delete(code);
    try {
      await redis.eval(RELEASE, 1, ownerKey(code), value);
    } catch (err) {
      log.warn({ err, code }, "could not release a room lease (it will lapse)");
    }
  }

  async function renewAll() {
    for (const [code, value] of leases) {
      try {
        const ok = await redis.eval(EXTEND, 1, ownerKey(code), value, String(leaseMs));
        if (ok === 1) continue;
        log.warn({ code }, "lost the lease of a room; closing it here");
        leases.delete(code);
        await local.get(code)?.dispose("fenced");
      } catch (err) {
        log.warn({ err, code }, "could not renew a room lease");
      }
    }
  }

  async function acquire(code: string): Promise<boolean> {
    const value = `${nodeId}:${crypto.randomUUID()}`;
    const ok = await redis.set(ownerKey(code), value, "PX", leaseMs, "NX");
    if (ok !== "OK") return false;
    leases.set(code, value);
    return true;
  }

  /** Where the room for `code` lives now, taking it here when nobody has it. */
  async function ownerOf(code: string): Promise<string> {
    for (let attempt = 0; attempt < 5; attempt++) {
      if (leases.has(code)) return nodeId;
      const current = await redis.get(ownerKey(code));
      if (current === null) {
        if (await acquire(code)) return nodeId;
        continue;
      }
      const owner = current.slice(0, current.indexOf(":"));
      if (owner === nodeId) {
        // Ours from an earlier life of this process, or a lease we are about to release.
        leases.set(code, current);
        return nodeId;
      }
      const [, listeners] = (await redis.pubsub("NUMSUB", channelOf(owner))) as [string, number];
      if (Number(listeners) > 0) return owner;
      // Nobody listens for the owner any more: it died. Clear its lease (only if unchanged) and retry.
      log.info({ code, owner }, "room owner is gone; taking the room over");
      await redis.eval(RELEASE, 1, ownerKey(code), current);
    }
    throw new Error(`could not place room ${code}`);
  }

  async function open(meeting: RoomMeeting, channel: Channel, conn: Connection, principal: Principal): Promise<SocketSink> {
    const owner = await ownerOf(meeting.code);
    if (owner === nodeId) return local.attach(meeting, channel, conn, principal);

    const sid = `${nodeId}.${conn.id}`;
    relayed.set(sid, { conn, owner, code: meeting.code });
    const gone = () => {
      // The owner stopped listening: send the client away to reconnect, which re-homes the room.
      if (relayed.delete(sid)) conn.close(CLOSE.RESTART, "Room moved; reconnect");
    };
    const sent = await publish(owner, { t: "open", sid, from: nodeId, ch: channel, meeting, principal });
    if (sent === 0) gone();
    return {
      frame(data) {
        if (!relayed.has(sid)) return;
        void publish(owner, { t: "frame", sid, ...encode(data) }).then((n) => n === 0 && gone(), gone);
      },
      closed(code) {
        if (!relayed.delete(sid)) return;
        void publish(owner, { t: "close", sid, code }).catch(() => {});
      },
    };
  }

  /** As the owner: a socket relayed from `from`. */
  async function acceptRelayed(m: Extract<Wire, { t: "open" }>) {
    const entry = { sink: null as SocketSink | null, early: [] as Wire[], from: m.from };
    remote.set(m.sid, entry);
    const conn: Connection = {
      id: m.sid,
      send: (data) => void publish(m.from, { t: "send", sid: m.sid, ...encode(data) }).catch(() => {}),
      close: (code, reason) => {
        if (!remote.delete(m.sid)) return;
        void publish(m.from, { t: "close", sid: m.sid, code, reason }).catch(() => {});
        // The relay will not report this close back (we forgot the socket): report it ourselves,
        // as a local socket's close event would.
        entry.sink?.closed(code);
      },
    };
    try {
      if (!leases.has(m.meeting.code)) throw new Error("not the owner");
      const sink = await local.attach(m.meeting, m.ch, conn, m.principal);
      if (!remote.has(m.sid)) return sink.closed(CLOSE.ABNORMAL);
      entry.sink = sink;
      for (const early of entry.early.splice(0)) handleOwnerMessage(early);
    } catch (err) {
      if (!(err instanceof Error && err.message === "not the owner")) log.error({ err }, "relayed open failed");
      conn.close(CLOSE.RESTART, "Room moved; reconnect");
    }
  }

  function handleOwnerMessage(m: Wire) {
    const entry = remote.get(m.sid);
    if (!entry) return;
    if (!entry.sink) {
      entry.early.push(m);
      return;
    }
    if (m.t === "frame") entry.sink.frame(decode(m));
    else if (m.t === "close") {
      remote.delete(m.sid);
      entry.sink.closed(m.code);
    }
  }

  function onMessage(channel: string, text: string) {
    if (channel !== myChannel) return;
    const json = verifyRelay(options.secret, text);
    if (json === null) {
      // Not from a node of this cluster (or another CLUSTER_SECRET): dropped, and said so without its content.
      options.onRelay?.("rejected");
      log.warn({ bytes: text.length }, "dropped a relay message without a valid signature");
      return;
    }
    options.onRelay?.("in");
    let m: Wire;
    try {
      m = JSON.parse(json);
    } catch {
      return;
    }
    switch (m.t) {
      case "open":
        void acceptRelayed(m);
        return;
      case "frame":
        return handleOwnerMessage(m);
      case "close": {
        // Either a relayed client closed (we own the room), or the owner closed a socket we relay.
        if (remote.has(m.sid)) return handleOwnerMessage(m);
        const r = relayed.get(m.sid);
        if (r) {
          relayed.delete(m.sid);
          r.conn.close(m.code, m.reason ?? "");
        }
        return;
      }
      case "send": {
        relayed.get(m.sid)?.conn.send(decode(m));
        return;
      }
    }
  }

  const directory: RoomDirectory & { start(): Promise<void>; nodeId: string; ownsLease(code: string): boolean } = {
    nodeId,
    async start() {
      subscriber.on("message", onMessage);
      await subscriber.subscribe(myChannel);
      renewTimer = setInterval(() => void renewAll(), renewMs);
    },
    open,
    localRooms: local.rooms,
    // A lease is held while the room lives on its owner, and lapses within the lease if the owner dies.
    // Here, the room itself says; elsewhere the owner's lease does (held through its grace period too).
    isLive: async (code) => (leases.has(code) ? isInUse(local.get(code)) : (await redis.exists(ownerKey(code))) === 1),
    ownsLease: (code) => leases.has(code),
    async shutdown() {
      if (stopped) return;
      stopped = true;
      if (renewTimer) clearInterval(renewTimer);
      for (const r of relayed.values()) r.conn.close(CLOSE.RESTART, "Server restarting; reconnect");
      relayed.clear();
      await local.shutdown();
      for (const code of [...leases.keys()]) await release(code);
      subscriber.off("message", onMessage);
      await subscriber.quit().catch(() => {});
    },
  };
  return directory;
}
