/**
 * Recording end to end: a signed-in user records a meeting in which two Chromium guests see each
 * other, the server's worker turns it into one WebM, and the file is probed: one video and one
 * audio stream, the recorded length, both grid cells showing video, Range requests. A second run
 * stores recordings in an s3rver (started inside the namespace) and checks the presigned redirect.
 *
 * Everything runs in recording.scenario.ts inside a network namespace this test creates (a veth
 * pair with a private address and no default route, so no packet can leave it); this file judges
 * the JSON report it prints. Skipped without root, `ip`, Janus, Chromium or ffmpeg.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { canRunNamespaceScenario, namespaceScenario } from "../helpers/scenario.ts";

const SCENARIO_TIMEOUT_MS = 200_000;
const canRun = canRunNamespaceScenario && Bun.which("ffmpeg") !== null && Bun.which("ffprobe") !== null;

/** The recording scenario in a namespace of its own, storing on disk or in S3 (s3rver). */
function scenarioRun(variant: "disk" | "s3", subnet: number) {
  return namespaceScenario({
    script: join(import.meta.dir, "recording.scenario.ts"),
    name: `rec-${variant}`,
    subnet: `10.215.${subnet}`,
    timeoutMs: SCENARIO_TIMEOUT_MS,
    env: { DICTATE_E2E_S3: variant === "s3" ? "1" : "0" },
  });
}

function judgeCommon(r: () => Record<string, any>, stderr: () => string) {
  test("the scenario ran to the end", () => {
    if (r().error) console.error(r().error, r().serverLog ?? "", stderr());
    expect(r().error ?? null).toBeNull();
    expect(r().ok).toBe(true);
    console.log(
      `${r().s3 ? "[s3] " : ""}server ready ${r().serverReadyMs} ms; media ${r().mediaMs} ms; recorded ${r().recordedSpanMs} ms (server ${r().serverSpanMs} ms); ` +
        `processed in ${r().processingMs} ms; progress seen ${JSON.stringify(r().progressSeen)}; file ${r().mediaBytes} B, ${r().durationS} s; ` +
        `middle frame mean brightness left ${r().middleFrame?.leftMean?.toFixed(1)} right ${r().middleFrame?.rightMean?.toFixed(1)} (bands ${r().middleFrame?.topBandMean?.toFixed(1)}/${r().middleFrame?.bottomBandMean?.toFixed(1)}); total ${r().totalMs} ms`,
    );
  });

  test("recording.started reaches the recorder's socket and the guests' pages", () => {
    expect(r().recordingStarted.id).toBeString();
    expect(r().startedAtPages).toEqual({ Alice: true, Bob: true });
    expect(r().recordingStopped.status).toBe("processing");
  });

  test("processing ends in ready within 90 s", () => {
    expect(r().ready.status).toBe("ready");
    expect(r().processingMs).toBeLessThan(90_000);
    expect(r().progressSeen.at(-1)).toStartWith("ready");
  });

  test("the WebM has one video and one audio stream and lasts the recorded span (±1 s)", () => {
    const streams = r().probe.streams as { codec_type: string; codec_name: string; width?: number }[];
    expect(streams.filter((s) => s.codec_type === "video").length).toBe(1);
    expect(streams.filter((s) => s.codec_type === "audio").length).toBe(1);
    expect(streams.find((s) => s.codec_type === "video")!.width).toBeGreaterThan(0);
    expect(Math.abs(r().durationS * 1000 - r().recordedSpanMs)).toBeLessThan(1000);
  });

  test("both participants' grid cells show video in the middle of the recording", () => {
    const f = r().middleFrame;
    expect(f.grayBytes).toBe(f.width * f.height);
    // The canvas is black where no video is drawn; Chromium's fake camera is far brighter.
    expect(f.leftMean).toBeGreaterThan(30);
    expect(f.rightMean).toBeGreaterThan(30);
    // Two cells side by side (not one tile filling the canvas): letterbox bands above and below.
    expect(f.topBandMean).toBeLessThan(5);
    expect(f.bottomBandMean).toBeLessThan(5);
  });
}

describe.skipIf(!canRun)("recording a meeting (Chromium + Janus + worker in a network namespace)", () => {
  const scenario = scenarioRun("disk", 10 + (process.pid % 200));
  let results: Record<string, any> = {};
  beforeAll(async () => {
    results = await scenario.run();
  }, SCENARIO_TIMEOUT_MS + 20_000);
  afterAll(() => scenario.dispose());
  const r = () => results;

  judgeCommon(r, scenario.stderr);

  test("a guest's recording.start is refused with UNAUTHENTICATED", () => {
    expect(r().guestStart).toMatchObject({ type: "error", code: "UNAUTHENTICATED", id: "g1" });
  });

  test("the media endpoint serves the file and answers a Range request with 206", () => {
    expect(r().mediaStatus).toBe(200);
    expect(r().mediaType).toContain("webm");
    expect(r().range).toEqual({ status: 206, contentRange: `bytes 0-99/${r().mediaBytes}`, length: 100, sameBytes: true });
  });
});

describe.skipIf(!canRun)("recording a meeting stored in S3 (s3rver inside the namespace)", () => {
  const scenario = scenarioRun("s3", 10 + ((process.pid + 100) % 200));
  let results: Record<string, any> = {};
  beforeAll(async () => {
    results = await scenario.run();
  }, SCENARIO_TIMEOUT_MS + 20_000);
  afterAll(() => scenario.dispose());
  const r = () => results;

  judgeCommon(r, scenario.stderr);

  test("the media endpoint redirects to a presigned S3 URL that returns the file", () => {
    expect(r().redirect).toEqual({ status: 302, toS3: true, presigned: true });
    expect(r().presignedStatus).toBe(200);
    expect(r().mediaBytes).toBeGreaterThan(10_000);
  });
});
