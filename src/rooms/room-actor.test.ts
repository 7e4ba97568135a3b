import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import * as Y from "yjs";
import { createManualClock } from "../../tests/helpers/clock.ts";
import { updateFrame } from "../../tests/helpers/yjs.ts";
import { createLogger } from "../logger.ts";
import { createNotesWriter } from "../notes/index.ts";
import { createMemoryNotesStore } from "../notes/testing.ts";
import type { Connection } from "./connection.ts";
import { createLocalRooms } from "./local-directory.ts";
import { createRoomActor, DEFAULT_ROOM_LIMITS, type RoomDeps, type RoomMeeting } from "./room-actor.ts";

const meeting: RoomMeeting = { id: "m-1", code: "abcd-efgh-jkmn", title: "Sync", agenda: "Agenda", teamId: null };
const tick = () => new Promise((r) => setTimeout(r, 0));
const settle = async () => {
  for (let i = 0; i < 5; i++) await tick();
};

function fakeConn(id: string) {
  const sent: (string | Uint8Array)[] = [];
  let closed: { code: number; reason: string } | null = null;
  const conn: Connection & { sent: typeof sent; json(): any[]; closedWith(): typeof closed } = {
    id,
    sent,
    send: (d) => void sent.push(d),
    close: (code, reason) => void (closed ??= { code, reason }),
    json: () => sent.filter((d): d is string => typeof d === "string").map((d) => JSON.parse(d)),
    closedWith: () => closed,
  };
  return conn;
}


function setup(overrides: Partial<RoomDeps> = {}) {
  const clock = createManualClock();
  const store = createMemoryNotesStore();
  const calls: string[] = [];
  let disposed = 0;
  const deps: RoomDeps = {
    clock,
    graceMs: 30_000,
    notesStore: store,
    notesWriter: createNotesWriter(store),
    records: {
      markStarted: async (id) => void calls.push(`started ${id}`),
      markEnded: async (id) => void calls.push(`ended ${id}`),
      recordParticipant: async (id, user) => void calls.push(`participant ${id} ${user}`),
    },
    logger: createLogger("silent"),
    onDisposed: () => disposed++,
    ...overrides,
  };
  const actor = createRoomActor(meeting, deps);
  return { actor, clock, store, calls, disposed: () => disposed };
}

describe("RoomActor", () => {
  // Awareness runs a real interval; count the ones created and cleared around each test.
  const realSetInterval = globalThis.setInterval;
  const realClearInterval = globalThis.clearInterval;
  let liveIntervals: Set<unknown>;
  beforeEach(() => {
    liveIntervals = new Set();
    globalThis.setInterval = ((fn: () => void, ms?: number) => {
      const h = realSetInterval(fn, ms);
      liveIntervals.add(h);
      return h;
    }) as typeof setInterval;
    globalThis.clearInterval = ((h: ReturnType<typeof setInterval>) => {
      liveIntervals.delete(h);
      realClearInterval(h);
    }) as typeof clearInterval;
  });
  afterEach(() => {
    globalThis.setInterval = realSetInterval;
    globalThis.clearInterval = realClearInterval;
  });

  test("joins, presence and chat go to everyone; a deliberate close leaves at once", async () => {
    const { actor, calls } = setup();
    await actor.start();
    const a = fakeConn("a");
    const b = fakeConn("b");
    const sa = actor.attach("room", a, { userId: "u-1", username: "ana" });
    const sb = actor.attach("room", b, { userId: null, username: null });
    sa.frame(JSON.stringify({ type: "hello" }));
    sb.frame(JSON.stringify({ type: "hello", name: "Guest Ben" }));
    await settle();
    expect(a.json()[0]).toMatchObject({ type: "welcome", self: { name: "ana", userId: "u-1" } });
    expect(a.json()[1]).toMatchObject({ type: "participant.joined", participant: { name: "Guest Ben", userId: null } });
    expect(calls).toEqual(["started m-1", "participant m-1 u-1"]);

    sb.frame(JSON.stringify({ type: "chat", text: "hi" }));
    sb.frame(JSON.stringify({ type: "presence", videoMuted: true }));
    await settle();
    expect(a.json().slice(2)).toMatchObject([
      { type: "chat", name: "Guest Ben", text: "hi" },
      { type: "participant.updated", participant: { videoMuted: true } },
    ]);
    sb.closed(1001);
    await settle();
    expect(a.json().at(-1)).toMatchObject({ type: "participant.left", participant: { name: "Guest Ben" } });
    await actor.dispose();
  });

  test("a dropped socket's seat is held for the grace period, then released", async () => {
    const { actor, clock } = setup();
    await actor.start();
    const a = fakeConn("a");
    const b = fakeConn("b");
    const sa = actor.attach("room", a, { userId: null, username: null });
    const sb = actor.attach("room", b, { userId: null, username: null });
    sa.frame(JSON.stringify({ type: "hello", name: "A" }));
    sb.frame(JSON.stringify({ type: "hello", name: "B" }));
    await settle();
    sb.closed(1006);
    await settle();
    clock.advance(29_999);
    await settle();
    expect(a.json().some((m) => m.type === "participant.left")).toBe(false);
    clock.advance(1);
    await settle();
    expect(a.json().at(-1)).toMatchObject({ type: "participant.left", participant: { name: "B" } });
    await actor.dispose();
  });

  test("a room loaded afresh gives a genuine resume token its participant back; a forged or borrowed one gets a new seat", async () => {
    const first = setup({ seatKey: "k".repeat(32) });
    await first.actor.start();
    const a = fakeConn("a");
    first.actor.attach("room", a, { userId: "u-1", username: "ana" }).frame(JSON.stringify({ type: "hello" }));
    await settle();
    const welcome = a.json()[0];
    await first.actor.dispose();

    // The same meeting on another node (same key): the token brings back the same id.
    const second = setup({ seatKey: "k".repeat(32) });
    await second.actor.start();
    const back = fakeConn("back");
    second.actor.attach("room", back, { userId: "u-1", username: "ana" }).frame(JSON.stringify({ type: "hello", resume: welcome.resumeToken }));
    const thief = fakeConn("thief");
    second.actor.attach("room", thief, { userId: "u-2", username: "eve" }).frame(JSON.stringify({ type: "hello", resume: welcome.resumeToken }));
    const forged = fakeConn("forged");
    second.actor
      .attach("room", forged, { userId: null, username: null })
      .frame(JSON.stringify({ type: "hello", name: "Guest", resume: `${welcome.self.id}.AAAA` }));
    await settle();
    expect(back.json()[0]).toMatchObject({ type: "welcome", self: { id: welcome.self.id, name: "ana" }, resumeToken: welcome.resumeToken });
    expect(thief.json()[0].self.id).not.toBe(welcome.self.id);
    expect(forged.json()[0].self.id).not.toBe(welcome.self.id);
    await second.actor.dispose();

    // Another key (another cluster) does not honour it.
    const other = setup({ seatKey: "x".repeat(32) });
    await other.actor.start();
    const c = fakeConn("c");
    other.actor.attach("room", c, { userId: "u-1", username: "ana" }).frame(JSON.stringify({ type: "hello", resume: welcome.resumeToken }));
    await settle();
    expect(c.json()[0].self.id).not.toBe(welcome.self.id);
    await other.actor.dispose();
  });

  test("a flood is refused with 4429 before it reaches the mailbox; the clock refills the bucket", async () => {
    const { actor, clock } = setup({ limits: { ...DEFAULT_ROOM_LIMITS, messagesPerSecond: 10, burst: 5, notesMessagesPerSecond: 10, notesBurst: 5, badFrames: 20, chatHistory: 10 } });
    await actor.start();
    const a = fakeConn("a");
    const sa = actor.attach("room", a, { userId: null, username: null });
    for (let i = 0; i < 5; i++) sa.frame(JSON.stringify({ type: "ping" }));
    expect(a.closedWith()).toBeNull();
    clock.advance(100);
    sa.frame(JSON.stringify({ type: "ping" }));
    expect(a.closedWith()).toBeNull();
    sa.frame(JSON.stringify({ type: "ping" }));
    expect(a.closedWith()?.code).toBe(4429);
    await actor.dispose();
  });

  test("a handler that throws fails that message only; the room goes on", async () => {
    const { actor } = setup({
      records: {
        markStarted: async () => {
          throw new Error("db down");
        },
        markEnded: async () => {},
        recordParticipant: async () => {},
      },
    });
    await actor.start();
    const a = fakeConn("a");
    const sa = actor.attach("room", a, { userId: null, username: null });
    sa.frame(JSON.stringify({ type: "hello", name: "A" }));
    sa.frame(JSON.stringify({ type: "chat", text: "after the failure" }));
    await settle();
    expect(a.json().map((m) => m.type)).toEqual(["welcome", "chat"]);
    await actor.dispose();
  });

  test("notes updates are durable before they are relayed; a failed write closes the sender to resend", async () => {
    const { actor, store } = setup();
    await actor.start();
    const a = fakeConn("a");
    const b = fakeConn("b");
    const na = actor.attach("notes", a, { userId: null, username: null });
    actor.attach("notes", b, { userId: null, username: null });
    const doc = new Y.Doc();
    doc.getText("notes").insert(0, "hello ");
    na.frame(updateFrame(Y.encodeStateAsUpdate(doc)));
    await settle();
    const row = [...store.rows.values()][0]!;
    expect(row.updates).toHaveLength(1);
    expect(b.sent.filter((d) => d instanceof Uint8Array).length).toBe(2); // step1 on attach, then the update
    // Typed in a doc that never synced: it merges beside the seeded agenda.
    expect(actor.stats().notesText).toContain("hello ");
    expect(actor.stats().notesText).toContain("Agenda\n");

    store.failNextAppend = true;
    doc.getText("notes").insert(6, "world");
    na.frame(updateFrame(Y.encodeStateAsUpdate(doc)));
    await settle();
    expect(a.closedWith()?.code).toBe(1011);
    expect(b.sent.filter((d) => d instanceof Uint8Array).length).toBe(2);
    await actor.dispose();
  });

  test("dispose after the last person leaves: saved, meeting ended, and nothing left running", async () => {
    const { actor, clock, store, calls, disposed } = setup();
    await actor.start();
    const room = fakeConn("r");
    const notes = fakeConn("n");
    const sr = actor.attach("room", room, { userId: null, username: null });
    const sn = actor.attach("notes", notes, { userId: null, username: null });
    sr.frame(JSON.stringify({ type: "hello", name: "Solo" }));
    const doc = new Y.Doc();
    doc.getText("notes").insert(0, "final words");
    sn.frame(updateFrame(Y.encodeStateAsUpdate(doc)));
    await settle();
    expect(liveIntervals.size).toBeGreaterThan(0); // Awareness's check interval
    sr.closed(1000);
    sn.closed(1000);
    await settle();
    expect(actor.state).toBe("live");
    clock.advance(30_000);
    await settle();
    expect(actor.state).toBe("disposed");
    expect(disposed()).toBe(1);
    expect(calls.at(-1)).toBe("ended m-1");
    const row = [...store.rows.values()][0]!;
    expect(row.text).toContain("final words");
    expect(row.updates).toEqual([]);
    expect(clock.pending()).toBe(0);
    expect(liveIntervals.size).toBe(0);
    expect(() => actor.attach("room", fakeConn("late"), { userId: null, username: null })).toThrow(/closing/);
  });
});

describe("local rooms", () => {
  test("concurrent opens share one load; a failed load is retried by the next open", async () => {
    const clock = createManualClock();
    const store = createMemoryNotesStore();
    let created = 0;
    let failFirst = true;
    const rooms = createLocalRooms((m, onDisposed) => {
      created++;
      const actor = createRoomActor(m, {
        clock,
        graceMs: 1000,
        notesStore: store,
        notesWriter: createNotesWriter(store),
        records: { markStarted: async () => {}, markEnded: async () => {}, recordParticipant: async () => {} },
        logger: createLogger("silent"),
        onDisposed,
      });
      if (failFirst) {
        failFirst = false;
        return Object.assign(actor, { start: async () => Promise.reject(new Error("db down")) });
      }
      return actor;
    });
    await expect(rooms.attach(meeting, "room", fakeConn("x"), { userId: null, username: null })).rejects.toThrow("db down");
    const [s1, s2] = await Promise.all([
      rooms.attach(meeting, "room", fakeConn("y"), { userId: null, username: null }),
      rooms.attach(meeting, "room", fakeConn("z"), { userId: null, username: null }),
    ]);
    expect(s1).toBeDefined();
    expect(s2).toBeDefined();
    expect(created).toBe(2);
    expect(rooms.rooms()).toHaveLength(1);
    await rooms.shutdown();
    expect(rooms.rooms()).toHaveLength(0);
  });
});
