/**
 * Meeting-load benchmark (issue 15): what receiving a meeting costs each participant's browser, with
 * simulcast and layers chosen by tile size, and — in the same run — without them (today's path: one
 * 640×360 layer to everyone, switched by `localStorage["dictate.simulcast"] = "off"`).
 *
 * For each mode and for meetings of 2, 4, 6 and 8 people (one Chromium, one context per person, a
 * laptop-sized 1280×720 window, everyone publishing camera + microphone, the grid view), once every
 * page decodes N − 1 videos: 5 s to settle, then over 10 s per page the bytes received per second,
 * the time spent decoding and encoding video (getStats totalDecodeTime / totalEncodeTime, as % of one
 * core), and per tile the decoded size and frame rate; Chromium's whole CPU (every process under this
 * run, from /proc) per page beside them. Then the first page pins one person: the stage's decoded
 * width shows whether it stays as sharp as today.
 *
 * Everything runs inside a network namespace this script creates (PLATFORM.md: veth, private address,
 * no default route) and deletes on exit, on failure and on Ctrl-C; the server runs with
 * NODE_ENV=production.
 *
 *   node_modules/.bin/bun bench/meeting-load.ts     (as root; needs ip, janus, chromium)
 *
 * Knobs: BENCH_SIZES ["2,4,6,8"], BENCH_MODES ["simulcast,today"], BENCH_SETTLE_MS [5000],
 * BENCH_WINDOW_MS [10000]. The machine has 2 cores and every page's encoder and decoder share them
 * with the server and Janus: absolute figures are the machine's, the comparison is the point.
 */
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import type { LoadSample } from "./meeting-load/inside.ts";
import { benchNamespace } from "./namespace-child.ts";

const CHILD_CAP_MS = 900_000;

const missing = [process.getuid?.() === 0 ? null : "root", Bun.which("ip") ? null : "ip", Bun.which("janus") ? null : "janus", Bun.which("chromium") ? null : "chromium"].filter(Boolean);
if (missing.length) {
  console.error(`bench/meeting-load.ts cannot run here; missing: ${missing.join(", ")}`);
  process.exit(1);
}

const space = benchNamespace("load", 220);
type Report = { ok: boolean; error?: string; samples: LoadSample[]; chromium?: string };

const fmt = (n: number | null | undefined, digits = 0) => (n === null || n === undefined || !Number.isFinite(n) ? "–" : n.toFixed(digits));
const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

console.log("# Dictate meeting-load bench");
const loadBefore = loadavg();
console.log(`cores: ${availableParallelism()}, load average before: ${loadBefore.map((l) => l.toFixed(2)).join(" ")}`);
let report: Report;
try {
  report = await space.run<Report>(join(import.meta.dir, "meeting-load", "inside.ts"), CHILD_CAP_MS);
} catch (err) {
  report = { ok: false, error: (err as Error).message, samples: [] };
} finally {
  await space.cleanup();
}
if (space.interrupted()) process.exit(130);
console.log(`namespace ${space.name} deleted; load average after: ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
if (loadBefore[0]! > availableParallelism() * 0.5) console.log(`WARNING: the machine was already busy (1-minute load ${loadBefore[0]!.toFixed(2)}): figures are perturbed by other work`);
if (!report.ok) console.log(`the run failed: ${report.error}`);
if (report.chromium) console.log(`Chromium ${report.chromium}`);

console.log(`\n## Per page, averaged over the pages (grid view, 1280×720 window)\n`);
console.log("| mode | people | all flowing | received kbit/s | video decode % core | video encode % core (layers summed / longest layer) | Chromium % core (all processes / pages) | decoded size (median tile) | fps (mean / min tile) | stage decoded width |");
console.log("|---|---|---|---|---|---|---|---|---|---|");
for (const s of report.samples) {
  const tiles = s.pages.flatMap((p) => p.tiles);
  const heights = tiles.map((t) => t.height).sort((a, b) => a - b);
  const mid = heights.length ? tiles.find((t) => t.height === heights[Math.floor(heights.length / 2)]) : undefined;
  console.log(
    `| ${s.mode} | ${s.people} | ${s.flowing ? "yes" : "no"} | ${fmt(avg(s.pages.map((p) => (p.bytesPerS * 8) / 1000)))} | ${fmt(avg(s.pages.map((p) => p.decodePct)), 1)} | ${fmt(avg(s.pages.map((p) => p.encodePct)), 1)} / ${fmt(avg(s.pages.map((p) => p.encodeMaxPct)), 1)} | ${fmt(s.chromiumPct / s.people)} | ${mid ? `${mid.width}×${mid.height}` : "–"} | ${fmt(avg(tiles.map((t) => t.fps)), 1)} / ${fmt(Math.min(...tiles.map((t) => t.fps)), 1)} | ${fmt(s.stageWidth)} |`,
  );
}
const pick = (mode: string, n: number) => report.samples.find((s) => s.mode === mode && s.people === n);
const a = pick("simulcast", 6);
const b = pick("today", 6);
if (a && b) {
  const rate = (s: LoadSample) => avg(s.pages.map((p) => p.bytesPerS));
  const dec = (s: LoadSample) => avg(s.pages.map((p) => p.decodePct));
  console.log(`\n6 people: received ${fmt((rate(a) / rate(b)) * 100)} % of today's, decode time ${fmt((dec(a) / dec(b)) * 100)} % of today's (aim: at most 50 % each); stage ${fmt(a.stageWidth)} wide vs ${fmt(b.stageWidth)} today`);
}
process.exit(report.ok ? 0 : 1);
