/**
 * Meeting control with real media (issue 14): Chromium pages and the real server with its embedded
 * Janus, inside a network namespace this test creates (see PLATFORM.md). A host with the lobby on
 * admits two guests and denies a third; mutes the guest who speaks, and the host's page then
 * receives silence from him (inbound-rtp `totalAudioEnergy` stops growing) although his browser
 * keeps sending his voice (outbound-rtp `bytesSent` keeps growing: Janus's VideoRoom `moderate`
 * drops it, not the browser); a removed guest's resume token only knocks; a locked meeting keeps a
 * newcomer out; end-for-everyone closes every page's meeting.
 *
 * The steps run in meeting-control-media.scenario.ts; this file judges its report. Skipped without
 * root, `ip`, Janus or Chromium.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { canRunNamespaceScenario, namespaceScenario } from "../helpers/scenario.ts";

const SCENARIO_TIMEOUT_MS = 150_000;

describe.skipIf(!canRunNamespaceScenario)("meeting control with real media (Chromium + Janus in a network namespace)", () => {
  const scenario = namespaceScenario({
    script: join(import.meta.dir, "meeting-control-media.scenario.ts"),
    name: "control",
    subnet: `10.217.${7 + (process.pid % 200)}`,
    timeoutMs: SCENARIO_TIMEOUT_MS,
  });
  let results: Record<string, any> = {};

  beforeAll(async () => {
    results = await scenario.run();
  }, SCENARIO_TIMEOUT_MS + 20_000);
  afterAll(() => scenario.dispose());

  test("the scenario ran to the end", () => {
    if (results.error) console.error(results.error, results.serverLog ?? "", JSON.stringify(results.frames ?? {}, null, 1), scenario.stderr());
    console.log(JSON.stringify({ beforeMute: results.beforeMute, afterMute: results.afterMute, resumeAfterRemove: results.resumeAfterRemove, totalMs: results.totalMs }));
    expect(results.error ?? null).toBeNull();
    expect(results.ok).toBe(true);
  });

  test("the host admits one guest and denies another", () => {
    expect(results.lobbyOn).toBe(true);
    expect(results.waitingShown).toBe(true);
    expect(results.admitted).toEqual({ gus: true, dan: true });
    expect(results.eveDenied).toBe(true);
    expect(results.eveInMeeting).toBe(0);
  });

  test("after a host mutes a speaking guest, the host receives silence though the guest's browser still sends", () => {
    const before = results.beforeMute;
    expect(before.hostReceives.found).toBe(true);
    expect(before.hostReceives.energyDelta).toBeGreaterThan(0);
    const after = results.afterMute;
    // The app turned Gus's microphone off when he was muted; the scenario turned it back on.
    expect(results.gusTrackAfterMute).toEqual([false]);
    expect(after.gusSends.enabled).toEqual([true]);
    expect(after.gusSends.bytesDelta).toBeGreaterThan(1_000);
    expect(after.gusSends.sourceEnergyDelta).toBeGreaterThan(0);
    expect(after.hostReceives.found).toBe(true);
    expect(after.hostReceives.energyDelta).toBe(0);
  });

  test("a removed guest cannot come back with their resume token", () => {
    expect(results.gusRemovedShown).toBe(true);
    expect(results.resumeAfterRemove.welcomed).toBe(false);
    expect(results.resumeAfterRemove.first).toBe("lobby.waiting");
    expect(results.gusTilesAtHost).toBe(0);
  });

  test("a locked meeting keeps a newcomer out", () => {
    expect(results.cyLockedOut).toBe(true);
    expect(results.cyInMeeting).toBe(0);
  });

  test("end for everyone closes every page's meeting", () => {
    expect(results.endedPages).toEqual({ host: true, Dan: true });
  });
});
