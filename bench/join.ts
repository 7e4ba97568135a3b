/**
 * Join benchmark: how long a person waits, from opening a meeting link to seeing the other
 * participant's video, and what the server and Janus cost per participant. Measured in one run:
 *
 * 1. Join to first remote frame, Dictate: one guest already publishes (camera + mic) on the real
 *    meeting page `/m/<code>`. Each join is a fresh browser context and page (one Chromium process
 *    throughout): `page.goto('/m/<code>')`, type a guest name, press "Join meeting" (as
 *    tests/e2e/meeting-media.scenario.ts does), until the first remote video frame reaches the
 *    remote <video> (`requestVideoFrameCallback`, which calls a Playwright binding; the figure is
 *    that binding's arrival minus the instant just before `page.goto`, both on this driver's clock).
 *    The joiner's context is then closed and the bench waits until the publisher's grid shows only
 *    itself again.
 * 2. The same figure for a bare path on the same Janus: a minimal page (served by a tiny local HTTP
 *    server) doing raw WebRTC, signalled through Playwright bindings to janode used directly (no
 *    Dictate code): a bare VideoRoom created with Dictate's room parameters, a publisher page
 *    already up, and per join `page.goto` → the page asks for an offer (`joinSubscriber`) → a new
 *    RTCPeerConnection answers (non-trickle, like the app) → `start` → first remote frame, timed
 *    by the same in-page instrumentation.
 *    The two paths alternate join by join (their order swapped every round) with both publishers
 *    up throughout, so both see the same background load; a couple of warm-up joins per path are
 *    not counted.
 * 2b. Through the lobby: a signed-in host's meeting with the lobby on, the host publishing from the
 *    real page and a second socket of the same host admitting each knock the moment it hears it
 *    (the machinery's cost, not a person's reaction time). Per join, as for 1: goto, name, Join →
 *    `lobby.waiting` (knock) → `welcome` (admitted) → first remote frame. It rotates with 1 and 2.
 * 3. p50 / p95 of each, the ratio Dictate / bare, and whether the aim holds (Dictate within 1.25×
 *    of bare, p50 under 500 ms). A median breakdown per milestone shows where the time goes.
 * 4. CPU with 2, 4 and 6 participants in one Dictate meeting (all on the real page, all publishing
 *    camera + mic, everyone subscribed to everyone): once every page receives N − 1 flowing videos,
 *    5 s to settle, then utime + stime over 15 s of the server process and of Janus (pid from
 *    <DATA_DIR>/janus/janus.pid), as % of one core; Chromium's total (every chromium process) and
 *    the received frame rate beside them for context.
 *
 * Everything with media runs inside a network namespace this script creates (a veth pair with a
 * private address and no default route; see PLATFORM.md) and deletes at the end, on failure and on
 * Ctrl-C too: the measuring part is bench/join/inside.ts, started under `ip netns exec`.
 *
 *   node_modules/.bin/bun bench/join.ts            (as root; needs ip, janus, chromium)
 *
 * Environment knobs (defaults in brackets): BENCH_JOINS [20], BENCH_WARMUP [2],
 * BENCH_CPU_PARTICIPANTS ["2,4,6"], BENCH_SETTLE_MS [5000], BENCH_WINDOW_MS [15000],
 * BENCH_NODE_ENV ["production", as scripts/start.sh runs the server: the minified bundle, built once
 * at start; "development" serves Bun's development bundle].
 *
 * All of it shares one 2-core machine: Chromium (every participant's encoders and decoders) competes
 * with the server and Janus, so its CPU is printed beside theirs.
 */
import { spawnSync } from "node:child_process";
import { availableParallelism, cpus, loadavg } from "node:os";
import { join } from "node:path";
import type { JoinSample } from "./join/inside.ts";
import { benchNamespace } from "./namespace-child.ts";

/** The measuring child is stopped past this (the bench aims at ~5 minutes). */
const CHILD_CAP_MS = 360_000;
const AIM_RATIO = 1.25;
const AIM_P50_MS = 500;

// ---------------------------------------------------------------------------------------------
// Preconditions.

const missing = [
  process.getuid?.() === 0 ? null : "root (to create a network namespace)",
  Bun.which("ip") ? null : "ip (iproute2)",
  Bun.which("janus") ? null : "janus (apt-get install -y janus)",
  Bun.which("chromium") ? null : "chromium (apt-get install -y chromium)",
].filter(Boolean);
if (missing.length) {
  console.error(`bench/join.ts cannot run here; missing: ${missing.join(", ")}`);
  process.exit(1);
}

// The namespace the measuring part runs in, cleaned up whatever happens (bench/namespace-child.ts).
const space = benchNamespace("join", 215);

// ---------------------------------------------------------------------------------------------
// What the measuring part reports.

interface CpuSample {
  participants: number;
  flowing: boolean;
  allFlowingMs: number;
  seconds: number;
  serverCpuS: number | null;
  janusCpuS: number | null;
  janusRestarted: boolean;
  chromiumCpuS: number;
  chromiumProcesses: number;
  driverCpuS: number;
  serverRssMb: number | null;
  janusRssMb: number | null;
  fps: { streams: number; fps: number; minFps: number }[];
}

interface Report {
  ok: boolean;
  error?: string;
  serverReadyMs?: number;
  nodeEnv?: string | null;
  janus?: { pid: number; url: string };
  chromium?: string;
  dictatePublisherUpMs?: number;
  barePublisherUpMs?: number;
  joins?: { dictate: JoinSample[]; bare: JoinSample[]; lobby?: JoinSample[] };
  warmups?: { dictate: JoinSample[]; bare: JoinSample[]; lobby?: JoinSample[] };
  joinFailures?: { dictate: string[]; bare: string[]; lobby?: string[] };
  joinsStoppedEarly?: string | null;
  cpu?: CpuSample[];
  serverExit?: unknown;
  serverLog?: string;
  pageErrors?: string[];
  totalMs?: number;
}

// ---------------------------------------------------------------------------------------------
// Figures.

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
const sortedOf = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
const median = (xs: (number | null)[]) => percentile(sortedOf(xs), 0.5);
const fmt = (n: number | null | undefined, digits = 0) => (n === null || n === undefined || !Number.isFinite(n) ? "–" : n.toFixed(digits));

const t0 = performance.now();
console.log(`# Dictate join bench`);
console.log(`cores: ${availableParallelism()} (${cpus()[0]?.model ?? "unknown CPU"}), bun ${Bun.version}, ${spawnSync("janus", ["--version"], { encoding: "utf8" }).stdout.split("\n")[0]?.trim() ?? "janus ?"}`);

// Other work on the machine skews every figure here: say how busy it was before and after.
const loadBefore = loadavg();
console.log(`load average before: ${loadBefore.map((l) => l.toFixed(2)).join(" ")}`);

let report: Report;
try {
  report = await space.run<Report>(join(import.meta.dir, "join", "inside.ts"), CHILD_CAP_MS);
} catch (err) {
  report = { ok: false, error: (err as Error).message };
} finally {
  await space.cleanup();
}
if (space.interrupted()) process.exit(130);
console.log(`namespace ${space.name} deleted, temp folder removed; total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const loadAfter = loadavg();
console.log(`load average after: ${loadAfter.map((l) => l.toFixed(2)).join(" ")} (this bench alone keeps the ${availableParallelism()} cores busy during the CPU part)`);
if (loadBefore[0]! > availableParallelism() * 0.5) {
  console.log(`WARNING: the machine was already busy before the bench (1-minute load ${loadBefore[0]!.toFixed(2)}): the figures are skewed by other work`);
}

if (report.chromium) console.log(`Chromium ${report.chromium}; server (NODE_ENV ${report.nodeEnv}) healthy after ${fmt(report.serverReadyMs)} ms; Janus pid ${report.janus?.pid} (${report.janus?.url})`);
if (report.dictatePublisherUpMs !== undefined) {
  console.log(`publishers up: Dictate page ${report.dictatePublisherUpMs} ms (join to camera connected), bare page ${fmt(report.barePublisherUpMs)} ms (to webrtcup)`);
}

const failures: string[] = [];
if (!report.ok) failures.push(`the run failed: ${report.error}`);

const joins = report.joins ?? { dictate: [], bare: [] };
const stats = (xs: JoinSample[]) => {
  const s = sortedOf(xs.map((x) => x.ms));
  return { n: s.length, p50: percentile(s, 0.5), p95: percentile(s, 0.95), min: s[0] ?? NaN, max: s[s.length - 1] ?? NaN };
};
const d = stats(joins.dictate);
const b = stats(joins.bare);
const failed = report.joinFailures ?? { dictate: [], bare: [] };
const lobbyJoins = joins.lobby ?? [];
const l = stats(lobbyJoins);

console.log(`\n## Join to first remote frame (ms from page.goto start, ${d.n} + ${b.n} + ${l.n} joins, Dictate, bare and lobby in rotation)\n`);
console.log(`| path | joins | p50 ms | p95 ms | min ms | max ms | failed |`);
console.log(`|---|---|---|---|---|---|---|`);
console.log(`| Dictate: /m/<code>, guest name + Join (also publishes its own camera) | ${d.n} | ${fmt(d.p50)} | ${fmt(d.p95)} | ${fmt(d.min)} | ${fmt(d.max)} | ${failed.dictate.length} |`);
console.log(`| bare: raw WebRTC page + janode joinSubscriber/start, same Janus | ${b.n} | ${fmt(b.p50)} | ${fmt(b.p95)} | ${fmt(b.min)} | ${fmt(b.max)} | ${failed.bare.length} |`);
console.log(`| ratio Dictate / bare | | ${fmt(d.p50 / b.p50, 2)}× | ${fmt(d.p95 / b.p95, 2)}× | | | |`);
console.log(`| Dictate through the lobby: /m/<code> with the lobby on, name + Join, knock, a host socket admits at once | ${l.n} | ${fmt(l.p50)} | ${fmt(l.p95)} | ${fmt(l.min)} | ${fmt(l.max)} | ${(failed.lobby ?? []).length} |`);
console.log(`| ratio lobby / direct Dictate | | ${fmt(l.p50 / d.p50, 2)}× | ${fmt(l.p95 / d.p95, 2)}× | | | |`);
// The lobby's own part: knock heard (lobby.waiting) → admitted (welcome) → first remote frame.
const part = (xs: JoinSample[], from: (x: JoinSample) => number | null, to: (x: JoinSample) => number | null) =>
  xs.map((x) => (from(x) === null || to(x) === null ? null : to(x)! - from(x)!));
const knockToAdmit = part(lobbyJoins, (x) => x.waiting, (x) => x.welcome);
const admitToFrame = part(lobbyJoins, (x) => x.welcome, (x) => x.firstFrame);
const knockToFrame = part(lobbyJoins, (x) => x.waiting, (x) => x.firstFrame);
const directWelcomeToFrame = part(joins.dictate, (x) => x.welcome, (x) => x.firstFrame);
console.log(`
Lobby (page clock, ${lobbyJoins.length} joins): knock → admitted p50 ${fmt(median(knockToAdmit))} ms (p95 ${fmt(percentile(sortedOf(knockToAdmit), 0.95))}); admitted → first remote frame p50 ${fmt(median(admitToFrame))} ms (p95 ${fmt(percentile(sortedOf(admitToFrame), 0.95))}); knock → first remote frame p50 ${fmt(median(knockToFrame))} ms (p95 ${fmt(percentile(sortedOf(knockToFrame), 0.95))}). Direct join, welcome → first remote frame p50 ${fmt(median(directWelcomeToFrame))} ms`);

console.log(`\nMedian milestones, ms from page.goto start (in-page stamps: the page's epoch clock minus the driver's; – : no such step):\n`);
const MILESTONES: [keyof JoinSample, string][] = [
  ["navStart", "page navigation start (page's timeOrigin)"],
  ["loaded", "page.goto resolved (load event)"],
  ["prompt", "name prompt shown (meeting + me fetched, rendered)"],
  ["submit", "name form submitted (Playwright fill + click reached the page)"],
  ["clicked", "Playwright click() returned"],
  ["wsCreated", "room WebSocket created"],
  ["wsOpen", "room WebSocket open"],
  ["welcome", "welcome received"],
  ["gum", "getUserMedia called (own camera)"],
  ["gumDone", "getUserMedia resolved"],
  ["offerMessage", "media.offer received"],
  ["offer", "subscriber offer applied (setRemoteDescription)"],
  ["track", "remote video track event"],
  ["answer", "answer set (setLocalDescription)"],
  ["gathered", "ICE gathering complete (answer can go)"],
  ["connected", "subscriber PeerConnection connected"],
  ["frameReceived", "first frame's last packet received (rVFC receiveTime)"],
  ["decoded", "inbound-rtp framesDecoded > 0 (getStats polled every 20 ms; coarse)"],
  ["firstFrame", "first remote frame at the <video> (rVFC, page clock)"],
  ["ms", "first remote frame, binding arrival (driver clock) = the figure"],
];
console.log(`| milestone | Dictate | bare |`);
console.log(`|---|---|---|`);
for (const [key, label] of MILESTONES) {
  const m = (xs: JoinSample[]) => fmt(median(xs.map((x) => x[key] as number | null)));
  console.log(`| ${label} | ${m(joins.dictate)} | ${m(joins.bare)} |`);
}
// Dictate's part after the person pressed Join, for comparison with the bare path's whole join.
const afterSubmit = joins.dictate.map((x) => (x.submit === null || x.firstFrame === null ? null : x.firstFrame - x.submit));
console.log(`
Dictate from form submitted to first frame (page clock): p50 ${fmt(median(afterSubmit))} ms, p95 ${fmt(percentile(sortedOf(afterSubmit), 0.95))} ms`);
const size = (xs: JoinSample[]) => [...new Set(xs.map((x) => `${x.width}x${x.height}`))].join(", ");
console.log(`\nfirst frame sizes: Dictate ${size(joins.dictate) || "–"}; bare ${size(joins.bare) || "–"}`);
console.log(`every join (ms): Dictate ${joins.dictate.map((x) => x.ms.toFixed(0)).join(" ")}`);
console.log(`                 bare    ${joins.bare.map((x) => x.ms.toFixed(0)).join(" ")}`);
const w = report.warmups ?? { dictate: [], bare: [] };
console.log(`warm-up joins, not counted (ms): Dictate ${w.dictate.map((x) => x.ms.toFixed(0)).join(" ") || "–"}; bare ${w.bare.map((x) => x.ms.toFixed(0)).join(" ") || "–"}`);
for (const [path, list] of Object.entries(failed)) for (const f of list) console.log(`- ${path} join failed: ${f}`);
if (report.joinsStoppedEarly) console.log(`- WARNING: ${report.joinsStoppedEarly}`);

const cpuRows = report.cpu ?? [];
console.log(`\n## CPU with N participants in one Dictate meeting (all publishing camera + mic, everyone subscribed to everyone)\n`);
if (!cpuRows.length) {
  console.log(`(not measured: BENCH_CPU_PARTICIPANTS is empty, or the run stopped before it)`);
} else {
  console.log(`| participants | server % of a core | Janus % of a core | Chromium % (all processes) | bench driver % | server RSS MB | Janus RSS MB | received video fps (mean / min stream) | all flowing |`);
  console.log(`|---|---|---|---|---|---|---|---|---|`);
  for (const c of cpuRows) {
    const pct = (s: number | null) => (s === null ? "–" : ((s / c.seconds) * 100).toFixed(1));
    const streams = c.fps.reduce((n, f) => n + f.streams, 0);
    const meanFps = streams ? c.fps.reduce((n, f) => n + f.fps * f.streams, 0) / streams : NaN;
    const minFps = c.fps.length ? Math.min(...c.fps.map((f) => f.minFps)) : NaN;
    console.log(
      `| ${c.participants} | ${pct(c.serverCpuS)} | ${pct(c.janusCpuS)}${c.janusRestarted ? " (Janus restarted!)" : ""} | ${pct(c.chromiumCpuS)} | ${pct(c.driverCpuS)} | ${fmt(c.serverRssMb)} | ${fmt(c.janusRssMb)} | ${fmt(meanFps, 1)} / ${fmt(minFps, 1)} (${streams} streams) | ${c.flowing ? `yes, after ${(c.allFlowingMs / 1000).toFixed(1)} s` : "NO"} |`,
    );
  }
}
if (cpuRows.length) console.log(`\n(${fmt(cpuRows[0]!.seconds, 1)} s windows after ${process.env.BENCH_SETTLE_MS ?? 5000} ms settling; % of one core = CPU seconds / wall seconds × 100; ${availableParallelism()} cores in all.)`);
for (const c of cpuRows.filter((x) => !x.flowing)) failures.push(`${c.participants} participants: not every page received every video`);

console.log();
let verdicts: string[];
if (d.n === 0 || b.n === 0) {
  verdicts = [`Aim: NOT MEASURED (Dictate ${d.n} joins, bare ${b.n})`];
  failures.push("join figures missing");
} else {
  const r50 = d.p50 / b.p50;
  const r95 = d.p95 / b.p95;
  verdicts = [
    `Aim: Dictate p50 within ${AIM_RATIO}× of bare — ${r50 <= AIM_RATIO ? "MET" : "NOT MET"} (${fmt(d.p50)} vs ${fmt(b.p50)} ms, ${fmt(r50, 2)}×)`,
    `Aim: Dictate p95 within ${AIM_RATIO}× of bare — ${r95 <= AIM_RATIO ? "MET" : "NOT MET"} (${fmt(d.p95)} vs ${fmt(b.p95)} ms, ${fmt(r95, 2)}×)`,
    `Aim: Dictate p50 under ${AIM_P50_MS} ms — ${d.p50 < AIM_P50_MS ? "MET" : "NOT MET"} (${fmt(d.p50)} ms)`,
  ];
}
for (const v of verdicts) console.log(v);

if (report.pageErrors?.length) console.log(`\npage errors:\n${report.pageErrors.map((e) => `  ${e}`).join("\n")}`);
if (report.serverLog) console.log(`\nthe server logged (warn and above, last lines):\n${report.serverLog.split("\n").map((l) => `    ${l}`).join("\n")}`);
if (failures.length) {
  console.log(`\nFailures:\n${failures.map((f) => `- ${f.split("\n")[0]}`).join("\n")}`);
  if (report.error) console.error(report.error);
  process.exit(1);
}
process.exit(0);
