import type { Channel, Connection, Principal, SocketSink } from "./connection.ts";
import { RoomClosedError, type RoomActor, type RoomMeeting } from "./room-actor.ts";

/** Where rooms live: this process only (local), or one node per room across several (redis). */
export interface RoomDirectory {
  /** Attaches a socket to the meeting's room wherever it lives, loading the room if need be. */
  open(meeting: RoomMeeting, channel: Channel, conn: Connection, principal: Principal): Promise<SocketSink>;
  /** Rooms that live in this process. */
  localRooms(): RoomActor[];
  /** Whether the meeting's room is live on some node (people in it, or its grace period running). */
  isLive(code: string): Promise<boolean>;
  /** Saves and disposes every local room. */
  shutdown(): Promise<void>;
  /** Connects what the directory needs (subscriptions) before sockets arrive. */
  start?(): Promise<void>;
}

export type ActorFactory = (meeting: RoomMeeting, onDisposed: () => void) => RoomActor;

/**
 * Rooms held in this process. A room is loaded once: concurrent opens share the in-flight load,
 * a failed load is forgotten so the next open retries, and a room still disposing is waited for
 * before it is loaded again (its last writes land first).
 */
export function createLocalRooms(createActor: ActorFactory) {
  const live = new Map<string, RoomActor>();
  const loading = new Map<string, Promise<RoomActor>>();
  const disposing = new Map<string, Promise<void>>();

  function load(meeting: RoomMeeting): Promise<RoomActor> {
    const existing = live.get(meeting.code);
    if (existing && existing.state === "live") return Promise.resolve(existing);
    let pending = loading.get(meeting.code);
    if (!pending) {
      pending = (async () => {
        const previous = live.get(meeting.code);
        if (previous) await previous.dispose();
        await disposing.get(meeting.code);
        let actor: RoomActor | undefined;
        actor = createActor(meeting, () => {
          if (live.get(meeting.code) === actor) live.delete(meeting.code);
        });
        await actor.start();
        live.set(meeting.code, actor);
        return actor;
      })().finally(() => loading.delete(meeting.code));
      loading.set(meeting.code, pending);
    }
    return pending;
  }

  async function attach(meeting: RoomMeeting, channel: Channel, conn: Connection, principal: Principal): Promise<SocketSink> {
    for (let attempt = 0; ; attempt++) {
      const actor = await load(meeting);
      try {
        return actor.attach(channel, conn, principal);
      } catch (err) {
        // The room began closing between load and attach: load it afresh.
        if (!(err instanceof RoomClosedError) || attempt >= 3) throw err;
        const done = actor.dispose();
        disposing.set(meeting.code, done);
        await done;
        if (disposing.get(meeting.code) === done) disposing.delete(meeting.code);
      }
    }
  }

  return {
    load,
    attach,
    get: (code: string) => live.get(code),
    isLoading: (code: string) => loading.has(code),
    rooms: () => [...live.values()],
    async shutdown() {
      await Promise.allSettled([...loading.values()]);
      await Promise.allSettled([...live.values()].map((a) => a.dispose("shutdown")));
    },
  };
}

/**
 * A room someone is in: a seat taken or held, or a socket open. A room only waiting out its grace
 * period after everyone left holds no notes session any more, so its meeting is not in progress.
 */
export function isInUse(actor: RoomActor | undefined): boolean {
  if (!actor || actor.state !== "live") return false;
  const { participants, sockets } = actor.stats();
  return participants > 0 || sockets > 0;
}

export function createLocalDirectory(createActor: ActorFactory): RoomDirectory {
  const rooms = createLocalRooms(createActor);
  return {
    open: rooms.attach,
    localRooms: rooms.rooms,
    isLive: async (code) => rooms.isLoading(code) || isInUse(rooms.get(code)),
    shutdown: rooms.shutdown,
  };
}
