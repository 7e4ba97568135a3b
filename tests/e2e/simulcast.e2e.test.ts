/**
 * Simulcast and layers by what is shown (issue 15), with real Chromium through real Janus in a test
 * network namespace: Alice's camera goes out in three layers (only the small one while nobody needs
 * more); Bob's small tile decodes the low one,
 * the stage the top one, a hidden tile and audio only stop his video while her audio keeps coming.
 * simulcast.scenario.ts does it and prints a report; this file judges it. Skipped without root, `ip`,
 * Janus or Chromium.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { canRunNamespaceScenario, namespaceScenario } from "../helpers/scenario.ts";

const SCENARIO_TIMEOUT_MS = 180_000;

describe.skipIf(!canRunNamespaceScenario)("simulcast layers by tile (Chromium + Janus in a network namespace)", () => {
  const scenario = namespaceScenario({ script: join(import.meta.dir, "simulcast.scenario.ts"), name: "sim", subnet: `10.216.${7 + (process.pid % 200)}`, timeoutMs: SCENARIO_TIMEOUT_MS });
  let r: Record<string, any> = {};

  beforeAll(async () => {
    r = await scenario.run();
  }, SCENARIO_TIMEOUT_MS + 20_000);
  afterAll(() => scenario.dispose());

  test("the scenario ran to the end", () => {
    if (r.error) console.error(r.error, scenario.stderr());
    console.log(JSON.stringify(r, null, 1));
    expect(r.error ?? null).toBeNull();
    expect(r.ok).toBe(true);
  });

  test("while her stage is watched the publisher sends three active encodings, the largest 1280 wide", () => {
    expect(r.encodings.error ?? null).toBeNull();
    const sending = (r.encodings as { rid: string; active: boolean; frameWidth: number }[]).filter((e) => e.active);
    expect(sending.map((e) => e.rid).sort()).toEqual(["f", "h", "q"]);
    expect(Math.max(...sending.map((e) => e.frameWidth))).toBeGreaterThanOrEqual(1280);
  });

  test("while only a small tile watches her, the publisher encodes only the small layer", () => {
    expect(r.encodingsWhileSmall.error ?? null).toBeNull();
    const active = (r.encodingsWhileSmall as { rid: string; active: boolean }[]).filter((e) => e.active).map((e) => e.rid);
    expect(active).toEqual(["q"]);
  });

  test("a small tile decodes the low layer; pinned to the stage, the top layer within a few seconds", () => {
    expect(r.small.error ?? null).toBeNull();
    expect(r.small.frameWidth).toBeGreaterThan(0);
    expect(r.small.frameWidth).toBeLessThanOrEqual(320);
    expect(r.smallFlow.frames).toBeGreaterThan(10);
    expect(r.stage.error ?? null).toBeNull();
    expect(r.stage.frameWidth).toBeGreaterThanOrEqual(1280);
    expect(r.stage.switchMs).toBeLessThan(10_000);
    expect(r.stageFlow.frames).toBeGreaterThan(10);
  });

  test("a hidden tile decodes no video while its audio keeps flowing, and video comes back when it shows", () => {
    expect(r.hidden.frames).toBe(0);
    expect(r.hidden.audioSamples).toBeGreaterThan(48_000);
    expect(r.hidden.audioBytes).toBeGreaterThan(1_000);
    expect(r.shownAgainMs).toBeLessThan(10_000);
  });

  test("Audio only stops all video with a notice, audio keeps flowing", () => {
    expect(r.audioOnlyPressed).toBe(1);
    expect(r.audioOnlyNotice).toContain("Audio only");
    expect(r.audioOnly.frames).toBe(0);
    expect(r.audioOnly.audioSamples).toBeGreaterThan(48_000);
  });

  test("each remote tile shows a connection mark with a text alternative; the phone-width page keeps decoding", () => {
    expect(r.quality).toMatch(/^Connection: (good|fair|poor)$/);
    expect(r.phoneFlow.frames).toBeGreaterThan(5);
    expect(r.desktopAudioOnlyPressed).toBe("true");
  });
});
