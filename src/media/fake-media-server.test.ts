import { describe, expect, test } from "bun:test";
import { AppError } from "../errors.ts";
import { createFakeMediaServer } from "./testing.ts";
import { createOfflineMediaServer } from "./offline-media-server.ts";
import type { MediaEvent } from "./media-server.ts";

const OFFER = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";

async function code(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (err) {
    return (err as AppError).code;
  }
  return "resolved";
}

describe("fake media server", () => {
  test("publish, feed-up, subscribe, answer and renegotiate like the Janus adapter", async () => {
    const media = createFakeMediaServer();
    const room = await media.openRoom("abcd-efgh-jkmn");
    expect(await media.openRoom("abcd-efgh-jkmn")).toBe(room);
    const events: MediaEvent[] = [];
    room.onEvent((e) => events.push(e));

    const ana = await room.publish("ana", "camera", OFFER, "Ana");
    expect(ana).toEqual({ feedId: 101, answerSdp: expect.stringContaining("s=fake answer: camera ana feed 101") });
    // Not up yet: Janus would refuse (428).
    expect(await code(room.subscribe("ben", [ana.feedId]))).toBe("NOT_FOUND");
    expect(await room.subscribe("ben", [])).toBeNull();

    media.room("abcd-efgh-jkmn")!.feedUp(ana.feedId);
    expect(events).toEqual([{ type: "feed-up", feedId: 101, participantId: "ana", kind: "camera" }]);
    const first = await room.subscribe("ben", [ana.feedId]);
    expect(first!.streams).toEqual([
      { mid: "0", feedId: 101, type: "audio" },
      { mid: "1", feedId: 101, type: "video" },
    ]);
    expect(await code(room.subscribe("ben", [ana.feedId]))).toBe("CONFLICT");
    await room.answer("ben", "v=0 answer");
    expect(await room.subscribe("ben", [ana.feedId])).toBeNull();

    const screen = await room.publish("cy", "screen", OFFER, "Cy");
    media.room("abcd-efgh-jkmn")!.feedUp(screen.feedId);
    const grown = await room.subscribe("ben", [ana.feedId, screen.feedId]);
    expect(grown!.streams.map((s) => s.mid)).toEqual(["0", "1", "2", "3"]);
    await room.answer("ben", "v=0 answer 2");
    expect(media.room("abcd-efgh-jkmn")!.subscription("ben")).toMatchObject({ feeds: [101, 102], awaitingAnswer: false });
  });

  test("talking is deduplicated, hangups release feeds, leave and destroy emit feed-down once", async () => {
    const media = createFakeMediaServer({ autoFeedUp: true });
    const room = await media.openRoom("room");
    const fake = media.room("room")!;
    const events: MediaEvent[] = [];
    room.onEvent((e) => events.push(e));
    const { feedId } = await room.publish("ana", "camera", OFFER, "Ana");
    await Promise.resolve();
    fake.talk(feedId, true);
    fake.talk(feedId, true);
    fake.hangup("ana", "camera");
    expect(events.map((e) => e.type)).toEqual(["feed-up", "talking", "talking", "feed-down", "hangup"]);
    expect(events[2]).toMatchObject({ talking: false });

    await room.publish("ana", "screen", OFFER, "Ana");
    await room.leave("ana");
    await room.destroy();
    expect(events.filter((e) => e.type === "feed-down")).toHaveLength(2);
    expect(await code(room.publish("ana", "camera", OFFER, "Ana"))).toBe("UNAVAILABLE");
  });

  test("going down loses every room and reports the status; failures can be injected", async () => {
    const media = createFakeMediaServer();
    const statuses: boolean[] = [];
    media.onStatus((up) => statuses.push(up));
    const room = await media.openRoom("room");
    media.setAvailable(false);
    expect(await code(room.requestKeyframes())).toBe("UNAVAILABLE");
    expect(await code(media.openRoom("room"))).toBe("UNAVAILABLE");
    media.setAvailable(true);
    expect(statuses).toEqual([false, true]);
    const again = await media.openRoom("room");
    expect(again).not.toBe(room);

    media.failNext("publish", new AppError("UNAVAILABLE", "boom"));
    expect(await code(again.publish("ana", "camera", OFFER, "Ana"))).toBe("UNAVAILABLE");
    expect(await code(again.publish("ana", "camera", OFFER, "Ana"))).toBe("resolved");
    await again.setRecording(true, "/recordings/x");
    expect(media.room("room")!.recording).toEqual({ on: true, dir: "/recordings/x" });
    await media.close();
    expect(media.available).toBe(false);
  });

  test("the offline server explains why media is missing", async () => {
    const media = createOfflineMediaServer("Janus is not installed");
    expect(media.available).toBe(false);
    const err = await media.openRoom("room").catch((e: AppError) => e);
    expect(err).toMatchObject({ code: "UNAVAILABLE", message: expect.stringContaining("Janus is not installed") });
    await media.close();
  });
});
