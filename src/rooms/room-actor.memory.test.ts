import { describe, expect, test } from "bun:test";
import { createManualClock } from "../../tests/helpers/clock.ts";
import { createLogger } from "../logger.ts";
import { createFakeMediaServer } from "../media/testing.ts";
import { createNotesWriter } from "../notes/index.ts";
import { createMemoryNotesStore } from "../notes/testing.ts";
import type { Connection } from "./connection.ts";
import { createRoomMemory, MEMORY_FLUSH_MS, type MemoryRecords } from "./room-actor.memory.ts";
import { createRoomActor } from "./room-actor.ts";

const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 0));
};
const SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n";

function fakeRecords() {
  const batches: Parameters<MemoryRecords["write"]>[1][] = [];
  let nextId = 1;
  let fail = false;
  const records: MemoryRecords & { batches: typeof batches; failNext(): void } = {
    batches,
    failNext: () => void (fail = true),
    async write(_meetingId, batch) {
      if (fail) {
        fail = false;
        throw new Error("database down");
      }
      batches.push(structuredClone(batch));
      return { joinedIds: batch.joined.map(() => nextId++) };
    },
  };
  return records;
}

describe("room memory (speaker timeline, attendance)", () => {
  test("a gap under a second joins two stretches; a longer one starts a new turn; rows go in batches on a timer", async () => {
    const clock = createManualClock(0);
    const records = fakeRecords();
    const memory = createRoomMemory("m", { clock, logger: createLogger("silent"), records });
    const ana = { userId: "u-ana", name: "Ana" };
    memory.joined("a", ana);
    memory.talking("a", ana, true);
    clock.advance(2_000);
    memory.talking("a", ana, false);
    clock.advance(500);
    memory.talking("a", ana, true); // 0.5 s later: the same turn
    clock.advance(1_500);
    memory.talking("a", ana, false);
    clock.advance(3_000);
    memory.talking("a", ana, true); // 3 s later: a new turn
    clock.advance(1_000);
    memory.talking("a", ana, false);
    expect(records.batches).toEqual([]);
    clock.advance(MEMORY_FLUSH_MS);
    await settle();
    const segments = records.batches.flatMap((b) => b.segments);
    expect(segments.map((s) => [s.startedAt, s.endedAt])).toEqual([
      [0, 4_000],
      [7_000, 8_000],
    ]);
    expect(records.batches[0]!.joined).toEqual([{ participantId: "a", userId: "u-ana", name: "Ana", joinedAt: 0, leftAt: null }]);
    memory.left("a", "Ana B");
    await memory.dispose();
    expect(records.batches.at(-1)!.left).toEqual([{ rowId: 1, leftAt: clock.now(), name: "Ana B" }]);
    expect(clock.pending()).toBe(0);
  });

  test("segments start a detection window before the SFU's talking event, never before the same person's last one ended", async () => {
    const clock = createManualClock(10_000);
    const records = fakeRecords();
    const memory = createRoomMemory("m", { clock, logger: createLogger("silent"), records, leadMs: 1_000 });
    const ana = { userId: null, name: "Ana" };
    memory.talking("a", ana, true); // heard at 10 s: she began at 9 s
    clock.advance(3_000);
    memory.talking("a", ana, false); // 13 s
    clock.advance(1_500);
    memory.talking("a", ana, true); // heard at 14.5 s: began 13.5 s, within a second of 13 s: one turn
    clock.advance(2_000);
    memory.talking("a", ana, false); // 16.5 s
    clock.advance(3_500);
    memory.talking("a", ana, true); // heard at 20 s: began 19 s, a new turn
    clock.advance(1_000);
    await memory.dispose();
    expect(records.batches.flatMap((b) => b.segments).map((s) => [s.startedAt, s.endedAt])).toEqual([
      [9_000, 16_500],
      [19_000, 21_000],
    ]);
  });

  test("a failed write is tried again, and dispose closes open segments and stays", async () => {
    const clock = createManualClock(0);
    const records = fakeRecords();
    const memory = createRoomMemory("m", { clock, logger: createLogger("silent"), records });
    const ben = { userId: null, name: "Ben" };
    memory.joined("b", ben);
    memory.talking("b", ben, true);
    clock.advance(1_000);
    memory.talking("b", ben, false);
    records.failNext();
    clock.advance(MEMORY_FLUSH_MS);
    await settle();
    expect(records.batches).toEqual([]);
    memory.talking("b", ben, true);
    clock.advance(2_000);
    await memory.dispose();
    const segments = records.batches.flatMap((b) => b.segments);
    expect(segments.map((s) => [s.startedAt, s.endedAt])).toEqual([
      [0, 1_000],
      [MEMORY_FLUSH_MS + 1_000, MEMORY_FLUSH_MS + 3_000],
    ]);
    const stays = records.batches.flatMap((b) => b.joined);
    expect(stays).toHaveLength(1);
    const left = records.batches.flatMap((b) => b.left);
    expect(left.length + stays.filter((s) => s.leftAt !== null).length).toBeGreaterThan(0);
    expect(clock.pending()).toBe(0);
  });

  test("the room feeds it from the SFU's talking events and writes it all when it disposes", async () => {
    const media = createFakeMediaServer({ available: true });
    const store = createMemoryNotesStore();
    const clock = createManualClock();
    const records = fakeRecords();
    const actor = createRoomActor(
      { id: "m", code: "abcd-efgh-jkmn", title: "T", agenda: "", teamId: null },
      {
        clock,
        graceMs: 1000,
        notesStore: store,
        notesWriter: createNotesWriter(store),
        records: { markStarted: async () => {}, markEnded: async () => {}, recordParticipant: async () => {} },
        logger: createLogger("silent"),
        media,
        memory: records,
      },
    );
    await actor.start();
    const join = async (name: string) => {
      const sent: string[] = [];
      const conn: Connection = { id: name, send: (d) => void (typeof d === "string" && sent.push(d)), close: () => {} };
      const sink = actor.attach("room", conn, { userId: null, username: null });
      sink.frame(JSON.stringify({ type: "hello", name }));
      await settle();
      sink.frame(JSON.stringify({ type: "media.publish", kind: "camera", sdp: SDP }));
      await settle();
      const fake = media.room("abcd-efgh-jkmn")!;
      const feed = fake.publishers().at(-1)!.feedId;
      fake.feedUp(feed);
      await settle();
      return { feed, self: JSON.parse(sent.find((m) => m.includes('"welcome"'))!).self.id as string };
    };
    const ana = await join("Ana");
    const ben = await join("Ben");
    const fake = media.room("abcd-efgh-jkmn")!;
    fake.talk(ana.feed, true);
    await settle();
    clock.advance(3_000);
    fake.talk(ana.feed, false);
    await settle();
    clock.advance(2_000);
    fake.talk(ben.feed, true);
    await settle();
    clock.advance(1_000);
    await actor.dispose();
    const segments = records.batches.flatMap((b) => b.segments);
    expect(segments.map((s) => [s.name, s.participantId, s.endedAt - s.startedAt])).toEqual([
      ["Ana", ana.self, 3_000],
      ["Ben", ben.self, 1_000],
    ]);
    expect(records.batches.flatMap((b) => b.joined).map((s) => s.name).sort()).toEqual(["Ana", "Ben"]);
  });
});
