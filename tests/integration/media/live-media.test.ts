/**
 * Real media through the Janus adapter: Chromium publishes and subscribes, inside a network
 * namespace this test creates (a veth pair with a private address and no default route, so no
 * packet can leave it; see PLATFORM.md). Janus, the adapter and Chromium all run in
 * live-media.scenario.ts under `ip netns exec`; this file judges what it reports.
 * Skipped without root, `ip`, Janus or Chromium.
 */
import { createTestNamespace, deleteTestNamespace } from "../../helpers/netns.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

const NS = `dictate-media-${process.pid}`;
const ADDRESS = `10.213.${7 + (process.pid % 200)}.1/24`;
const canRun =
  process.getuid?.() === 0 && Bun.which("ip") !== null && Bun.which("janus") !== null && Bun.which("chromium") !== null;


describe.skipIf(!canRun)("live media through Janus (Chromium in a network namespace)", () => {
  let child: ChildProcess | null = null;
  let report: { results: Record<string, any> } | null = null;
  let stderr = "";

  beforeAll(async () => {
    createTestNamespace(NS, ADDRESS);
    try {
      // Its own process group, so a scenario that hangs is stopped with everything it started.
      const proc = spawn("ip", ["netns", "exec", NS, process.execPath, join(import.meta.dir, "live-media.scenario.ts")], {
        cwd: join(import.meta.dir, "../../.."),
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env },
      });
      child = proc;
      let stdout = "";
      proc.stdout!.on("data", (d) => (stdout += d));
      proc.stderr!.on("data", (d) => (stderr += d));
      const exited = new Promise<void>((resolve) => proc.on("exit", () => resolve()));
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finished = await Promise.race([exited.then(() => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), 110_000)))]);
      clearTimeout(timer);
      if (!finished) throw new Error(`the scenario did not finish in time:\n${stderr}`);
      const last = stdout.trim().split("\n").filter((l) => l.startsWith('{"results"')).pop();
      if (!last) throw new Error(`the scenario printed no results:\n${stdout}\n${stderr}`);
      report = JSON.parse(last);
    } finally {
      if (child?.pid && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, "SIGKILL");
    }
  }, 120_000);

  afterAll(() => {
    if (child?.pid && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, "SIGKILL");
    deleteTestNamespace(NS);
  });

  test("the scenario ran to the end", () => {
    if (report?.results.error) console.error(report.results.error, stderr);
    expect(report?.results.error ?? null).toBeNull();
    expect(report?.results.ok).toBe(true);
  });

  test("a publisher comes up and a subscriber receives its audio and video", () => {
    const r = report!.results;
    expect(r.feedUp).toEqual([{ type: "feed-up", feedId: r.aliceFeed, participantId: "alice", kind: "camera" }]);
    expect(r.firstOffer.hasSdp).toBe(true);
    expect(r.firstOffer.streams.map((s: { type: string; feedId: number }) => [s.type, s.feedId])).toEqual([
      ["audio", r.aliceFeed],
      ["video", r.aliceFeed],
    ]);
    expect(r.bobFirst.find((s: { kind: string }) => s.kind === "video").framesDecoded).toBeGreaterThanOrEqual(5);
    // One negotiation at a time, and asking for what is already there negotiates nothing.
    expect(r.busy).toBe("CONFLICT");
    expect(r.unchanged).toBeNull();
  });

  test("audio-level detection reports the active speaker", () => {
    const r = report!.results;
    expect(r.talking).toEqual({ type: "talking", feedId: r.aliceFeed, participantId: "alice", talking: true });
  });

  test("update adds a live feed, skips one that is not up, and the subscriber decodes both videos", () => {
    const r = report!.results;
    const feeds = new Set(r.grown.streams.map((s: { feedId: number }) => s.feedId));
    expect(feeds.size).toBe(2);
    expect(feeds.has(r.aliceFeed)).toBe(true);
    expect(r.bobGrown.filter((s: { kind: string; framesDecoded: number }) => s.kind === "video" && s.framesDecoded > 3).length).toBeGreaterThanOrEqual(2);
    // Asking again for the feed that is still not up: nothing else to do, so it is refused.
    expect(r.ghostAlone).toBe("NOT_FOUND");
  });

  test("recording writes one .mjr per stream, and the video starts with a keyframe", () => {
    const r = report!.results;
    const names: string[] = r.recordings.map((f: { name: string }) => f.name);
    expect(names.some((n) => n.includes(`-user-${r.aliceFeed}-`) && n.includes("audio"))).toBe(true);
    expect(names.some((n) => n.includes(`-user-${r.aliceFeed}-`) && n.includes("video"))).toBe(true);
    for (const f of r.recordings) expect(f.bytes).toBeGreaterThan(1000);
    if (r.videoHasKeyframe !== undefined) expect(r.videoHasKeyframe).toBe(true);
  });

  test("a keyframe asked of one publisher reaches it as a PLI, and not the others", () => {
    const r = report!.results;
    expect(r.onePli.error ?? null).toBeNull();
    expect(r.onePli.after.alice).toBeGreaterThan(r.onePli.before.alice);
    expect(r.onePli.after.carol).toBe(r.onePli.before.carol);
  });

  test("a publisher whose PeerConnection closes is reported as hung up and its feed as down; the subscription shrinks", () => {
    const r = report!.results;
    expect(r.carolGone.map((e: { type: string }) => e.type)).toEqual(["feed-down", "hangup"]);
    expect(r.carolGone[1]).toMatchObject({ participantId: "carol", kind: "screen" });
    expect(r.shrunk === null || r.shrunk.streams.every((s: { feedId: number }) => s.feedId === r.aliceFeed)).toBe(true);
    expect(r.aliceDown).toBe(true);
  });
});
