import { describe, expect, test } from "bun:test";
import { createManualClock } from "../../tests/helpers/clock.ts";
import { AppError } from "../errors.ts";
import { createLogger } from "../logger.ts";
import { createFakeMediaServer } from "../media/testing.ts";
import { createNotesWriter } from "../notes/index.ts";
import { createMemoryNotesStore } from "../notes/testing.ts";
import type { Connection } from "./connection.ts";
import { createRoomActor } from "./room-actor.ts";

const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 0));
};
const SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n";
/** The mid of an offer's stream of this media (audio or video), of one participant if given. */
const midOf = (offer: { streams: Record<string, { media: string; participantId: string }> }, media: string, participantId?: string) =>
  Object.entries(offer.streams).find(([, s]) => s.media === media && (participantId === undefined || s.participantId === participantId))![0];

function fakeConn(id: string) {
  const sent: string[] = [];
  const conn: Connection & { all(type?: string): any[] } = {
    id,
    send: (d) => void (typeof d === "string" && sent.push(d)),
    close: () => {},
    all: (type) => sent.map((d) => JSON.parse(d)).filter((m) => !type || m.type === type),
  };
  return conn;
}

async function room(options: { available?: boolean } = {}) {
  const media = createFakeMediaServer({ available: options.available ?? true });
  const store = createMemoryNotesStore();
  const clock = createManualClock();
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
    },
  );
  await actor.start();
  const join = async (name: string) => {
    const conn = fakeConn(name);
    const sink = actor.attach("room", conn, { userId: null, username: null });
    sink.frame(JSON.stringify({ type: "hello", name }));
    await settle();
    const self = conn.all("welcome")[0].self;
    return { conn, sink, self, send: (m: object) => sink.frame(JSON.stringify(m)) };
  };
  const fake = () => media.room("abcd-efgh-jkmn")!;
  /** Publishes the participant's camera and brings its WebRTC up, as a browser would. */
  const publishCamera = async (p: { send(m: object): void }) => {
    p.send({ type: "media.publish", kind: "camera", sdp: SDP });
    await settle();
    fake().feedUp(fake().publishers().at(-1)!.feedId);
    await settle();
  };
  return { media, actor, join, fake, publishCamera, clock };
}

describe("RoomActor media (fake SFU)", () => {
  test("publish → answer; when the feed is up the others get an offer labelled with who and what", async () => {
    const { join, fake, actor, media } = await room();
    const ana = await join("Ana");
    const ben = await join("Ben");
    expect(ana.conn.all("welcome")[0].media).toEqual({ available: true });

    ana.send({ type: "media.publish", id: 1, kind: "camera", sdp: SDP });
    await settle();
    const answer = ana.conn.all("media.answer")[0];
    expect(answer).toMatchObject({ kind: "camera", id: 1 });
    expect(answer.sdp).toStartWith("v=0");
    expect(ben.conn.all("media.offer")).toEqual([]);

    const feed = fake().publishers()[0]!;
    fake().feedUp(feed.feedId);
    await settle();
    const offer = ben.conn.all("media.offer")[0];
    expect(Object.values(offer.streams)).toEqual([
      { participantId: ana.self.id, kind: "camera", media: "audio" },
      { participantId: ana.self.id, kind: "camera", media: "video" },
    ]);
    expect(ana.conn.all("media.offer")).toEqual([]);
    expect(ben.conn.all("participant.updated").at(-1).participant).toMatchObject({ id: ana.self.id, publishing: { camera: true, screen: false } });

    ben.send({ type: "media.answer", id: "a1", sdp: SDP });
    await settle();
    expect(ben.conn.all("ack")).toEqual([{ type: "ack", id: "a1" }]);
    expect(fake().subscription(ben.self.id)?.answers).toHaveLength(1);
    await actor.dispose();
    expect(media.opened[0]!.destroyed).toBe(true);
  });

  test("one negotiation at a time: a feed that comes up meanwhile is offered after the answer", async () => {
    const { join, fake, actor, publishCamera } = await room();
    const ana = await join("Ana");
    const ben = await join("Ben");
    const cy = await join("Cy");
    ana.send({ type: "media.publish", kind: "camera", sdp: SDP });
    ben.send({ type: "media.publish", kind: "camera", sdp: SDP });
    await settle();
    const [fa, fb] = fake().publishers();
    fake().feedUp(fa!.feedId);
    await settle();
    fake().feedUp(fb!.feedId);
    await settle();
    expect(cy.conn.all("media.offer")).toHaveLength(1);
    cy.send({ type: "media.answer", sdp: SDP });
    await settle();
    const offers = cy.conn.all("media.offer");
    expect(offers).toHaveLength(2);
    expect(new Set(Object.values(offers[1].streams).map((s: any) => s.participantId))).toEqual(new Set([ana.self.id, ben.self.id]));
    await actor.dispose();
  });

  test("a socket that drops before answering gets the same offer again when it resumes", async () => {
    const { join, fake, actor, publishCamera } = await room();
    const ana = await join("Ana");
    const ben = await join("Ben");
    await publishCamera(ana);
    const offer = ben.conn.all("media.offer")[0];
    ben.sink.closed(1006);
    await settle();
    const back = fakeConn("ben-again");
    const sink = actor.attach("room", back, { userId: null, username: null });
    sink.frame(JSON.stringify({ type: "hello", resume: ben.conn.all("welcome")[0].resumeToken }));
    await settle();
    expect(back.all("welcome")[0].self.id).toBe(ben.self.id);
    expect(back.all("media.offer")).toEqual([offer]);
    sink.frame(JSON.stringify({ type: "media.answer", id: 1, sdp: SDP }));
    await settle();
    expect(back.all("ack")).toEqual([{ type: "ack", id: 1 }]);
    await actor.dispose();
  });

  test("a participant who leaves takes their feeds along; the others' subscriptions shrink", async () => {
    const { join, fake, actor, publishCamera } = await room();
    const ana = await join("Ana");
    const ben = await join("Ben");
    await publishCamera(ana);
    ben.send({ type: "media.answer", sdp: SDP });
    await settle();
    ana.send({ type: "leave" });
    await settle();
    expect(fake().publishers()).toEqual([]);
    const last = ben.conn.all("media.offer").at(-1);
    expect(Object.keys(last.streams)).toEqual([]);
    await actor.dispose();
  });

  test("talking becomes speaking; unpublish updates the participant", async () => {
    const { join, fake, actor, publishCamera } = await room();
    const ana = await join("Ana");
    const ben = await join("Ben");
    ana.send({ type: "media.publish", kind: "camera", sdp: SDP });
    await settle();
    const feed = fake().publishers()[0]!;
    fake().feedUp(feed.feedId);
    fake().talk(feed.feedId, true);
    await settle();
    expect(ben.conn.all("speaking")).toEqual([{ type: "speaking", participantId: ana.self.id }]);
    ana.send({ type: "media.unpublish", kind: "camera" });
    await settle();
    expect(ben.conn.all("participant.updated").at(-1).participant.publishing.camera).toBe(false);
    await actor.dispose();
  });

  test("someone who joins while another is talking is told who speaks at once (Janus says it only when talking starts)", async () => {
    const { join, fake, actor, publishCamera } = await room();
    const ana = await join("Ana");
    await publishCamera(ana);
    const feed = fake().publishers()[0]!;
    fake().talk(feed.feedId, true);
    await settle();
    const ben = await join("Ben");
    expect(ben.conn.all("speaking")).toEqual([{ type: "speaking", participantId: ana.self.id }]);
    // Once Ana stopped, a newcomer hears of nobody; Ana herself is never told she speaks on joining.
    fake().talk(feed.feedId, false);
    await settle();
    const cy = await join("Cy");
    expect(cy.conn.all("speaking")).toEqual([]);
    expect(ana.conn.all("speaking")).toEqual([{ type: "speaking", participantId: ana.self.id }]);
    await actor.dispose();
  });

  test("Janus errors come back as error messages; without media the room still works and says so", async () => {
    const { join, media, actor } = await room();
    const ana = await join("Ana");
    media.failNext("publish", new AppError("INVALID_ARGUMENT", "Media server refused to publish: invalid SDP"));
    ana.send({ type: "media.publish", id: 9, kind: "screen", sdp: SDP });
    await settle();
    expect(ana.conn.all("error")[0]).toMatchObject({ code: "INVALID_ARGUMENT", id: 9 });
    await actor.dispose();

    const offline = await room({ available: false });
    const ben = await offline.join("Ben");
    expect(ben.conn.all("welcome")[0].media).toEqual({ available: false });
    ben.send({ type: "media.publish", id: 2, kind: "camera", sdp: SDP });
    ben.send({ type: "chat", text: "no video, still talking" });
    await settle();
    expect(ben.conn.all("error")[0]).toMatchObject({ code: "UNAVAILABLE", id: 2 });
    expect(ben.conn.all("chat")[0].text).toBe("no video, still talking");
    await offline.actor.dispose();
  });

  test("when the media server drops and returns, the room reopens and everyone is told to publish again", async () => {
    const { join, media, fake, actor, publishCamera } = await room();
    const ana = await join("Ana");
    const ben = await join("Ben");
    await publishCamera(ana);
    const first = fake();
    media.setAvailable(false);
    await settle();
    media.setAvailable(true);
    await settle();
    expect(ben.conn.all("media.restart")).toEqual([{ type: "media.restart", available: true }]);
    expect(ana.conn.all("media.restart")).toHaveLength(1);
    expect(media.opened).toHaveLength(2);
    expect(fake()).not.toBe(first);
    // Publishing again works on the new room, and Ben is offered the new feed.
    await publishCamera(ana);
    expect(Object.keys(ben.conn.all("media.offer").at(-1).streams)).toHaveLength(2);
    await actor.dispose();
  });

  describe("media.view: layers by what each tile shows", () => {
    async function subscribed() {
      const r = await room();
      const ana = await r.join("Ana");
      const ben = await r.join("Ben");
      await r.publishCamera(ana);
      const offer = ben.conn.all("media.offer")[0];
      ben.send({ type: "media.answer", sdp: SDP });
      await settle();
      return { ...r, ana, ben, videoMid: midOf(offer, "video"), audioMid: midOf(offer, "audio") };
    }

    test("a small tile gets the low layer, the stage the top one, a hidden tile no video, each with fallback; repeats are not re-sent", async () => {
      const { ben, fake, videoMid, actor } = await subscribed();
      ben.send({ type: "media.view", id: 1, streams: [{ mid: videoMid, visible: true, width: 284, height: 160 }] });
      await settle();
      expect(ben.conn.all("ack")).toContainEqual({ type: "ack", id: 1 });
      ben.send({ type: "media.view", id: 2, streams: [{ mid: videoMid, visible: true, width: 284, height: 160 }] });
      await settle();
      ben.send({ type: "media.view", streams: [{ mid: videoMid, visible: true, width: 900, height: 506, stage: true }] });
      await settle();
      ben.send({ type: "media.view", streams: [{ mid: videoMid, visible: false, width: 900, height: 506 }] });
      await settle();
      expect(fake().subscription(ben.self.id)!.configured).toEqual([
        [{ mid: videoMid, send: true, substream: 0, temporal: 2, fallbackUs: 250_000 }],
        [{ mid: videoMid, send: true, substream: 2, temporal: 2, fallbackUs: 250_000 }],
        [{ mid: videoMid, send: false }],
      ]);
      await actor.dispose();
    });

    test("a congested receiver's cap lowers its stage to the low layer, and lifting it restores the top", async () => {
      const { ben, fake, videoMid, actor } = await subscribed();
      ben.send({ type: "media.view", streams: [{ mid: videoMid, visible: true, width: 900, height: 506, stage: true }] });
      await settle();
      ben.send({ type: "media.view", cap: 0, streams: [{ mid: videoMid, visible: true, width: 900, height: 506, stage: true }] });
      await settle();
      ben.send({ type: "media.view", streams: [{ mid: videoMid, visible: true, width: 900, height: 506, stage: true }] });
      await settle();
      expect(fake().subscription(ben.self.id)!.configured.map((c) => c[0]!.substream)).toEqual([2, 0, 2]);
      await actor.dispose();
    });

    test("publishers hear the highest camera layer anyone receives: top until tiles report, then what the tiles need", async () => {
      const { ana, ben, videoMid, actor } = await subscribed();
      const told = () => ana.conn.all("media.layers").map((m) => m.max);
      // Feed up with nobody subscribed (0), then Ben's subscription with no report yet (Janus's default, the top).
      expect(told()).toEqual([0, 2]);
      ben.send({ type: "media.view", streams: [{ mid: videoMid, visible: true, width: 284, height: 160 }] });
      await settle();
      ben.send({ type: "media.view", streams: [{ mid: videoMid, visible: true, width: 284, height: 160 }] });
      await settle();
      ben.send({ type: "media.view", streams: [{ mid: videoMid, visible: true, width: 900, height: 506, stage: true }] });
      await settle();
      ben.send({ type: "media.view", streams: [{ mid: videoMid, visible: false, width: 0, height: 0 }] });
      await settle();
      expect(told()).toEqual([0, 2, 0, 2, 0]);
      expect(ana.conn.all("media.layers")[0]).toEqual({ type: "media.layers", kind: "camera", max: 0 });
      expect(ben.conn.all("media.layers")).toEqual([]);
      await actor.dispose();
    });

    test("an audio mid or an unknown mid is refused with NOT_FOUND and configures nothing; a malformed report is INVALID_ARGUMENT", async () => {
      const { ben, fake, audioMid, actor } = await subscribed();
      ben.send({ type: "media.view", id: "v1", streams: [{ mid: audioMid, visible: false, width: 0, height: 0 }] });
      ben.send({ type: "media.view", id: "v2", streams: [{ mid: "99", visible: true, width: 10, height: 10 }] });
      ben.send({ type: "media.view", id: "v3", streams: [{ mid: "1", visible: true, width: -1, height: 10 }] });
      ben.send({ type: "media.view", id: "v4", streams: [{ mid: "1", visible: true, width: 100_000, height: 10 }] });
      ben.send({ type: "media.view", id: "v5", streams: [] });
      ben.send({ type: "media.view", id: "v6", streams: [{ mid: "1 or 2", visible: true, width: 10, height: 10 }] });
      await settle();
      // Malformed frames are refused before the mailbox, so they can overtake the others.
      const errors = ben.conn.all("error").sort((a, b) => String(a.id).localeCompare(String(b.id)));
      expect(errors.map((e) => [e.id, e.code])).toEqual([
        ["v1", "NOT_FOUND"],
        ["v2", "NOT_FOUND"],
        ["v3", "INVALID_ARGUMENT"],
        ["v4", "INVALID_ARGUMENT"],
        ["v5", "INVALID_ARGUMENT"],
        ["v6", "INVALID_ARGUMENT"],
      ]);
      expect(errors[1].message).toContain("mid 99");
      expect(fake().subscription(ben.self.id)!.configured).toEqual([]);
      await actor.dispose();
    });

    test("a view sent before any subscription is answered is refused, and a later report applies", async () => {
      const { join, fake, publishCamera, actor } = await room();
      const ana = await join("Ana");
      const ben = await join("Ben");
      await publishCamera(ana);
      const offer = ben.conn.all("media.offer")[0];
      const videoMid = midOf(offer, "video");
      ben.send({ type: "media.view", id: 1, streams: [{ mid: videoMid, visible: true, width: 640, height: 360 }] });
      await settle();
      expect(ben.conn.all("error")[0]).toMatchObject({ id: 1, code: "NOT_FOUND" });
      ben.send({ type: "media.answer", sdp: SDP });
      await settle();
      ben.send({ type: "media.view", id: 2, streams: [{ mid: videoMid, visible: true, width: 640, height: 360 }] });
      await settle();
      expect(fake().subscription(ben.self.id)!.configured).toEqual([[{ mid: videoMid, send: true, substream: 1, temporal: 2, fallbackUs: 250_000 }]]);
      await actor.dispose();
    });
  });

  describe("media.keyframe: a receiver's frozen picture", () => {
    test("asks that stream's publisher (and only it) for a keyframe, at most once a second whoever asks", async () => {
      const r = await room();
      const ana = await r.join("Ana");
      const ben = await r.join("Ben");
      const cy = await r.join("Cy");
      await r.publishCamera(ana);
      await r.publishCamera(cy);
      for (const p of [ben, cy]) {
        p.conn.all("media.offer").forEach(() => p.send({ type: "media.answer", sdp: SDP }));
        await settle();
      }
      const offer = ben.conn.all("media.offer").at(-1);
      const anaVideo = midOf(offer, "video", ana.self.id);
      ben.send({ type: "media.keyframe", id: 1, mid: anaVideo });
      ben.send({ type: "media.keyframe", id: 2, mid: anaVideo });
      await settle();
      expect(r.fake().keyframesFor).toEqual([`${ana.self.id}:camera`]);
      expect(ben.conn.all("ack").map((a) => a.id)).toEqual(expect.arrayContaining([1, 2]));
      r.clock.advance(999);
      ben.send({ type: "media.keyframe", mid: anaVideo });
      await settle();
      expect(r.fake().keyframesFor).toHaveLength(1);
      r.clock.advance(1);
      ben.send({ type: "media.keyframe", mid: anaVideo });
      await settle();
      expect(r.fake().keyframesFor).toEqual([`${ana.self.id}:camera`, `${ana.self.id}:camera`]);
      // Two requests in all, both for Ana alone: none went to every publisher.
      expect(r.fake().keyframeRequests).toBe(2);
      await r.actor.dispose();
    });

    test("an audio mid, an unknown mid and a malformed one are refused, and nobody is asked", async () => {
      const r = await room();
      const ana = await r.join("Ana");
      const ben = await r.join("Ben");
      await r.publishCamera(ana);
      const offer = ben.conn.all("media.offer")[0];
      // Before the answer, nothing is received yet.
      const videoMid = midOf(offer, "video");
      ben.send({ type: "media.keyframe", id: "k0", mid: videoMid });
      await settle();
      ben.send({ type: "media.answer", sdp: SDP });
      await settle();
      const audioMid = midOf(offer, "audio");
      ben.send({ type: "media.keyframe", id: "k1", mid: audioMid });
      ben.send({ type: "media.keyframe", id: "k2", mid: "99" });
      ben.send({ type: "media.keyframe", id: "k3", mid: "1 or 2" });
      ben.send({ type: "media.keyframe", id: "k4" });
      await settle();
      const errors = ben.conn.all("error").sort((a, b) => String(a.id).localeCompare(String(b.id)));
      expect(errors.map((e) => [e.id, e.code])).toEqual([
        ["k0", "NOT_FOUND"],
        ["k1", "NOT_FOUND"],
        ["k2", "NOT_FOUND"],
        ["k3", "INVALID_ARGUMENT"],
        ["k4", "INVALID_ARGUMENT"],
      ]);
      expect(r.fake().keyframeRequests).toBe(0);
      await r.actor.dispose();
    });
  });
});
