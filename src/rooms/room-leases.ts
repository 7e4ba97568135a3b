import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { AppError } from "../errors.ts";

// Extends the lease only while it is still ours (the value carries our node id and a random token).
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * After a Redis reconnect (Redis restarted, maybe empty), every node needs a moment to subscribe
 * again and to set its leases again. Meanwhile no node judges another dead, and no node takes a
 * room nobody holds: the owner would still be serving it (sockets opening then are told to try
 * again shortly).
 */
const SETTLE_AFTER_RECONNECT_MS = 2_000;

export interface RoomLeasesOptions {
  redis: Redis;
  prefix: string;
  nodeId: string;
  leaseMs: number;
  log: Logger;
  /** The pub/sub channel of a node (whose subscriber says it lives). */
  channelOf(node: string): string;
  /** A lease of ours was taken by another node: its room must close here. */
  onLost(code: string): Promise<void>;
}

/**
 * Which node owns each room: a lease `<prefix>room:<code>:owner` = `<node id>:<random>` (`SET NX
 * PX`, renewed by compare-and-extend, released by compare-and-delete). A node whose channel has no
 * subscriber is dead: its leases are cleared by whoever needs the room next.
 */
export function createRoomLeases(options: RoomLeasesOptions) {
  const { redis, nodeId, leaseMs, log } = options;
  const ownerKey = (code: string) => `${options.prefix}room:${code}:owner`;
  /** Leases this node holds: room code → the value we set. */
  const held = new Map<string, string>();
  let readyAt = 0;
  let stopped = false;
  const settling = () => Date.now() - readyAt < SETTLE_AFTER_RECONNECT_MS;
  const settlingError = () => new AppError("UNAVAILABLE", "The cluster is reconnecting; try again in a moment");

  async function release(code: string) {
    const value = held.get(code);
    if (!value) return;
    held.delete(code);
    try {
      await redis.eval(RELEASE, 1, ownerKey(code), value);
    } catch (err) {
      log.warn({ err, code }, "could not release a room lease (it will lapse)");
    }
  }

  /** One renewal at a time (the timer and both connections' reconnects may ask at once); one more if asked meanwhile. */
  let renewing: Promise<void> | null = null;
  let renewAgain = false;
  function renewAll(): Promise<void> {
    if (renewing) {
      renewAgain = true;
      return renewing;
    }
    renewing = (async () => {
      do {
        renewAgain = false;
        await renewOnce();
      } while (renewAgain && !stopped);
    })().finally(() => (renewing = null));
    return renewing;
  }

  async function renewOnce() {
    for (const [code, value] of held) {
      try {
        const ok = await redis.eval(EXTEND, 1, ownerKey(code), value, String(leaseMs));
        if (ok === 1) continue;
        // Gone (Redis restarted empty, or it lapsed while Redis was away): nobody else holds it
        // if we can set it again. Taken by another node: that node serves the room now.
        if ((await redis.set(ownerKey(code), value, "PX", leaseMs, "NX")) === "OK" || (await redis.get(ownerKey(code))) === value) {
          log.warn({ code }, "the lease of a room had vanished from Redis; took it again");
          continue;
        }
        log.warn({ code }, "lost the lease of a room; closing it here");
        held.delete(code);
        await options.onLost(code);
      } catch (err) {
        log.warn({ err, code }, "could not renew a room lease");
      }
    }
  }

  async function acquire(code: string): Promise<boolean> {
    const value = `${nodeId}:${crypto.randomUUID()}`;
    const ok = await redis.set(ownerKey(code), value, "PX", leaseMs, "NX");
    if (ok !== "OK") return false;
    held.set(code, value);
    return true;
  }

  /** Whether `node` has a subscriber on its channel, i.e. is alive. */
  async function listening(node: string): Promise<boolean> {
    const [, listeners] = (await redis.pubsub("NUMSUB", options.channelOf(node))) as [string, number];
    return Number(listeners) > 0;
  }

  /** Where the room for `code` lives now, taking it here when nobody has it. */
  async function ownerOf(code: string): Promise<string> {
    for (let attempt = 0; attempt < 5; attempt++) {
      if (held.has(code)) return nodeId;
      const current = await redis.get(ownerKey(code));
      if (current === null) {
        if (settling()) throw settlingError();
        if (await acquire(code)) return nodeId;
        continue;
      }
      const owner = current.slice(0, current.indexOf(":"));
      if (owner === nodeId) {
        // Ours from an earlier life of this process, or a lease we are about to release.
        held.set(code, current);
        return nodeId;
      }
      if (await listening(owner)) return owner;
      if (settling()) throw settlingError();
      // Nobody listens for the owner any more: it died. Clear its lease (only if unchanged) and retry.
      log.info({ code, owner }, "room owner is gone; taking the room over");
      await redis.eval(RELEASE, 1, ownerKey(code), current);
    }
    throw new Error(`could not place room ${code}`);
  }

  /** Clears `deadOwner`'s lease of `code`, if it still holds it. */
  async function clearIfHeldBy(code: string, deadOwner: string) {
    const current = await redis.get(ownerKey(code));
    if (current?.startsWith(`${deadOwner}:`)) await redis.eval(RELEASE, 1, ownerKey(code), current);
  }

  return {
    ownerOf,
    listening,
    release,
    renewAll,
    clearIfHeldBy,
    settling,
    /** Milliseconds until the settling after a reconnect is over (0 when it is). */
    settleLeftMs: () => Math.max(0, SETTLE_AFTER_RECONNECT_MS - (Date.now() - readyAt)),
    has: (code: string) => held.has(code),
    codes: () => [...held.keys()],
    /** Our Redis connection is back: say our leases again before other nodes place our rooms. */
    reconnected() {
      readyAt = Date.now();
      void renewAll();
    },
    isLive: async (code: string) => (await redis.exists(ownerKey(code))) === 1,
    stop() {
      stopped = true;
    },
  };
}
export type RoomLeases = ReturnType<typeof createRoomLeases>;
