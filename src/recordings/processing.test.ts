import { describe, expect, test } from "bun:test";
import { alignTracks, composeArgs, gridCells, pairByFeed, progressParser, type ConvertedTrack } from "./processing.ts";

const track = (feed: string, kind: "audio" | "video", startUs: number, durationMs: number): ConvertedTrack => ({
  path: `/r/videoroom-1-user-${feed}-${startUs}-${kind}-${kind === "audio" ? 0 : 1}.mjr`,
  kind,
  codec: kind === "audio" ? "opus" : "vp8",
  feed,
  startUs,
  output: `/w/${feed}-${kind}`,
  durationMs,
});

describe("recording processing steps (pure)", () => {
  test("pairs tracks per feed and aligns them on the earliest start", () => {
    const t = alignTracks(
      pairByFeed([track("b", "video", 3_000_000, 2000), track("a", "audio", 1_000_000, 5000), track("a", "video", 1_050_000, 4900), track("b", "audio", 3_010_000, 4000)]),
    );
    expect(t.participants.map((p) => p.feed)).toEqual(["a", "b"]);
    expect(t.participants[1]!.video[0]!.offsetMs).toBe(2000);
    expect(t.participants[1]!.audio[0]!.offsetMs).toBe(2010);
    expect(t.spanMs).toBe(6010);
  });

  test("grid cells fit the canvas", () => {
    expect(gridCells(1, 1280, 720)).toEqual([{ x: 0, y: 0, w: 1280, h: 720 }]);
    expect(gridCells(2, 1280, 720).map((c) => [c.x, c.w, c.h])).toEqual([[0, 640, 720], [640, 640, 720]]);
    const five = gridCells(5, 1280, 720);
    expect(five.every((c) => c.x + c.w <= 1280 && c.y + c.h <= 720 && c.w % 2 === 0 && c.h % 2 === 0)).toBe(true);
  });

  test("ffmpeg arguments: each video delayed and overlaid, all audio delayed and mixed, fixed length", () => {
    const t = alignTracks(pairByFeed([track("a", "audio", 0 + 1, 5000), track("a", "video", 1, 5000), track("b", "audio", 1_500_001, 3000), track("b", "video", 1_500_001, 3000)]));
    const args = composeArgs(t, "/out.webm");
    const graph = args[args.indexOf("-filter_complex") + 1]!;
    expect(graph).toContain("setpts=PTS-STARTPTS+1.500/TB");
    expect(graph).toContain("adelay=1500:all=1");
    expect(graph).toContain("amix=inputs=2");
    expect(args[args.indexOf("-t") + 1]).toBe("5.000");
    expect(args).toContain("libvpx");
    expect(args).toContain("libopus");
  });

  test("progress lines become a 0..1 fraction", () => {
    const seen: number[] = [];
    const feed = progressParser(10_000, (f) => seen.push(f));
    feed("frame=1\nout_time_us=2500");
    feed("000\nprogress=continue\nout_time_us=N/A\nout_time_us=20000000\n");
    feed("progress=end\n");
    expect(seen).toEqual([0.25, 1, 1]);
  });
});
