/**
 * Recording processing speed: real Janus recordings of N participants (fake cameras and tones from
 * headless Chromium, inside a network namespace this script creates and deletes), then the time
 * Dictate's processing takes (janus-pp-rec every .mjr, align, compose one grid WebM with mixed
 * audio) divided by the recorded duration — beside the floor measured on the same files: janus-pp-rec
 * of one participant's two tracks plus an `ffmpeg -c copy` remux of them.
 *
 *   node_modules/.bin/bun bench/recording.ts [--participants 2,4] [--seconds 60]
 *
 * Needs root (ip netns), janus, janus-pp-rec, ffmpeg and chromium. Aim: at most 0.25 for 2
 * participants on a 2-core machine.
 */
import { createTestNamespace, deleteTestNamespace } from "../tests/helpers/netns.ts";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { processRecordingFolder } from "../src/recordings/index.ts";

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const PARTICIPANTS = flag("--participants", "2,4").split(",").map(Number);
const SECONDS = Number(flag("--seconds", "60"));
const AIM = 0.25;
const NS = `dictate-bench-rec-${process.pid}`;


async function timed(cmd: string[]): Promise<number> {
  const t0 = performance.now();
  const p = Bun.spawn(cmd, { stdout: "ignore", stderr: "pipe" });
  const code = await p.exited;
  if (code !== 0) throw new Error(`${cmd.join(" ")} failed: ${(await new Response(p.stderr).text()).slice(-500)}`);
  return performance.now() - t0;
}

/** Records `n` participants for `seconds` inside a fresh namespace; returns the folder and the span. */
async function record(n: number, seconds: number) {
  const dir = mkdtempSync(join(tmpdir(), "dictate-bench-recording-"));
  createTestNamespace(NS, `10.216.${process.pid % 200}.1/24`);
  try {
    const proc = Bun.spawn(["ip", "netns", "exec", NS, process.execPath, join(import.meta.dir, "recording/record.scenario.ts"), dir, String(n), String(seconds)], {
      cwd: join(import.meta.dir, ".."),
      stdout: "pipe",
      stderr: "pipe",
    });
    const timer = setTimeout(() => proc.kill("SIGKILL"), (seconds + 90) * 1000);
    const [out] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    clearTimeout(timer);
    const line = out.trim().split("\n").filter((l) => l.startsWith('{"results"')).pop();
    if (!line) throw new Error(`the recording scenario printed no result:\n${out.slice(-2000)}`);
    const { results } = JSON.parse(line) as { results: { ok: boolean; error?: string; recordedMs: number } };
    if (!results.ok) throw new Error(`the recording scenario failed: ${results.error}`);
    return { dir, recordedMs: results.recordedMs };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  } finally {
    deleteTestNamespace(NS);
  }
}

/** janus-pp-rec of one participant's audio and video, then a stream-copy mux: the least any processing does. */
async function floor(dir: string, work: string) {
  const files = readdirSync(dir).filter((f) => f.endsWith(".mjr")).sort();
  const video = files.find((f) => f.includes("-video-"))!;
  const feed = /-user-(\d+)-/.exec(video)![1];
  const audio = files.find((f) => f.includes(`-user-${feed}-`) && f.includes("-audio-"))!;
  const v = join(work, "floor-v.webm");
  const a = join(work, "floor-a.opus");
  let ms = 0;
  ms += await timed(["janus-pp-rec", join(dir, video), v]);
  ms += await timed(["janus-pp-rec", join(dir, audio), a]);
  ms += await timed(["ffmpeg", "-v", "error", "-y", "-i", v, "-i", a, "-map", "0:v:0", "-map", "1:a:0", "-c", "copy", join(work, "floor.webm")]);
  return ms;
}

const rows: { n: number; recordedMs: number; processingMs: number; floorMs: number; outputMs: number; bytes: number }[] = [];
process.on("SIGINT", () => {
  deleteTestNamespace(NS);
  process.exit(130);
});
console.log(`# Recording processing bench — ${cpus().length} cores, ${SECONDS} s per recording, participants ${PARTICIPANTS.join(", ")}`);
for (const n of PARTICIPANTS) {
  const { dir, recordedMs } = await record(n, SECONDS);
  const work = mkdtempSync(join(tmpdir(), "dictate-bench-recording-work-"));
  try {
    const floorMs = await floor(dir, work);
    const t0 = performance.now();
    const result = await processRecordingFolder(dir, join(work, "compose"), join(work, "out.webm"));
    const processingMs = performance.now() - t0;
    rows.push({ n, recordedMs, processingMs, floorMs, outputMs: result.durationMs, bytes: Bun.file(join(work, "out.webm")).size });
    console.log(`  ${n} participants: recorded ${(recordedMs / 1000).toFixed(1)} s, processing ${(processingMs / 1000).toFixed(1)} s, floor ${(floorMs / 1000).toFixed(2)} s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

console.log("\n| participants | recorded s | processing s | processing ÷ recorded | floor s | floor ÷ recorded | output s | output MB |");
console.log("|---|---|---|---|---|---|---|---|");
for (const r of rows) {
  console.log(
    `| ${r.n} | ${(r.recordedMs / 1000).toFixed(1)} | ${(r.processingMs / 1000).toFixed(1)} | ${(r.processingMs / r.recordedMs).toFixed(3)} | ${(r.floorMs / 1000).toFixed(2)} | ${(r.floorMs / r.recordedMs).toFixed(3)} | ${(r.outputMs / 1000).toFixed(1)} | ${(r.bytes / 1e6).toFixed(1)} |`,
  );
}
const two = rows.find((r) => r.n === 2);
if (two) console.log(`\nAim: processing ÷ recorded ≤ ${AIM} for 2 participants — ${two.processingMs / two.recordedMs <= AIM ? "MET" : "NOT MET"} (${(two.processingMs / two.recordedMs).toFixed(3)})`);
