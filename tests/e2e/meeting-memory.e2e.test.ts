/**
 * The meeting's memory end to end (issue 16): real Chromium through real Janus in a network
 * namespace this test creates. Two members speak in turn (a voice-like file as the fake microphone,
 * the other muted); the timeline must hold their segments in that order with talk time within a
 * second of how long each was unmuted; notes lines typed at known moments carry those offsets; on
 * the meeting's page a click on a line's time seeks the recording to within a second of it; the page
 * is axe-clean at desktop and phone width, light and dark. The scenario runs in
 * meeting-memory.scenario.ts; this file judges its report. Skipped without root, `ip`, Janus,
 * Chromium or ffmpeg. Screenshots: .test-artifacts/screenshots/memory-page-*.png.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { canRunNamespaceScenario, namespaceScenario } from "../helpers/scenario.ts";

const SCENARIO_TIMEOUT_MS = 330_000;
const canRun = canRunNamespaceScenario && Bun.which("ffmpeg") !== null;

describe.skipIf(!canRun)("the meeting's memory (Chromium + Janus in a network namespace)", () => {
  const scenario = namespaceScenario({
    script: join(import.meta.dir, "meeting-memory.scenario.ts"),
    name: "memory",
    subnet: `10.216.${10 + (process.pid % 200)}`,
    timeoutMs: SCENARIO_TIMEOUT_MS,
  });
  let r: Record<string, any> = {};
  beforeAll(async () => {
    r = await scenario.run();
  }, SCENARIO_TIMEOUT_MS + 20_000);
  afterAll(() => scenario.dispose());

  test("the scenario ran to the end", () => {
    if (r.error) console.error(r.error, r.serverLog ?? "", scenario.stderr());
    expect(r.error ?? null).toBeNull();
    expect(r.ok).toBe(true);
    console.log(`speaking seen: ${r.speakingSeen?.length} ${JSON.stringify(r.speakingSeen?.slice(0, 4))}; levels while Ana speaks: ${JSON.stringify(r.levelsWhileAnaSpeaks)}`);
    const t0 = Date.parse(r.timeline.startedAt);
    const seg = (id: string) => r.timeline.segments.filter((x: any) => x.participantId === id);
    const lag = (id: string, on: number, off: number) => seg(id).length ? `start +${seg(id)[0].startMs + t0 - on} ms, end +${seg(id).at(-1).endMs + t0 - off} ms` : "none";
    console.log(`detection lag: Ana ${lag(r.anaId, r.anaOn, r.anaOff)}; Ben ${lag(r.benId, r.benOn, r.benOff)}`);
    const talk = r.timeline.talk.map((x: any) => `${x.participantId === r.anaId ? "Ana" : x.participantId === r.benId ? "Ben" : x.participantId} ${x.ms} ms in ${x.turns}`);
    console.log(
      `talk: ${talk.join(", ")} (unmuted: Ana ${r.anaOff - r.anaOn} ms, Ben ${r.benOff - r.benOn} ms); segments ${JSON.stringify(r.timeline.segments)}; ` +
        `video seeked to ${r.videoTime?.toFixed(2)} s (expected ${r.expectedVideoTime?.toFixed(2)} s by the server, ${r.expectedFromTestClock?.toFixed(2)} s by the test's clock); total ${r.totalMs} ms`,
    );
  });

  test("the timeline has Ana's speech, then Ben's, each as long as they were unmuted (±1 s)", () => {
    const segments = r.timeline.segments as { participantId: string; startMs: number; endMs: number }[];
    const speakers = segments.map((s) => s.participantId).filter((id, i, all) => i === 0 || all[i - 1] !== id);
    expect(speakers).toEqual([r.anaId, r.benId]);
    const start = Date.parse(r.timeline.startedAt);
    const ms = (id: string) => r.timeline.talk.find((x: any) => x.participantId === id)?.ms ?? 0;
    expect(Math.abs(ms(r.anaId) - (r.anaOff - r.anaOn))).toBeLessThan(1_000);
    expect(Math.abs(ms(r.benId) - (r.benOff - r.benOn))).toBeLessThan(1_000);
    // Ana's first segment begins around her unmuting (Janus needs ~1 s of sound to say so).
    const first = segments[0]!;
    expect(first.startMs + start).toBeGreaterThan(r.anaOn - 500);
    expect(first.startMs + start).toBeLessThan(r.anaOn + 2_500);
  });

  test("notes lines carry the moments they were typed, from the meeting's start", () => {
    const start = Date.parse(r.timeline.startedAt);
    for (const [text, at] of Object.entries(r.typed as Record<string, number>)) {
      const line = r.timeline.lines.find((l: any) => l.text === text);
      expect(line).toBeDefined();
      expect(Math.abs(line.atMs - (at - start))).toBeLessThan(1_500);
    }
  });

  test("a click on a line's time seeks the recording's video to within 1 s of it", () => {
    expect(Math.abs(r.videoTime - r.expectedVideoTime)).toBeLessThan(1);
    expect(Math.abs(r.videoTime - r.expectedFromTestClock)).toBeLessThan(1.5);
    expect(r.segmentButtons).toBeGreaterThan(0);
  });

  test("the page is axe-clean at desktop and phone width, light and dark, and fits a phone", () => {
    for (const [name, problems] of Object.entries(r.audits as Record<string, string[]>)) expect({ name, problems }).toEqual({ name, problems: [] });
    expect(r.overflowAtPhone).toBe(false);
  });

  test("an outsider gets 404 for the timeline", () => {
    expect(r.eveTimeline).toBe(404);
  });
});
