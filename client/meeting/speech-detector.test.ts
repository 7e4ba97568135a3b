import { describe, expect, test } from "bun:test";
import { createSpeechDetector, meterValue, rms } from "./speech-detector.ts";

/** Feeds `levels` one every `stepMs` from `from`; returns the times at which the notice showed. */
function run(detector: ReturnType<typeof createSpeechDetector>, levels: number[], stepMs = 50, from = 0): number[] {
  const shown: number[] = [];
  levels.forEach((level, i) => {
    if (detector.push(level, from + i * stepMs)) shown.push(from + i * stepMs);
  });
  return shown;
}

const speech = (ms: number, stepMs = 50) => Array.from({ length: ms / stepMs }, (_, i) => (i % 5 === 4 ? 0.005 : 0.1));
const silence = (ms: number, stepMs = 50) => Array.from({ length: ms / stepMs }, () => 0.002);

describe("the speech detector behind 'You are muted'", () => {
  test("half a second of speech (with the gaps between syllables) shows the notice, not sooner", () => {
    const shown = run(createSpeechDetector(), [...silence(1000), ...speech(2000)]);
    expect(shown).toHaveLength(1);
    expect(shown[0]).toBeGreaterThanOrEqual(1500);
    expect(shown[0]).toBeLessThanOrEqual(1600);
  });

  test("silence, background hiss, a knock or a cough never do", () => {
    const knock = [0.5, 0.3, 0.05];
    const cough = [0.2, 0.3, 0.3, 0.2, 0.1, 0.05];
    expect(run(createSpeechDetector(), [...silence(2000), ...knock, ...silence(2000), ...cough, ...silence(2000), ...Array(100).fill(0.01)])).toEqual([]);
  });

  test("speaking on and on asks again at most once every 10 s", () => {
    const shown = run(createSpeechDetector(), speech(25_000));
    expect(shown).toHaveLength(3);
    expect(shown[1]! - shown[0]!).toBeGreaterThanOrEqual(10_000);
    expect(shown[2]! - shown[1]!).toBeGreaterThanOrEqual(10_000);
  });

  test("two sentences with a pause between them count once within the cooldown", () => {
    expect(run(createSpeechDetector(), [...speech(1000), ...silence(2000), ...speech(1000)])).toHaveLength(1);
  });

  test("a long pause ends a run: short bursts far apart never add up to speech", () => {
    const bursts = Array.from({ length: 20 }, () => [0.2, 0.2, ...silence(1000)]).flat();
    expect(run(createSpeechDetector(), bursts)).toEqual([]);
  });

  test("a beep every half second (Chromium's fake microphone) is a run of sound", () => {
    const beeps = Array.from({ length: 6 }, () => [0.3, 0.03, 0.01, 0, 0, 0, 0, 0, 0, 0]).flat();
    expect(run(createSpeechDetector(), beeps)).toHaveLength(1);
  });

  test("reset forgets the run under way, not the cooldown", () => {
    const d = createSpeechDetector();
    expect(run(d, speech(400))).toEqual([]);
    d.reset();
    expect(run(d, speech(400), 50, 400)).toEqual([]);
    expect(run(d, speech(1000), 50, 800)).toHaveLength(1);
    d.reset();
    expect(run(d, speech(1000), 50, 2000)).toEqual([]);
  });
});

describe("levels", () => {
  test("rms of silence is 0, of a full-scale square wave 1", () => {
    expect(rms(new Float32Array(128))).toBe(0);
    expect(rms(Float32Array.from({ length: 128 }, (_, i) => (i % 2 ? 1 : -1)))).toBeCloseTo(1);
  });

  test("the meter spreads −60…0 dBFS over 0…1", () => {
    expect(meterValue(0)).toBe(0);
    expect(meterValue(0.0001)).toBe(0);
    expect(meterValue(0.001)).toBe(0);
    expect(meterValue(10 ** -1.5)).toBeCloseTo(0.5);
    expect(meterValue(1)).toBe(1);
    expect(meterValue(2)).toBe(1);
  });
});
