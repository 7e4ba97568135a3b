import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { CLOSE, type Channel, type Connection, type Principal, type SocketSink } from "./connection.ts";
import { createLocalRooms, isInUse, type ActorFactory, type RoomDirectory } from "./local-directory.ts";
import type { RoomMeeting } from "./room-actor.ts";
import { decode, encode, introduction, newRelay, noteFrame, noteSent, signRelay, verifyRelay, type Relay, type Wire } from "./relay.ts";
import { createRoomLeases } from "./room-leases.ts";

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
  /** How often the nodes this one relays to (or from) are checked for a subscriber. */
  watchMs?: number;
  /** Counts relay messages: sent, received, and received but dropped for a missing or bad signature. */
  onRelay?(direction: "in" | "out" | "rejected"): void;
}

/** Zero subscribers seen this many checks in a row (`watchMs` apart) means the node is gone. */
const GONE_AFTER_CHECKS = 2;
/**
 * One node owns each room, by a Redis lease (`SET NX PX`, renewed by compare-and-extend). A node
 * that gets a socket for a room owned elsewhere relays the socket's frames to the owner over
 * pub/sub (`<prefix>node:<id>` channels).
 *
 * When an owner dies, the nodes relaying to it notice within about half a second (its channel has
 * no subscriber any more: PUBLISH reaches nobody, and a watchdog asks PUBSUB NUMSUB), clear its
 * lease with compare-and-delete, and re-home the room: the first to take the lease loads it from
 * the database, and every relaying node moves its sockets onto the new home, saying the client's
 * hello again (its signed resume token keeps its participant) or its sync step 1 (the new owner
 * answers with what the client lacks). The clients notice nothing but a fresh welcome. The notes'
 * fencing token keeps a former owner from writing after that.
 */
export function createRedisDirectory(createActor: ActorFactory, options: RedisDirectoryOptions) {
  const { redis, subscriber, prefix, nodeId, logger } = options;
  const leaseMs = options.leaseMs ?? 10_000;
  const renewMs = options.renewMs ?? 3_000;
  const watchMs = options.watchMs ?? 250;
  const log = logger.child({ node: nodeId });
  const channelOf = (node: string) => `${prefix}node:${node}`;
  const myChannel = channelOf(nodeId);

  /** Sockets accepted here whose room lives (or lived) on another node, by relay id. */
  const relays = new Map<string, Relay>();
  /** Sockets relayed to us, as the owner: their sinks, or the frames that came before the sink. */
  const remote = new Map<string, { sink: SocketSink | null; early: Wire[]; from: string }>();
  /** Rooms being re-homed here, so concurrent discoveries of one death do one move. */
  const rehoming = new Map<string, Promise<void>>();
  /** Nodes seen without a subscriber, and how many checks in a row. */
  const silent = new Map<string, number>();
  let renewTimer: ReturnType<typeof setInterval> | null = null;
  let watchTimer: ReturnType<typeof setInterval> | null = null;
  let watching = false;
  let stopped = false;
  let relaySeq = 0;

  const local = createLocalRooms((meeting, onDisposed) =>
    createActor(meeting, () => {
      onDisposed();
      // A join that came in while the room was closing reloads it here: keep the lease for it.
      if (!local.isLoading(meeting.code)) void leases.release(meeting.code);
    }),
  );
  const leases = createRoomLeases({
    redis,
    prefix,
    nodeId,
    leaseMs,
    log,
    channelOf,
    onLost: async (code) => void (await local.get(code)?.dispose("fenced")),
  });
  const { ownerOf, listening, settling } = leases;

  const publish = async (node: string, message: Wire): Promise<number> => {
    options.onRelay?.("out");
    return redis.publish(channelOf(node), signRelay(options.secret, JSON.stringify(message)));
  };

  function deliver(r: Relay, data: string | Uint8Array) {
    if (r.local) return r.local.frame(data);
    const owner = r.owner;
    if (owner === null) return void r.queue.push(data);
    const sid = r.sid;
    void publish(owner, { t: "frame", sid, ...encode(data) }).then(
      (n) => {
        if (r.sid !== sid || r.closed) return;
        if (n > 0) return void (r.delivered = true);
        // Nobody received it: keep it, and every frame after it, until we know where the room is.
        r.queue.push(data);
        hold(owner, false);
      },
      () => {
        // Redis is unreachable: the client reconnects (and is told to try later while it lasts).
        closeRelay(r, CLOSE.RESTART, "Room moved; reconnect");
      },
    );
  }

  /** Stops sending to `owner` (its frames queue) and finds out whether it lives. */
  function hold(owner: string, reopen: boolean, only?: Relay) {
    for (const r of only ? [only] : relays.values()) {
      if (r.owner !== owner) continue;
      r.owner = null;
      r.waitingFor = owner;
      r.reopen ||= reopen;
    }
    suspect(owner);
  }

  function closeRelay(r: Relay, code: number, reason: string) {
    if (r.closed) return;
    r.closed = true;
    relays.delete(r.sid);
    r.conn.close(code, reason);
  }

  /** Relays `r` to `owner` under a new relay id, introducing it again if it had been talking to another. */
  async function relayTo(r: Relay, owner: string, reintroduce: boolean) {
    relays.delete(r.sid);
    r.sid = `${nodeId}.${r.conn.id}.${relaySeq++}`;
    relays.set(r.sid, r);
    r.owner = null;
    const sent = await publish(owner, { t: "open", sid: r.sid, from: nodeId, ch: r.channel, meeting: r.meeting, principal: r.principal });
    if (r.closed) return void publish(owner, { t: "close", sid: r.sid, code: CLOSE.ABNORMAL }).catch(() => {});
    if (sent === 0) {
      // Died just now, or is resubscribing: find out, and open again where the room is then.
      r.owner = owner;
      return hold(owner, true, r);
    }
    r.owner = owner;
    const pending = [...(reintroduce ? introduction(r) : []), ...r.queue.splice(0)];
    for (const data of pending) deliver(r, data);
  }

  /** Attaches `r` to the room that now lives here, introducing it if it had been relayed before. */
  async function attachHere(r: Relay, reintroduce: boolean) {
    r.owner = null;
    const sink = await local.attach(r.meeting, r.channel, r.conn, r.principal);
    if (r.closed) return sink.closed(CLOSE.ABNORMAL);
    relays.delete(r.sid);
    r.local = sink;
    const pending = [...(reintroduce ? introduction(r) : []), ...r.queue.splice(0)];
    for (const data of pending) sink.frame(data);
  }

  /** Nodes whose death is being checked. */
  const suspected = new Set<string>();

  /**
   * `owner` may be gone. Alive after all (a stray zero while it resubscribed), the sockets held for
   * it go on where they were; gone, every room relayed to it is re-homed.
   */
  function suspect(owner: string) {
    if (suspected.has(owner)) return;
    suspected.add(owner);
    void (async () => {
      // Right after a reconnect a silent owner may just not have subscribed again yet.
      while (settling() && !stopped) await Bun.sleep(leases.settleLeftMs() + 10);
      let alive: boolean;
      try {
        alive = await listening(owner);
      } catch {
        // Redis is away: the held sockets reconnect, and are told to try later while it lasts.
        for (const r of relays.values()) if (r.waitingFor === owner && r.owner === null) closeRelay(r, CLOSE.RESTART, "Room moved; reconnect");
        return;
      }
      const waiting = [...relays.values()].filter((r) => r.waitingFor === owner && r.owner === null && !r.closed && !r.local);
      if (alive) {
        for (const r of waiting) {
          if (rehoming.has(r.meeting.code)) continue;
          r.waitingFor = null;
          if (r.reopen) void relayTo(r, owner, false);
          else {
            r.owner = owner;
            for (const data of r.queue.splice(0)) deliver(r, data);
          }
        }
        return;
      }
      log.warn({ gone: owner }, "a room owner stopped listening; moving its rooms");
      for (const code of new Set(waiting.map((r) => r.meeting.code))) void rehome(code, owner);
    })().finally(() => suspected.delete(owner));
  }

  function rehome(code: string, deadOwner: string | null): Promise<void> {
    let pending = rehoming.get(code);
    if (pending) return pending;
    pending = (async () => {
      // Those relayed to the dead owner, and those held waiting to know where the room is.
      const moving = [...relays.values()].filter((r) => r.meeting.code === code && !r.closed && !r.local && (r.owner === null || r.owner === deadOwner));
      for (const r of moving) {
        r.owner = null;
        r.waitingFor = null;
        r.reopen = false;
      }
      const started = Date.now();
      try {
        if (deadOwner) {
          await leases.clearIfHeldBy(code, deadOwner);
        }
        const owner = await ownerOf(code);
        await Promise.all(moving.map((r) => (owner === nodeId ? attachHere(r, r.delivered) : relayTo(r, owner, r.delivered))));
        log.info({ code, from: deadOwner, to: owner, sockets: moving.length, ms: Date.now() - started }, "moved a room's relayed sockets to its new home");
      } catch (err) {
        log.warn({ err, code }, "could not re-home a room; its sockets reconnect");
        for (const r of moving) closeRelay(r, CLOSE.RESTART, "Room moved; reconnect");
      }
    })().finally(() => rehoming.delete(code));
    rehoming.set(code, pending);
    return pending;
  }

  /** Checks the nodes we relay to, and those relaying to us: a node without a subscriber died. */
  async function watch() {
    if (watching || stopped) return;
    watching = true;
    try {
      const owners = new Set<string>();
      for (const r of relays.values()) if (r.owner && !r.closed) owners.add(r.owner);
      const senders = new Set<string>();
      for (const e of remote.values()) senders.add(e.from);
      const nodes = [...new Set([...owners, ...senders])];
      if (nodes.length === 0) return;
      const counts = (await redis.pubsub("NUMSUB", ...nodes.map(channelOf))) as (string | number)[];
      const settling = leases.settling();
      nodes.forEach((node, i) => {
        if (Number(counts[i * 2 + 1]) > 0 || settling) return void silent.delete(node);
        const times = (silent.get(node) ?? 0) + 1;
        silent.set(node, times);
        if (times < GONE_AFTER_CHECKS) return;
        silent.delete(node);
        log.warn({ gone: node }, "a node stopped listening; moving what it served");
        if (owners.has(node)) hold(node, false);
        // Sockets it relayed to us dropped with it: their seats are held for their return.
        for (const [sid, e] of remote) if (e.from === node) handleOwnerMessage({ t: "close", sid, code: CLOSE.ABNORMAL });
      });
    } catch {
      // Redis is away; the next check tries again.
    } finally {
      watching = false;
    }
  }

  async function open(meeting: RoomMeeting, channel: Channel, conn: Connection, principal: Principal): Promise<SocketSink> {
    const owner = await ownerOf(meeting.code);
    if (owner === nodeId) return local.attach(meeting, channel, conn, principal);

    const r = newRelay(conn, meeting, channel, principal);
    await relayTo(r, owner, false);
    return {
      frame(data) {
        if (r.closed) return;
        if (!r.local) noteFrame(r, data);
        deliver(r, data);
      },
      closed(code) {
        if (r.closed) return;
        r.closed = true;
        relays.delete(r.sid);
        if (r.local) return r.local.closed(code);
        if (r.owner) void publish(r.owner, { t: "close", sid: r.sid, code }).catch(() => {});
      },
    };
  }

  /** As the owner: a socket relayed from `from`. */
  async function acceptRelayed(m: Extract<Wire, { t: "open" }>) {
    const entry = { sink: null as SocketSink | null, early: [] as Wire[], from: m.from };
    remote.set(m.sid, entry);
    const conn: Connection = {
      id: m.sid,
      // Pub/sub delivers at most once: a message the relaying node did not get leaves its client
      // behind for good (a notes update it will never ask for again). Drop the socket instead; its
      // client reconnects and catches up.
      send: (data) =>
        void publish(m.from, { t: "send", sid: m.sid, ...encode(data) }).then(
          (n) => n === 0 && dropRemote(m.sid),
          () => dropRemote(m.sid),
        ),
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

  /** As the owner: forget a relayed socket whose messages went missing, and ask its node to close it. */
  function dropRemote(sid: string) {
    const entry = remote.get(sid);
    if (!entry) return;
    remote.delete(sid);
    void publish(entry.from, { t: "close", sid, code: CLOSE.RESTART, reason: "Connection lost; reconnect" }).catch(() => {});
    entry.sink?.closed(CLOSE.ABNORMAL);
  }

  /** Relay ids we told to close because their frames reached us unknown (bounded). */
  const toldToClose = new Set<string>();

  function handleOwnerMessage(m: Wire) {
    const entry = remote.get(m.sid);
    if (!entry) {
      // A frame for a socket we do not know (dropped, or lost in a reconnect): its node relays into
      // nothing; tell it to close the socket so the client reconnects. Relay ids end ".<conn>.<n>".
      if (m.t === "frame" && !toldToClose.has(m.sid)) {
        if (toldToClose.size > 1000) toldToClose.clear();
        toldToClose.add(m.sid);
        const from = m.sid.split(".").slice(0, -2).join(".");
        if (from) void publish(from, { t: "close", sid: m.sid, code: CLOSE.RESTART, reason: "Connection lost; reconnect" }).catch(() => {});
      }
      return;
    }
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
        const r = relays.get(m.sid);
        if (r) closeRelay(r, m.code, m.reason ?? "");
        return;
      }
      case "send": {
        const r = relays.get(m.sid);
        if (!r || r.closed) return;
        const data = decode(m);
        noteSent(r, data);
        r.conn.send(data);
        return;
      }
    }
  }

  /** Our subscription dropped: whatever was published to us meanwhile is lost, in both directions. */
  const onSubscriberClosed = () => {
    if (stopped) return;
    for (const r of [...relays.values()]) if (!r.local) closeRelay(r, CLOSE.RESTART, "Connection lost; reconnect");
    for (const [sid, e] of [...remote]) {
      remote.delete(sid);
      e.sink?.closed(CLOSE.ABNORMAL);
    }
  };

  // Leases may have vanished with Redis: say ours again before other nodes place our rooms.
  const onReady = () => leases.reconnected();

  const directory: RoomDirectory & { start(): Promise<void>; nodeId: string; ownsLease(code: string): boolean } = {
    nodeId,
    async start() {
      subscriber.on("message", onMessage);
      await subscriber.subscribe(myChannel);
      // Both are connected now: from here on, "ready" means reconnected.
      redis.on("ready", onReady);
      subscriber.on("ready", onReady);
      subscriber.on("close", onSubscriberClosed);
      renewTimer = setInterval(() => void leases.renewAll(), renewMs);
      watchTimer = setInterval(() => void watch(), watchMs);
    },
    open,
    localRooms: local.rooms,
    // A lease is held while the room lives on its owner, and lapses within the lease if the owner dies.
    // Here, the room itself says; elsewhere the owner's lease does (held through its grace period too).
    isLive: async (code) => (leases.has(code) ? isInUse(local.get(code)) : leases.isLive(code)),
    ownsLease: (code) => leases.has(code),
    async shutdown() {
      if (stopped) return;
      stopped = true;
      if (renewTimer) clearInterval(renewTimer);
      if (watchTimer) clearInterval(watchTimer);
      redis.off("ready", onReady);
      subscriber.off("ready", onReady);
      subscriber.off("close", onSubscriberClosed);
      for (const r of [...relays.values()]) closeRelay(r, CLOSE.RESTART, "Server restarting; reconnect");
      await local.shutdown();
      leases.stop();
      for (const code of leases.codes()) await leases.release(code);
      subscriber.off("message", onMessage);
      await subscriber.quit().catch(() => {});
    },
  };
  return directory;
}
