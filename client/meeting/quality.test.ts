import { describe, expect, test } from "bun:test";
import { createQualityMonitor, FREEZE_CHECK_MS, FREEZE_REPEAT_MS, PROBE_AFTER_SAMPLES, STALL_SAMPLES } from "./quality.ts";

/** A manual clock and a PeerConnection whose stats the test writes, sample by sample. */
function rig() {
  let now = 0;
  const timers: { at: number; fn: () => void }[] = [];
  const clock = { now: () => now, setTimeout: (fn: () => void, ms: number) => timers.push({ at: now + ms, fn }), clearTimeout: () => {} };
  const video = { id: "v1", kind: "video" } as MediaStreamTrack;
  let counters = { packets: 0, lost: 0, frames: 0 };
  const pc = {
    connectionState: "connected",
    getStats: async () => new Map([["in", { type: "inbound-rtp", kind: "video", trackIdentifier: "v1", packetsReceived: counters.packets, packetsLost: counters.lost, framesDecoded: counters.frames }]]),
  } as unknown as RTCPeerConnection;
  const caps: number[] = [];
  let failed = 0;
  const monitor = createQualityMonitor({ clock, pc: () => pc, tracks: () => [video], videoExpected: () => true, onCap: (c) => caps.push(c), onVideoFailing: () => failed++ });
  /** One 1 s sample with these increments. */
  const sample = async (d: { packets: number; lost: number; frames: number }) => {
    counters = { packets: counters.packets + d.packets, lost: counters.lost + d.lost, frames: counters.frames + d.frames };
    now += 1000;
    for (const t of timers.splice(0)) if (t.at <= now) t.fn();
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { monitor, sample, caps, failed: () => failed };
}

const healthy = { packets: 100, lost: 0, frames: 20 };
const lossy = { packets: 80, lost: 20, frames: 12 };
const stalled = { packets: 50, lost: 1, frames: 0 };

describe("the quality monitor's adaptation", () => {
  test("a lossy link steps the cap down one layer per two congested samples, and marks the tile poor", async () => {
    const { monitor, sample, caps } = rig();
    await sample(healthy);
    await sample(healthy);
    expect(monitor.byTrack.value.get("v1")).toBe("good");
    for (let i = 0; i < 4; i++) await sample(lossy);
    expect(caps).toEqual([1, 0]);
    expect(monitor.byTrack.value.get("v1")).toBe("poor");
    monitor.dispose();
  });

  test("after enough good samples it probes a layer up; a probe that fails waits twice as long next time", async () => {
    const { monitor, sample, caps } = rig();
    await sample(healthy);
    for (let i = 0; i < 2; i++) await sample(lossy);
    expect(caps).toEqual([1]);
    for (let i = 0; i < PROBE_AFTER_SAMPLES; i++) await sample(healthy);
    expect(caps).toEqual([1, 2]);
    for (let i = 0; i < 2; i++) await sample(lossy);
    expect(caps).toEqual([1, 2, 1]);
    for (let i = 0; i < PROBE_AFTER_SAMPLES; i++) await sample(healthy);
    expect(caps).toEqual([1, 2, 1]);
    for (let i = 0; i < PROBE_AFTER_SAMPLES; i++) await sample(healthy);
    expect(caps).toEqual([1, 2, 1, 2]);
    monitor.dispose();
  });

  test("video that stalls on the lowest layer falls back to audio only once, after STALL_SAMPLES samples", async () => {
    const { monitor, sample, caps, failed } = rig();
    await sample(healthy);
    for (let i = 0; i < 4; i++) await sample(stalled);
    expect(caps).toEqual([1, 0]);
    expect(failed()).toBe(0);
    for (let i = 0; i < STALL_SAMPLES; i++) await sample(stalled);
    expect(failed()).toBe(1);
    monitor.dispose();
  });

  test("a stall on a clean link (frames stop, nothing lost) falls back to audio only without lowering layers", async () => {
    const { monitor, sample, caps, failed } = rig();
    await sample(healthy);
    for (let i = 0; i < STALL_SAMPLES; i++) await sample({ packets: 50, lost: 0, frames: 0 });
    expect(caps).toEqual([]);
    expect(failed()).toBe(1);
    monitor.dispose();
  });
});

describe("frozen video", () => {
  /** The same stats rig, stepped by freeze checks (half a second) with a freeze listener. */
  function freezeRig(expected = { value: true }) {
    let now = 0;
    const timers: { at: number; fn: () => void }[] = [];
    const clock = { now: () => now, setTimeout: (fn: () => void, ms: number) => timers.push({ at: now + ms, fn }), clearTimeout: () => {} };
    const video = { id: "v1", kind: "video" } as MediaStreamTrack;
    let counters = { packets: 0, frames: 0 };
    const pc = {
      connectionState: "connected",
      getStats: async () => new Map([["in", { type: "inbound-rtp", kind: "video", trackIdentifier: "v1", packetsReceived: counters.packets, packetsLost: 0, framesDecoded: counters.frames }]]),
    } as unknown as RTCPeerConnection;
    const frozenAt: number[] = [];
    const monitor = createQualityMonitor({ clock, pc: () => pc, tracks: () => [video], videoExpected: () => expected.value, onVideoFailing: () => {}, onFrozen: () => frozenAt.push(now) });
    const step = async (d: { packets: number; frames: number }) => {
      counters = { packets: counters.packets + d.packets, frames: counters.frames + d.frames };
      now += FREEZE_CHECK_MS;
      for (const t of timers.splice(0)) if (t.at <= now) t.fn();
      else timers.push(t);
      for (let i = 0; i < 5; i++) await Promise.resolve();
    };
    return { monitor, step, frozenAt };
  }
  const flowing = { packets: 25, frames: 10 };
  const frozen = { packets: 25, frames: 0 };

  test("packets without frames for one check is a freeze, told at once, again every FREEZE_REPEAT_MS while it lasts, and anew after frames flow", async () => {
    const { monitor, step, frozenAt } = freezeRig();
    await step(flowing);
    await step(flowing);
    expect(frozenAt).toEqual([]);
    await step(frozen);
    expect(frozenAt).toEqual([3 * FREEZE_CHECK_MS]);
    for (let t = FREEZE_CHECK_MS; t < FREEZE_REPEAT_MS; t += FREEZE_CHECK_MS) await step(frozen);
    expect(frozenAt).toHaveLength(1);
    await step(frozen);
    expect(frozenAt).toEqual([3 * FREEZE_CHECK_MS, 3 * FREEZE_CHECK_MS + FREEZE_REPEAT_MS]);
    await step(flowing);
    await step(frozen);
    expect(frozenAt).toHaveLength(3);
    monitor.dispose();
  });

  test("no packets (paused, or the link is down) and video not meant to flow are not freezes", async () => {
    const expected = { value: true };
    const { monitor, step, frozenAt } = freezeRig(expected);
    await step(flowing);
    await step({ packets: 0, frames: 0 });
    await step({ packets: 0, frames: 0 });
    expected.value = false;
    await step(frozen);
    await step(frozen);
    expect(frozenAt).toEqual([]);
    monitor.dispose();
  });
});
