/**
 * The MediaServer contract as far as it can be checked without live media, run against every
 * implementation (the in-memory fake and the Janus adapter) so the fake the room actor's tests lean
 * on behaves like the real thing. What needs a browser is in live-media.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { AppError } from "../../../src/errors.ts";
import type { MediaEvent, MediaServer } from "../../../src/media/index.ts";
import { chromeLikeOffer } from "./chrome-offer.ts";

export interface ContractSubject {
  media: MediaServer;
  close(): Promise<void>;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "resolved";
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return (err as AppError).code;
  }
}

export function describeMediaContract(name: string, open: () => Promise<ContractSubject>, options: { skip?: boolean } = {}) {
  describe.skipIf(options.skip ?? false)(`MediaServer contract: ${name}`, () => {
    let subject: ContractSubject;
    let n = 0;
    const key = () => `contract-${name}-${++n}`;
    beforeAll(async () => {
      subject = await open();
    });
    afterAll(() => subject?.close());

    test("opening a key twice at once gives one room with a numeric id", async () => {
      const k = key();
      const [a, b] = await Promise.all([subject.media.openRoom(k), subject.media.openRoom(k)]);
      expect(a).toBe(b);
      expect(Number.isSafeInteger(a.janusRoomId)).toBe(true);
      expect(subject.media.available).toBe(true);
      await a.destroy();
    });

    test("publish answers with SDP and a feed id; replacing and unpublishing emit feed-down once per feed", async () => {
      const room = await subject.media.openRoom(key());
      const events: MediaEvent[] = [];
      room.onEvent((e) => events.push(e));
      const first = await room.publish("ana", "camera", chromeLikeOffer(11), "Ana");
      expect(first.answerSdp.startsWith("v=0")).toBe(true);
      expect(Number.isSafeInteger(first.feedId) && first.feedId > 0).toBe(true);
      const second = await room.publish("ana", "camera", chromeLikeOffer(12), "Ana");
      expect(second.feedId).not.toBe(first.feedId);
      await room.unpublish("ana", "camera");
      await room.unpublish("ana", "camera");
      expect(events).toEqual([
        { type: "feed-down", feedId: first.feedId, participantId: "ana", kind: "camera" },
        { type: "feed-down", feedId: second.feedId, participantId: "ana", kind: "camera" },
      ]);
      await room.destroy();
    });

    test("refusals: bad SDP, feeds that are not live, answers with nothing to answer, relative recording folders", async () => {
      const room = await subject.media.openRoom(key());
      expect(await codeOf(room.publish("ben", "camera", "not sdp", "Ben"))).toBe("INVALID_ARGUMENT");
      const { feedId } = await room.publish("ben", "camera", chromeLikeOffer(13), "Ben");
      expect(await codeOf(room.subscribe("cy", [feedId]))).toBe("NOT_FOUND");
      expect(await room.subscribe("cy", [])).toBeNull();
      expect(await codeOf(room.answer("cy", "v=0\r\n"))).toBe("NOT_FOUND");
      expect(await codeOf(room.setRecording(true, "relative/dir"))).toBe("INVALID_ARGUMENT");
      // Layers by tile (issue 15): configuring a subscription that does not exist.
      expect(await codeOf(room.configureStreams("cy", [{ mid: "1", send: false }]))).toBe("NOT_FOUND");
      await room.destroy();
    });

    test("leave releases everything and is idempotent; destroy closes the room and the key opens a new one", async () => {
      const k = key();
      const room = await subject.media.openRoom(k);
      const events: MediaEvent[] = [];
      room.onEvent((e) => events.push(e));
      const cam = await room.publish("dee", "camera", chromeLikeOffer(14), "Dee");
      const screen = await room.publish("dee", "screen", chromeLikeOffer(15), "Dee");
      await room.leave("dee");
      await room.leave("dee");
      expect(events.map((e) => (e as { feedId: number }).feedId).sort()).toEqual([cam.feedId, screen.feedId].sort());
      await room.requestKeyframes();

      const eve = await room.publish("eve", "camera", chromeLikeOffer(16), "Eve");
      await Promise.all([room.destroy(), room.destroy()]);
      expect(events.at(-1)).toEqual({ type: "feed-down", feedId: eve.feedId, participantId: "eve", kind: "camera" });
      expect(await codeOf(room.publish("eve", "camera", chromeLikeOffer(17), "Eve"))).toBe("UNAVAILABLE");
      expect(await codeOf(room.subscribe("eve", []))).toBe("UNAVAILABLE");
      expect(await codeOf(room.configureStreams("eve", [{ mid: "1", send: true, substream: 0 }]))).toBe("UNAVAILABLE");
      const reopened = await subject.media.openRoom(k);
      expect(reopened).not.toBe(room);
      await reopened.destroy();
    });
  });
}
