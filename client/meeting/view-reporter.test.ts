import { describe, expect, test } from "bun:test";
import { congested, rateQuality, videoFailing } from "./quality.ts";
import { createViewReporter, viewReport } from "./view-reporter.ts";

const page = { visible: true, audioOnly: false, pixelRatio: 1 };
const tile = (mid: string, width: number, height: number, extra: object = {}) => ({ mid, width, height, onScreen: true, stage: false, ...extra });

describe("viewReport", () => {
  test("each tile in device pixels, sorted by mid, the stage marked", () => {
    expect(viewReport([tile("3", 320.4, 180.2), tile("1", 800, 450, { stage: true })], { ...page, pixelRatio: 2 })).toEqual([
      { mid: "1", visible: true, width: 1600, height: 900, stage: true },
      { mid: "3", visible: true, width: 641, height: 360 },
    ]);
  });

  test("off screen, zero-sized (collapsed), a hidden page and audio only are all not visible", () => {
    expect(viewReport([tile("1", 320, 180, { onScreen: false }), tile("3", 0, 0)], page).map((v) => v.visible)).toEqual([false, false]);
    expect(viewReport([tile("1", 320, 180)], { ...page, visible: false })[0]!.visible).toBe(false);
    expect(viewReport([tile("1", 320, 180)], { ...page, audioOnly: true })[0]!.visible).toBe(false);
  });

  test("one video in two tiles reports the larger visible one", () => {
    expect(viewReport([tile("1", 320, 180), tile("1", 1280, 720), tile("1", 1900, 1000, { onScreen: false })], page)).toEqual([{ mid: "1", visible: true, width: 1280, height: 720 }]);
  });
});

describe("createViewReporter", () => {
  test("coalesces changes into one report, skips repeats, resends after a new subscription", () => {
    const timers: { at: number; fn: () => void }[] = [];
    let now = 0;
    const clock = { now: () => now, setTimeout: (fn: () => void, ms: number) => timers.push({ at: now + ms, fn }) - 1, clearTimeout: () => {} };
    const run = (ms: number) => {
      now += ms;
      for (const t of timers.splice(0).sort((a, b) => a.at - b.at)) if (t.at <= now) t.fn();
        else timers.push(t);
    };
    const sent: unknown[] = [];
    const track = { id: "t1", kind: "video" } as MediaStreamTrack;
    const el = { getBoundingClientRect: () => ({ width: 320, height: 180 }) } as unknown as Element;
    const r = createViewReporter({ clock, send: (s) => sent.push(s), midOf: () => "1" });
    r.watch(el, track, false);
    r.setAudioOnly(false);
    run(100);
    expect(sent).toEqual([[{ mid: "1", visible: true, width: 320, height: 180 }]]);
    expect(r.expected(track)).toBe(true);
    r.resend();
    run(500);
    expect(sent).toHaveLength(2);
    r.setAudioOnly(true);
    run(500);
    expect(sent.at(-1)).toEqual([{ mid: "1", visible: false, width: 320, height: 180 }]);
    expect(r.expected(track)).toBe(false);
    run(1000);
    expect(sent).toHaveLength(3);
    r.dispose();
  });
});

describe("connection quality", () => {
  test("good, fair and poor from loss, round trip and frame rate", () => {
    expect(rateQuality({ loss: 0, rttMs: 20, fps: 24 })).toBe("good");
    expect(rateQuality({ loss: 0.05, rttMs: 20, fps: 24 })).toBe("fair");
    expect(rateQuality({ loss: 0, rttMs: 300, fps: null })).toBe("fair");
    expect(rateQuality({ loss: 0, rttMs: 20, fps: 8 })).toBe("fair");
    expect(rateQuality({ loss: 0.15, rttMs: 20, fps: 24 })).toBe("poor");
    expect(rateQuality({ loss: 0, rttMs: 20, fps: 2 })).toBe("poor");
  });

  test("video fails when expected streams decode nothing while packets come, or lose most packets; paused video never fails", () => {
    expect(videoFailing([{ expected: true, framesDelta: 0, packetsDelta: 50, loss: 0 }])).toBe(true);
    expect(videoFailing([{ expected: true, framesDelta: 40, packetsDelta: 50, loss: 0.1 }])).toBe(false);
    expect(videoFailing([{ expected: true, framesDelta: 10, packetsDelta: 50, loss: 0.45 }])).toBe(true);
    expect(videoFailing([{ expected: false, framesDelta: 0, packetsDelta: 0, loss: 0 }])).toBe(false);
    expect(videoFailing([{ expected: true, framesDelta: 0, packetsDelta: 0, loss: 0 }])).toBe(false);
  });

  test("congestion: an expected camera losing over 5 % of packets, or decoding under 10 fps on a strained link", () => {
    expect(congested([{ expected: true, framesDelta: 24, packetsDelta: 100, loss: 0.02, fps: 24 }])).toBe(false);
    expect(congested([{ expected: true, framesDelta: 24, packetsDelta: 100, loss: 0.08, fps: 24 }])).toBe(true);
    expect(congested([{ expected: true, framesDelta: 4, packetsDelta: 100, loss: 0.02, fps: 4 }])).toBe(true);
    expect(congested([{ expected: true, framesDelta: 4, packetsDelta: 100, loss: 0, fps: 4 }], 450)).toBe(true);
    // A busy computer decoding slowly on a clean, fast link is not congestion.
    expect(congested([{ expected: true, framesDelta: 4, packetsDelta: 100, loss: 0, fps: 4 }], 5)).toBe(false);
    expect(congested([{ expected: false, framesDelta: 0, packetsDelta: 100, loss: 0.5, fps: null }])).toBe(false);
  });
});
