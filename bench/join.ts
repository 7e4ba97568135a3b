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
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { JoinSample } from "./join/inside.ts";

const ROOT = resolve(import.meta.dir, "..");
const NS = `dictate-bench-join-${process.pid}`;
const ADDRESS = `10.215.${7 + (process.pid % 200)}.1/24`;
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

// ---------------------------------------------------------------------------------------------
// Cleanup that runs whatever happens (Ctrl-C too): the child's process group, then every process
// left in the namespace (by pid), the namespace itself, the temp folder.

let child: ChildProcess | null = null;
let work = "";
let nsCreated = false;

function ip(...args: string[]) {
  const r = spawnSync("ip", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

function namespacePids(): number[] {
  const r = spawnSync("ip", ["netns", "pids", NS], { encoding: "utf8" });
  return (r.stdout ?? "").split(/\s+/).filter(Boolean).map(Number);
}

function signalChildGroup(signal: NodeJS.Signals) {
  if (child?.pid && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  }
}

let cleanedUp = false;
async function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  if (nsCreated) {
    // Politely first (the server stops its Janus on SIGTERM), then by force.
    signalChildGroup("SIGTERM");
    for (let i = 0; i < 30 && namespacePids().length > 0; i++) await Bun.sleep(100);
    signalChildGroup("SIGKILL");
    for (const pid of namespacePids()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    for (let i = 0; i < 30 && namespacePids().length > 0; i++) await Bun.sleep(100);
    const del = spawnSync("ip", ["netns", "del", NS], { encoding: "utf8" });
    if (del.status !== 0) console.error(`cleanup: ip netns del ${NS}: ${del.stderr}`);
  }
  if (work) rmSync(work, { recursive: true, force: true });
}

let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------
// Run the measuring part inside the namespace.

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

async function runInside(): Promise<Report> {
  work = mkdtempSync(join(tmpdir(), "dictate-bench-join-"));
  mkdirSync(join(work, "tmp"));
  ip("netns", "add", NS);
  nsCreated = true;
  ip("netns", "exec", NS, "ip", "link", "set", "lo", "up");
  ip("netns", "exec", NS, "ip", "link", "add", "vp0", "type", "veth", "peer", "name", "vp1");
  ip("netns", "exec", NS, "ip", "addr", "add", ADDRESS, "dev", "vp0");
  ip("netns", "exec", NS, "ip", "link", "set", "vp0", "up");
  ip("netns", "exec", NS, "ip", "link", "set", "vp1", "up");
  console.log(`network namespace ${NS}: lo + veth vp0/vp1 with ${ADDRESS}, no default route`);

  // Its own process group, so a run that hangs is stopped with everything it started.
  const proc = spawn("ip", ["netns", "exec", NS, process.execPath, join(import.meta.dir, "join", "inside.ts")], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    // Playwright's temporary browser profiles go under the work folder too.
    env: { ...process.env, DICTATE_BENCH_WORK: work, TMPDIR: join(work, "tmp") },
  });
  child = proc;
  let stdout = "";
  proc.stdout!.on("data", (d) => (stdout += d));
  proc.stderr!.on("data", (d) => process.stderr.write(d));
  const exited = new Promise<void>((r) => proc.on("exit", () => r()));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const finished = await Promise.race([exited.then(() => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), CHILD_CAP_MS)))]);
  clearTimeout(timer);
  if (!finished) throw new Error(`the measuring process did not finish within ${CHILD_CAP_MS / 1000} s`);
  const last = stdout
    .trim()
    .split("\n")
    .filter((l) => l.startsWith('{"bench"'))
    .pop();
  if (!last) throw new Error(`the measuring process printed no results:\n${stdout.slice(-2000)}`);
  return (JSON.parse(last) as { bench: Report }).bench;
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
  report = await runInside();
} catch (err) {
  report = { ok: false, error: (err as Error).message };
} finally {
  await cleanup();
}
if (interrupted) process.exit(130);
console.log(`namespace ${NS} deleted, temp folder removed; total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
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
