import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createManualClock } from "../../tests/helpers/clock.ts";
import { createLogger } from "../logger.ts";
import { createFakeMediaServer } from "../media/testing.ts";
import { createNotesWriter } from "../notes/index.ts";
import { createMemoryNotesStore } from "../notes/testing.ts";
import type { Connection } from "./connection.ts";
import { createRoomActor } from "./room-actor.ts";

const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 0));
};

function fakeConn(id: string) {
  const sent: string[] = [];
  return Object.assign(
    { id, send: (d: string | Uint8Array) => void (typeof d === "string" && sent.push(d)), close: () => {} } satisfies Connection,
    { all: (type?: string) => sent.map((d) => JSON.parse(d)).filter((m) => !type || m.type === type) },
  );
}

test("signed-in participants start and stop recording; everyone sees it; keyframes follow; an emptied room stops it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dictate-rec-"));
  try {
    const clock = createManualClock();
    const media = createFakeMediaServer();
    const store = createMemoryNotesStore();
    const calls: string[] = [];
    let statusReads = 0;
    const actor = createRoomActor(
      { id: "m1", code: "abcd-efgh-jkmn", title: "Review", agenda: "", teamId: null },
      {
        clock,
        graceMs: 1000,
        notesStore: store,
        notesWriter: createNotesWriter(store),
        records: { markStarted: async () => {}, markEnded: async () => {}, recordParticipant: async () => {} },
        logger: createLogger("silent"),
        media,
        recordingsDir: dir,
        recordings: {
          begin: async (meetingId, userId, title) => {
            calls.push(`begin ${meetingId} ${userId} ${title.startsWith("Review — ")}`);
            return { id: `rec-${calls.length}`, startedAt: new Date(clock.now()) };
          },
          finish: async (id) => {
            calls.push(`finish ${id}`);
            return { stoppedAt: new Date(clock.now()) };
          },
          // The worker's progress as the room reads it: half way, then ready.
          status: async () => (statusReads++ === 0 ? { status: "processing", progress: 0.5, durationMs: null } : { status: "ready", progress: null, durationMs: 6000 }),
        },
      },
    );
    await actor.start();
    const enter = async (name: string, userId: string | null) => {
      const conn = fakeConn(name);
      const sink = actor.attach("room", conn, { userId, username: userId ? name : null });
      sink.frame(JSON.stringify({ type: "hello", name }));
      await settle();
      return { conn, sink, send: (m: object) => sink.frame(JSON.stringify(m)) };
    };
    const guest = await enter("Guest", null);
    const ana = await enter("ana", "u-ana");

    guest.send({ type: "recording.start", id: "g" });
    await settle();
    expect(guest.conn.all("error")[0]).toMatchObject({ code: "UNAUTHENTICATED", id: "g" });

    ana.send({ type: "recording.start", id: "r1" });
    await settle();
    expect(ana.conn.all("ack")).toContainEqual({ type: "ack", id: "r1" });
    const started = guest.conn.all("recording.started")[0].recording;
    expect(started).toMatchObject({ id: "rec-1", status: "recording", stoppedAt: null });
    const room = media.room("abcd-efgh-jkmn")!;
    expect(room.recording).toEqual({ on: true, dir: join(dir, "rec-1") });
    expect(statSync(join(dir, "rec-1")).isDirectory()).toBe(true);
    expect(room.keyframeRequests).toBe(0);
    clock.advance(500);
    await settle();
    expect(room.keyframeRequests).toBe(1);

    // A publisher coming up mid-recording gets a keyframe request 500 ms later.
    ana.send({ type: "media.publish", kind: "camera", sdp: "v=0\r\n" });
    await settle();
    room.feedUp(room.publishers()[0]!.feedId);
    await settle();
    clock.advance(499);
    expect(room.keyframeRequests).toBe(1);
    clock.advance(1);
    await settle();
    expect(room.keyframeRequests).toBe(2);
    // The recording takes the top layer: nobody watches Ana's camera, yet she is told to send it all.
    expect(ana.conn.all("media.layers").map((m) => m.max)).toEqual([2]);

    ana.send({ type: "recording.start", id: "again" });
    await settle();
    expect(ana.conn.all("error").at(-1)).toMatchObject({ code: "CONFLICT", id: "again" });

    // Someone joining later sees the recording in their welcome.
    const late = await enter("Late", null);
    expect(late.conn.all("welcome")[0].recording).toMatchObject({ id: "rec-1", status: "recording" });

    ana.send({ type: "recording.stop", id: "s1" });
    await settle();
    expect(late.conn.all("recording.stopped")[0].recording).toMatchObject({ id: "rec-1", status: "processing", progress: 0 });
    expect(room.recording.on).toBe(false);
    // Recording off and nobody subscribed to her: her camera may drop to the small layer again.
    expect(ana.conn.all("media.layers").map((m) => m.max)).toEqual([2, 0]);
    // Processing progress reaches everyone in the room, until the recording is ready.
    clock.advance(1000);
    await settle();
    clock.advance(1000);
    await settle();
    expect(late.conn.all("recording.status").map((m) => [m.recording.status, m.recording.progress, m.recording.durationMs])).toEqual([
      ["processing", 0.5, null],
      ["ready", null, 6000],
    ]);

    // Recording again, then everyone leaves: the room stops it.
    ana.send({ type: "recording.start" });
    await settle();
    for (const p of [guest, ana, late]) p.sink.closed(1000);
    await settle();
    expect(calls).toEqual(["begin m1 u-ana true", "finish rec-1", "begin m1 u-ana true", "finish rec-3"]);
    await actor.dispose();
    expect(clock.pending()).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
