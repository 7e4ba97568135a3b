/**
 * Rooms benchmark: the real server (`bun src/main.ts`) as a child process, on embedded PGlite or
 * (with `--postgres`) on a fresh database in the local Postgres, driven over loopback by WebSocket
 * clients in this process. Two figures:
 *
 * 1. Memory per idle room. An idle room is a live room actor holding a ~300-character notes
 *    document and one participant's presence. After a warm-up (a few rooms made the same way, then
 *    a pause), the server's VmRSS is sampled for a few seconds and the settled minimum kept; then N
 *    rooms are made, each by `POST /api/meetings {}` (a public meeting), a room socket that says
 *    `hello` and stays open (the presence), and the stock y-websocket provider on the notes socket
 *    that inserts 300 characters into the Y.Text `notes`; once the server holds the insert (a
 *    short-lived raw y-protocols client reads the server's state vector, which only counts durable
 *    updates) the provider is destroyed. After a pause for the notes' compaction the RSS is sampled
 *    again: (RSS_after − RSS_before) / N. The same is done half-way, so the marginal cost of the
 *    second half is printed as a cross-check. The JS heap is printed beside it, from GET /metrics:
 *    under Bun `dictate_nodejs_heap_size_used_bytes` is JSC's heap size *including* its "extra
 *    memory" (ArrayBuffers; under PGlite that holds the database's WASM memory), which is
 *    `dictate_nodejs_external_memory_bytes`, so the JS objects are the difference (garbage not yet
 *    collected included). `dictate_process_heap_bytes` is the process's data segment (GBs of
 *    address space under Bun), not a heap figure, and is not used.
 *    The figure depends on N: the first few hundred rooms also pay one-off growth (allocator and
 *    JSC heap capacity), so a run with more rooms gives a lower, steadier per-room figure.
 * 2. Presence fan-out. P participants in P / per-room rooms, each toggling its microphone
 *    (`presence {audioMuted}`) at R toggles/s, staggered randomly, for S seconds (after a short
 *    warm-up that is not counted). A toggle's latency runs from just before its send until the
 *    last other participant of the room has received the matching `participant.updated` (the
 *    n-th update about a participant is matched with its n-th toggle, and its audioMuted value is
 *    checked). p50/p99/max, toggles sent and fully delivered, the server's CPU (utime+stime from
 *    /proc) and this process's CPU over the run, and how late the toggle timers fired.
 *
 *   node_modules/.bin/bun bench/rooms.ts
 *   node_modules/.bin/bun bench/rooms.ts --postgres
 *   node_modules/.bin/bun bench/rooms.ts --rooms 200 --participants 100 --per-room 5 --rate 2 --seconds 10
 *
 * Flags: --rooms N (500) --warmup-rooms N (10) --participants P (200) --per-room K (5)
 * --rate R toggles/s per participant (1) --seconds S (20) --warmup S (2, presence toggles not
 * counted) --postgres --only memory|presence --gc-probe --janus.
 *
 * Media: by default the server is given a JANUS_BIN that does not exist, so it starts no embedded
 * Janus and its rooms run without media (this bench sends no media; the figures are the rooms').
 * `--janus` leaves that to the server (its embedded Janus if installed: each room then also opens a
 * VideoRoom); the server's child processes are listed with their RSS, and killed by pid at the end
 * if the server left any behind.
 *
 * `--gc-probe` also starts the server with bench/rooms/gc-probe.ts preloaded (`bun --preload`; the
 * app is unchanged): on SIGUSR2 it runs a full GC and writes JSC's heap figures and object counts by
 * type, so the memory figure is printed a second time after a forced collection, with the object
 * types that grew the most per room. The main figure never depends on it.
 *
 * The clients share the machine with the server (on 2 cores they compete), so this process's CPU
 * and its timer lateness are printed beside the figures. Only 127.0.0.1 is ever contacted. The
 * server child is killed by its pid, and the temp dir and bench database removed, on success,
 * failure and Ctrl-C.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as decoding from "lib0/decoding";
import postgres from "postgres";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { LOAD_GENERATOR_ENV } from "./load-env.ts";

const ROOT = resolve(import.meta.dir, "..");
const BUN = resolve(ROOT, "node_modules/.bin/bun");
const HOST = "127.0.0.1";
const POSTGRES_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";
const AIM_KB_PER_ROOM = 30;
/** The server's notes compaction runs 2 s after a room's last update; wait past it before sampling. */
const SETTLE_MS = 3_500;
const SAMPLE_MS = 5_000;
const SAMPLE_EVERY_MS = 250;
const CREATE_CONCURRENCY = 8;
const NOTES_CHARS = 300;

// ---------------------------------------------------------------------------------------------
// Flags.

interface Options {
  rooms: number;
  warmupRooms: number;
  participants: number;
  perRoom: number;
  rate: number;
  seconds: number;
  warmup: number;
  postgres: boolean;
  only: "memory" | "presence" | null;
  gcProbe: boolean;
  janus: boolean;
}

function usage(problem?: string): never {
  if (problem) console.error(`bench/rooms.ts: ${problem}`);
  console.error(
    "usage: node_modules/.bin/bun bench/rooms.ts [--rooms N] [--warmup-rooms N] [--participants P] [--per-room K]\n" +
      "         [--rate R] [--seconds S] [--warmup S] [--postgres] [--only memory|presence] [--gc-probe] [--janus]",
  );
  process.exit(problem ? 2 : 0);
}

function parseOptions(argv: string[]): Options {
  const o: Options = { rooms: 500, warmupRooms: 10, participants: 200, perRoom: 5, rate: 1, seconds: 20, warmup: 2, postgres: false, only: null, gcProbe: false, janus: false };
  const num = (flag: string, value: string | undefined, min: number, max: number, integer: boolean) => {
    const n = Number(value);
    if (value === undefined || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      usage(`${flag} must be ${integer ? "an integer" : "a number"} in [${min}, ${max}] (got ${value ?? "nothing"})`);
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    switch (flag) {
      case "--rooms": o.rooms = num(flag, value, 2, 5000, true); i++; break;
      case "--warmup-rooms": o.warmupRooms = num(flag, value, 0, 200, true); i++; break;
      case "--participants": o.participants = num(flag, value, 2, 2000, true); i++; break;
      case "--per-room": o.perRoom = num(flag, value, 2, 50, true); i++; break;
      // The server closes a socket past 20 messages/s (burst 60): stay well under it.
      case "--rate": o.rate = num(flag, value, 0.1, 10, false); i++; break;
      case "--seconds": o.seconds = num(flag, value, 1, 600, false); i++; break;
      case "--warmup": o.warmup = num(flag, value, 0, 60, false); i++; break;
      case "--postgres": o.postgres = true; break;
      case "--gc-probe": o.gcProbe = true; break;
      case "--janus": o.janus = true; break;
      case "--only":
        if (value !== "memory" && value !== "presence") usage(`--only takes memory or presence (got ${value ?? "nothing"})`);
        o.only = value;
        i++;
        break;
      case "--help": case "-h": usage();
      default: usage(`unknown flag ${flag}`);
    }
  }
  if (o.participants % o.perRoom !== 0) usage(`--participants (${o.participants}) must be a multiple of --per-room (${o.perRoom})`);
  return o;
}

const options = parseOptions(process.argv.slice(2));

// ---------------------------------------------------------------------------------------------
// Cleanup that runs whatever happens: the child is killed by its pid, the temp dir is removed, the
// bench database is dropped, the client sockets are closed. Ctrl-C runs it too.

const cleanups: (() => Promise<void> | void)[] = [];
let cleaning: Promise<void> | null = null;
/** Newest first; the signal handler and the main flow share one run, so neither exits mid-way. */
function runCleanups(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length > 0) {
      const fn = cleanups.pop()!;
      try {
        await fn();
      } catch (err) {
        console.error(`cleanup failed: ${(err as Error).message}`);
      }
    }
  })();
  return cleaning;
}
let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${signal}: cleaning up`);
    void runCleanups().finally(() => process.exit(130));
  });
}
function checkInterrupted() {
  if (interrupted) throw new Error("interrupted");
}

// ---------------------------------------------------------------------------------------------
// The server child.

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, HOST, () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

interface Server {
  base: string;
  ws: string;
  pid: number;
  output: () => string;
  exited: () => boolean;
  stop: () => Promise<void>;
  /** Where the gc-probe preload writes, when it is loaded. */
  probeDir: string | null;
}

/** /metrics answers only with this token (the server under test is given it). */
const METRICS_TOKEN = `bench-${crypto.randomUUID()}`;

async function startServer(env: Record<string, string>, preload: string | null): Promise<Server> {
  const port = await freePort();
  const base = `http://${HOST}:${port}`;
  // A clean environment: a DATABASE_URL or REDIS_URL in the caller's shell must not leak in.
  const child = Bun.spawn(preload ? [BUN, `--preload=${preload}`, "src/main.ts"] : [BUN, "src/main.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      PORT: String(port),
      HOST,
      LOG_LEVEL: "warn",
      METRICS_TOKEN,
      ...LOAD_GENERATOR_ENV,
      // Rooms stay loaded (and seats held) for 10 minutes, so nothing is disposed during the run.
      ROOM_GRACE_MS: "600000",
      // No embedded SFU unless asked for: a path that does not exist makes the server run without media.
      ...(options.janus ? {} : { JANUS_BIN: "/nonexistent/dictate-bench-no-janus" }),
      ...env,
    },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const pid = child.pid;
  let log = "";
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      log = (log + decoder.decode(value, { stream: true })).slice(-20_000);
    }
  };
  void drain(child.stdout);
  void drain(child.stderr);

  // The server's own children (an embedded Janus), seen while it ran: killed by pid if left behind.
  const descendants = new Set<number>();
  cleanups.push(() => {
    for (const cpid of descendants) {
      if (!isAlive(cpid)) continue;
      console.warn(`  WARNING: the server left its child pid ${cpid} running; sending SIGKILL`);
      try {
        process.kill(cpid, "SIGKILL");
      } catch {}
    }
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const c of childrenOf(pid)) descendants.add(c);
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      return;
    }
    const t0 = performance.now();
    const exited = await Promise.race([child.exited.then(() => true), Bun.sleep(10_000).then(() => false)]);
    if (!exited) {
      console.warn(`  WARNING: the server (pid ${pid}) did not exit within 10 s of SIGTERM; sending SIGKILL`);
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
      await child.exited;
    } else {
      console.log(`  server pid ${pid} exited ${child.exitCode ?? child.signalCode} ${Math.round(performance.now() - t0)} ms after SIGTERM`);
    }
  };
  cleanups.push(stop);

  const deadline = Date.now() + 60_000;
  for (;;) {
    checkInterrupted();
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the server exited (${child.exitCode ?? child.signalCode}) before /healthz answered:\n${log}`);
    }
    try {
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`/healthz did not answer 200 within 60 s:\n${log}`);
    await Bun.sleep(100);
  }
  return {
    base,
    ws: `ws://${HOST}:${port}`,
    pid,
    output: () => log,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    stop,
    probeDir: preload ? (env.BENCH_GC_PROBE_DIR ?? null) : null,
  };
}

/** CPU seconds (user + system) the process has used so far, or null where /proc is missing. */
function procCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which sits in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    return ticks / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** Direct children of a process (from /proc/<pid>/task/<tid>/children). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim().split(/\s+/)) if (c) out.push(Number(c));
      } catch {}
    }
  } catch {}
  return out;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function procName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "?";
  }
}

/** VmRSS of the process in KiB (from /proc/<pid>/status). */
function procRssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = status.match(/^VmRSS:\s+(\d+)\s+kB/m);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]);
}

/**
 * Samples VmRSS for `ms`; the minimum is the settled figure (garbage not yet collected only adds).
 * Also the server's CPU over the window, in cores: with nothing sent, that is what idle rooms cost.
 */
async function settledRss(pid: number, ms = SAMPLE_MS): Promise<{ min: number; max: number; samples: number; idleCores: number }> {
  let min = Infinity;
  let max = 0;
  let samples = 0;
  const t0 = performance.now();
  const cpu0 = procCpuSeconds(pid) ?? NaN;
  const end = t0 + ms;
  while (performance.now() < end) {
    checkInterrupted();
    const kb = procRssKb(pid);
    min = Math.min(min, kb);
    max = Math.max(max, kb);
    samples++;
    await Bun.sleep(SAMPLE_EVERY_MS);
  }
  const idleCores = ((procCpuSeconds(pid) ?? NaN) - cpu0) / ((performance.now() - t0) / 1000);
  return { min, max, samples, idleCores };
}

// ---------------------------------------------------------------------------------------------
// HTTP: meetings and metrics.

async function createMeeting(server: Server): Promise<string> {
  const res = await fetch(`${server.base}/api/meetings`, {
    method: "POST",
    headers: { origin: server.base, "content-type": "application/json" },
    body: "{}",
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`POST /api/meetings: expected 201, got ${res.status}: ${text.slice(0, 300)}`);
  const code = JSON.parse(text)?.meeting?.code;
  if (typeof code !== "string") throw new Error(`POST /api/meetings: no meeting.code in ${text.slice(0, 300)}`);
  return code;
}

/** The unlabelled (or exactly labelled) samples of GET /metrics, by name as written. */
async function scrapeMetrics(server: Server): Promise<Map<string, number>> {
  const res = await fetch(`${server.base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` }, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET /metrics: ${res.status}`);
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

interface HeapFigures {
  /** JSC's heap size as Bun reports it through v8.getHeapStatistics(): objects plus "extra memory". */
  usedBytes: number;
  /** JSC's extra memory: ArrayBuffers and other off-heap buffers it tracks (PGlite's WASM memory). */
  externalBytes: number;
  rooms: number;
  participants: number;
  roomSockets: number;
  notesSockets: number;
  notesUpdates: number;
}

async function heapFigures(server: Server): Promise<HeapFigures> {
  const m = await scrapeMetrics(server);
  const get = (name: string) => m.get(name) ?? NaN;
  return {
    usedBytes: get("dictate_nodejs_heap_size_used_bytes"),
    externalBytes: get("dictate_nodejs_external_memory_bytes"),
    rooms: get("dictate_rooms"),
    participants: get("dictate_participants"),
    // A labelled gauge is absent until its label was first used.
    roomSockets: m.get('dictate_sockets{channel="room"}') ?? 0,
    notesSockets: m.get('dictate_sockets{channel="notes"}') ?? 0,
    notesUpdates: get("dictate_notes_updates_total"),
  };
}

interface Probe {
  gcMs: number;
  heapSize: number;
  extraMemorySize: number;
  objectCount: number;
  objectTypeCounts: Record<string, number>;
  /** VmRSS after the collection, settled minimum over 2 s (KiB). */
  rssKb: number;
}

let probeSeq = 0;
/** A full GC in the server (gc-probe preload only), then its heap figures and settled RSS. */
async function probeAfterGc(server: Server): Promise<Probe | null> {
  if (!server.probeDir) return null;
  const n = ++probeSeq;
  const file = join(server.probeDir, `probe-${n}.json`);
  process.kill(server.pid, "SIGUSR2");
  await until(`the server's gc probe ${n}`, () => existsSync(file), 30_000, 50);
  const data = JSON.parse(readFileSync(file, "utf8"));
  const rss = await settledRss(server.pid, 2_000);
  return { ...data, rssKb: rss.min };
}

// ---------------------------------------------------------------------------------------------
// WebSocket clients.

/** Every client socket this process opened and has not closed yet; cleanup and Ctrl-C close them. */
const openSockets = new Set<WebSocket>();
async function closeClientSockets() {
  for (const ws of openSockets) {
    try {
      ws.close(1000, "bench done");
    } catch {}
  }
  openSockets.clear();
  await Bun.sleep(200);
}

interface RoomClient {
  ws: WebSocket;
  self: { id: string; name: string };
  /** Ids of everyone in the room now (self included), kept from welcome, joined and left. */
  present: Set<string>;
  /** Set by the caller; gets every message after the welcome with its arrival time. */
  onMessage: (message: any, at: number) => void;
  closeInfo: { code: number; reason: string } | null;
}

/** Opens the room socket, says hello, and resolves with the welcome. */
function joinRoom(server: Server, code: string, name: string, timeoutMs = 10_000): Promise<RoomClient> {
  return new Promise((resolveJoin, reject) => {
    const ws = new WebSocket(`${server.ws}/ws/meetings/${code}`);
    openSockets.add(ws);
    let client: RoomClient | null = null;
    const timer = setTimeout(() => fail(new Error(`no welcome within ${timeoutMs} ms in room ${code}`)), timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      openSockets.delete(ws);
      try {
        ws.close();
      } catch {}
      reject(err);
    };
    ws.addEventListener("open", () => ws.send(JSON.stringify({ type: "hello", name })));
    ws.addEventListener("message", (e) => {
      const at = performance.now();
      if (typeof e.data !== "string") return;
      const message = JSON.parse(e.data);
      if (client) {
        if (message.type === "participant.joined") client.present.add(message.participant.id);
        if (message.type === "participant.left") client.present.delete(message.participant.id);
        return client.onMessage(message, at);
      }
      if (message.type === "welcome") {
        clearTimeout(timer);
        client = {
          ws,
          self: { id: message.self.id, name: message.self.name },
          present: new Set(message.participants.map((p: { id: string }) => p.id)),
          onMessage: () => {},
          closeInfo: null,
        };
        resolveJoin(client);
      } else if (message.type === "error") {
        fail(new Error(`room ${code}: error before welcome: ${e.data}`));
      }
    });
    ws.addEventListener("close", (e) => {
      openSockets.delete(ws);
      if (client) client.closeInfo = { code: e.code, reason: e.reason };
      else fail(new Error(`room ${code}: socket closed ${e.code} ${e.reason} before welcome`));
    });
    ws.addEventListener("error", () => {
      if (!client) fail(new Error(`room ${code}: socket error before welcome`));
    });
  });
}

async function until(what: string, check: () => boolean, timeoutMs: number, everyMs = 10) {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    checkInterrupted();
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(everyMs);
  }
}

/**
 * The state vector the server sends first on a fresh notes socket (y-websocket's sync step 1).
 * The server applies an update only once it is durable, so this counts only what was saved.
 */
function serverStateVector(server: Server, code: string, timeoutMs = 5_000): Promise<Map<number, number>> {
  return new Promise((resolveSv, reject) => {
    const ws = new WebSocket(`${server.ws}/ws/meetings/${code}/notes`);
    ws.binaryType = "arraybuffer";
    openSockets.add(ws);
    let done = false;
    const finish = (err: Error | null, sv?: Map<number, number>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      openSockets.delete(ws);
      try {
        ws.close(1000);
      } catch {}
      if (err) reject(err);
      else resolveSv(sv!);
    };
    const timer = setTimeout(() => finish(new Error(`no sync step 1 on the notes of ${code} within ${timeoutMs} ms`)), timeoutMs);
    ws.addEventListener("message", (e) => {
      try {
        const data = e.data instanceof ArrayBuffer ? new Uint8Array(e.data) : new Uint8Array(e.data as ArrayBufferLike);
        const decoder = decoding.createDecoder(data);
        const type = decoding.readVarUint(decoder);
        const sub = decoding.readVarUint(decoder);
        if (type !== 0 || sub !== 0) return finish(new Error(`notes of ${code}: first message is ${type}/${sub}, not sync step 1`));
        finish(null, Y.decodeStateVector(decoding.readVarUint8Array(decoder)));
      } catch (err) {
        finish(err as Error);
      }
    });
    ws.addEventListener("close", (e) => finish(new Error(`notes of ${code}: closed ${e.code} ${e.reason} before sync step 1`)));
    ws.addEventListener("error", () => finish(new Error(`notes of ${code}: socket error`)));
  });
}

/** ~300 characters of Markdown, different per room. */
function notesText(i: number): string {
  let text = `# Meeting ${i}\n\n- Agenda: review the roadmap, staffing, and the release plan\n- Decisions:\n`;
  while (text.length < NOTES_CHARS) text += `  - item ${text.length} agreed by everyone present\n`;
  return text.slice(0, NOTES_CHARS);
}

/**
 * The stock y-websocket provider writes the notes; once the server holds them the provider is
 * destroyed, as a browser tab leaving the notes would.
 */
async function writeNotes(server: Server, code: string, text: string) {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${server.ws}/ws/meetings/${code}`, "notes", doc, { disableBc: true, maxBackoffTime: 1_000 });
  try {
    await until(`the notes provider of ${code} to sync`, () => provider.synced, 10_000);
    doc.getText("notes").insert(0, text);
    const deadline = performance.now() + 10_000;
    for (;;) {
      const sv = await serverStateVector(server, code);
      if ((sv.get(doc.clientID) ?? 0) >= text.length) break;
      if (performance.now() > deadline) throw new Error(`the server did not hold the notes of ${code} within 10 s`);
      checkInterrupted();
      await Bun.sleep(25);
    }
  } finally {
    provider.destroy();
    doc.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers.

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** Runs `fn` over 0..count-1 with at most `limit` in flight; the first failure stops the rest. */
async function inParallel(count: number, limit: number, deadline: number, fn: (index: number) => Promise<void>) {
  let next = 0;
  let failed: Error | null = null;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count && !failed) {
        if (interrupted) failed = new Error("interrupted");
        else if (performance.now() > deadline) failed = new Error(`stopped by the time cap after ${next} of ${count}`);
        if (failed) break;
        const i = next++;
        try {
          await fn(i);
        } catch (err) {
          failed ??= err as Error;
        }
      }
    }),
  );
  if (failed) throw failed;
}

const mb = (kb: number) => (kb / 1024).toFixed(1);
const fmt = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : "–");

// ---------------------------------------------------------------------------------------------
// 1. Memory per idle room.

interface MemoryResult {
  rooms: number;
  rssBeforeKb: number;
  rssHalfKb: number;
  rssAfterKb: number;
  kbPerRoom: number;
  kbPerRoomSecondHalf: number;
  heapBefore: HeapFigures;
  heapAfter: HeapFigures;
  /** (heap used − external) per room, in KB: JS objects only. */
  heapKbPerRoom: number;
  externalKbPerRoom: number;
  createSeconds: number;
  notesUpdatesPerRoom: number;
  idleCoresBefore: number;
  idleCoresAfter: number;
  /** With --gc-probe: the same after a full GC in the server. */
  gc: { before: Probe; after: Probe; rssKbPerRoom: number; heapKbPerRoom: number; topTypes: [string, number][] } | null;
}

async function benchMemory(server: Server): Promise<MemoryResult> {
  const idle: RoomClient[] = [];
  const unexpectedCloses: string[] = [];
  const makeRoom = async (i: number) => {
    const code = await createMeeting(server);
    const room = await joinRoom(server, code, `P${i}`);
    room.onMessage = () => {};
    idle.push(room);
    await writeNotes(server, code, notesText(i));
  };
  const makeRooms = async (from: number, count: number) => {
    const t0 = performance.now();
    await inParallel(count, CREATE_CONCURRENCY, t0 + 120_000 + count * 500, (k) => makeRoom(from + k));
    return (performance.now() - t0) / 1000;
  };
  const check = (figures: HeapFigures, rooms: number, what: string) => {
    const problems: string[] = [];
    if (figures.rooms !== rooms) problems.push(`dictate_rooms ${figures.rooms}`);
    if (figures.participants !== rooms) problems.push(`dictate_participants ${figures.participants}`);
    if (figures.roomSockets !== rooms) problems.push(`room sockets ${figures.roomSockets}`);
    if (figures.notesSockets !== 0) problems.push(`notes sockets ${figures.notesSockets}`);
    // At least the insert of each room (a provider's sync step 2 is counted too, even when empty).
    if (!(figures.notesUpdates >= rooms)) problems.push(`notes updates ${figures.notesUpdates}`);
    const closed = idle.filter((r) => r.closeInfo).length;
    if (closed > 0) problems.push(`${closed} room sockets closed`);
    if (problems.length > 0) throw new Error(`${what}: expected ${rooms} idle rooms but see ${problems.join(", ")}`);
  };

  console.log(`\n## Memory per idle room (${options.rooms} rooms; ${options.warmupRooms} warm-up rooms first)`);
  const warmSeconds = await makeRooms(0, options.warmupRooms);
  console.log(`  warm-up: ${options.warmupRooms} rooms in ${warmSeconds.toFixed(1)} s; settling ${SETTLE_MS / 1000} s, then sampling RSS for ${SAMPLE_MS / 1000} s`);
  await Bun.sleep(SETTLE_MS);
  const before = await settledRss(server.pid);
  const heapBefore = await heapFigures(server);
  check(heapBefore, options.warmupRooms, "after warm-up");
  console.log(`  before: RSS ${mb(before.min)} MB (min of ${before.samples} samples, max ${mb(before.max)}); heap used ${fmt(heapBefore.usedBytes / 2 ** 20, 1)} MB, of which external ${fmt(heapBefore.externalBytes / 2 ** 20, 1)} MB`);
  const gcBefore = await probeAfterGc(server);
  if (gcBefore) console.log(`  before, after a full GC (${fmt(gcBefore.gcMs, 0)} ms): heap ${fmt(gcBefore.heapSize / 2 ** 20, 1)} MB (extra ${fmt(gcBefore.extraMemorySize / 2 ** 20, 1)} MB), ${gcBefore.objectCount} objects, RSS ${mb(gcBefore.rssKb)} MB`);

  const half = Math.floor(options.rooms / 2);
  const s1 = await makeRooms(options.warmupRooms, half);
  await Bun.sleep(SETTLE_MS);
  const mid = await settledRss(server.pid);
  check(await heapFigures(server), options.warmupRooms + half, "half-way");
  console.log(`  +${half} rooms in ${s1.toFixed(1)} s: RSS ${mb(mid.min)} MB (max ${mb(mid.max)})`);

  const s2 = await makeRooms(options.warmupRooms + half, options.rooms - half);
  await Bun.sleep(SETTLE_MS);
  const after = await settledRss(server.pid);
  const heapAfter = await heapFigures(server);
  check(heapAfter, options.warmupRooms + options.rooms, "at the end");
  for (const k of childrenOf(server.pid)) console.log(`  server child ${procName(k)} pid ${k}: RSS ${mb(procRssKb(k))} MB (not in the figures)`);
  console.log(`  +${options.rooms - half} rooms in ${s2.toFixed(1)} s: RSS ${mb(after.min)} MB (max ${mb(after.max)}); heap used ${fmt(heapAfter.usedBytes / 2 ** 20, 1)} MB, of which external ${fmt(heapAfter.externalBytes / 2 ** 20, 1)} MB`);
  const gcAfter = await probeAfterGc(server);
  let gc: MemoryResult["gc"] = null;
  if (gcBefore && gcAfter) {
    const types = new Set([...Object.keys(gcBefore.objectTypeCounts), ...Object.keys(gcAfter.objectTypeCounts)]);
    const topTypes = [...types]
      .map((t): [string, number] => [t, ((gcAfter.objectTypeCounts[t] ?? 0) - (gcBefore.objectTypeCounts[t] ?? 0)) / options.rooms])
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15);
    gc = {
      before: gcBefore,
      after: gcAfter,
      rssKbPerRoom: (gcAfter.rssKb - gcBefore.rssKb) / options.rooms,
      heapKbPerRoom: (gcAfter.heapSize - gcAfter.extraMemorySize - (gcBefore.heapSize - gcBefore.extraMemorySize)) / 1024 / options.rooms,
      topTypes,
    };
    console.log(
      `  after, after a full GC (${fmt(gcAfter.gcMs, 0)} ms): heap ${fmt(gcAfter.heapSize / 2 ** 20, 1)} MB (extra ${fmt(gcAfter.extraMemorySize / 2 ** 20, 1)} MB), ` +
        `${gcAfter.objectCount} objects (${fmt((gcAfter.objectCount - gcBefore.objectCount) / options.rooms, 0)} per room), RSS ${mb(gcAfter.rssKb)} MB`,
    );
    console.log(`  => after full GCs: ${fmt(gc.rssKbPerRoom, 1)} KB RSS and ${fmt(gc.heapKbPerRoom, 1)} KB JS heap per idle room`);
    console.log(`  objects per room by type (growth, top ${topTypes.length}): ${topTypes.map(([t, n]) => `${t} ${fmt(n, 1)}`).join(", ")}`);
  }

  const result: MemoryResult = {
    rooms: options.rooms,
    rssBeforeKb: before.min,
    rssHalfKb: mid.min,
    rssAfterKb: after.min,
    kbPerRoom: (after.min - before.min) / options.rooms,
    kbPerRoomSecondHalf: (after.min - mid.min) / (options.rooms - half),
    heapBefore,
    heapAfter,
    heapKbPerRoom: (heapAfter.usedBytes - heapAfter.externalBytes - (heapBefore.usedBytes - heapBefore.externalBytes)) / 1024 / options.rooms,
    externalKbPerRoom: (heapAfter.externalBytes - heapBefore.externalBytes) / 1024 / options.rooms,
    createSeconds: s1 + s2,
    notesUpdatesPerRoom: (heapAfter.notesUpdates - heapBefore.notesUpdates) / options.rooms,
    idleCoresBefore: before.idleCores,
    idleCoresAfter: after.idleCores,
    gc,
  };
  console.log(
    `  => ${fmt(result.kbPerRoom, 1)} KB RSS per idle room (second half alone: ${fmt(result.kbPerRoomSecondHalf, 1)} KB); ` +
      `JS heap ${fmt(result.heapKbPerRoom, 1)} KB + external ${fmt(result.externalKbPerRoom, 1)} KB per room`,
  );
  console.log(
    `  notes updates made durable: ${fmt(result.notesUpdatesPerRoom, 2)} per room (each room inserted once; a provider's sync step 2 is made durable too, even when empty); ` +
      `server CPU while idle: ${fmt(result.idleCoresBefore * 100, 2)}% of a core with ${options.warmupRooms} rooms, ${fmt(result.idleCoresAfter * 100, 2)}% with ${options.warmupRooms + options.rooms}`,
  );

  // Leave: every seat ends at once (close 1000), so the presence run starts from empty rooms.
  for (const room of idle) {
    room.onMessage = () => {};
    if (room.closeInfo) unexpectedCloses.push(`${room.closeInfo.code}`);
    openSockets.delete(room.ws);
    room.ws.close(1000, "bench: memory phase over");
  }
  if (unexpectedCloses.length > 0) console.warn(`  WARNING: ${unexpectedCloses.length} idle room sockets had closed early (codes ${[...new Set(unexpectedCloses)].join(", ")})`);
  await Bun.sleep(500);
  return result;
}

// ---------------------------------------------------------------------------------------------
// 2. Presence fan-out.

interface Toggle {
  value: boolean;
  scheduledAt: number;
  sentAt: number;
  /** Others in the room that have not received it yet. */
  pending: number;
  deliveredAt: number | null;
  counted: boolean;
}

interface Participant {
  index: number;
  room: number;
  client: RoomClient;
  toggles: Toggle[];
  /** Per sender id: how many `participant.updated` about them this participant has received. */
  seen: Map<string, number>;
}

interface PresenceResult {
  participants: number;
  rooms: number;
  perRoom: number;
  rate: number;
  seconds: number;
  toggles: number;
  delivered: number;
  p50: number;
  p99: number;
  max: number;
  mismatches: number;
  unexpected: number;
  closed: number;
  serverCpuSeconds: number | null;
  benchCpuSeconds: number;
  elapsedSeconds: number;
  lateP50: number;
  lateP99: number;
  lateMax: number;
  lateOver10: number;
  drainSeconds: number;
}

async function benchPresence(server: Server): Promise<PresenceResult> {
  const roomsCount = options.participants / options.perRoom;
  const others = options.perRoom - 1;
  console.log(
    `\n## Presence fan-out (${options.participants} participants in ${roomsCount} rooms of ${options.perRoom}, ` +
      `${options.rate} toggle/s each for ${options.seconds} s after a ${options.warmup} s warm-up)`,
  );
  const t0 = performance.now();
  const codes: string[] = [];
  for (let r = 0; r < roomsCount; r++) codes.push(await createMeeting(server));
  const participants: Participant[] = new Array(options.participants);
  await inParallel(options.participants, CREATE_CONCURRENCY, performance.now() + 120_000, async (i) => {
    const room = Math.floor(i / options.perRoom);
    const client = await joinRoom(server, codes[room]!, `P${i}`);
    participants[i] = { index: i, room, client, toggles: [], seen: new Map() };
  });
  const byId = new Map<string, Participant>();
  for (const p of participants) byId.set(p.client.self.id, p);

  let mismatches = 0;
  let unexpected = 0;
  for (const p of participants) {
    p.client.onMessage = (m, at) => {
      if (m.type !== "participant.updated" || m.participant.id === p.client.self.id) return;
      const sender = byId.get(m.participant.id);
      if (!sender || sender.room !== p.room) return void unexpected++;
      const n = (p.seen.get(sender.client.self.id) ?? 0) + 1;
      p.seen.set(sender.client.self.id, n);
      const toggle = sender.toggles[n - 1];
      if (!toggle) return void unexpected++;
      if (m.participant.audioMuted !== toggle.value) mismatches++;
      toggle.pending--;
      if (toggle.pending === 0) toggle.deliveredAt = at;
    };
  }
  // Everyone must know everyone else in the room before toggling.
  await until(
    "every participant to see the others of its room",
    () => participants.every((p) => participants.filter((q) => q.room === p.room).every((q) => p.client.present.has(q.client.self.id))),
    15_000,
    50,
  );
  console.log(`  ${roomsCount} meetings and ${options.participants} participants joined in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // Every participant toggles on its own clock: a random phase within one period, then strictly
  // every period. Toggles scheduled before the warm-up ends are sent but not counted.
  const period = 1000 / options.rate;
  const start = performance.now() + 200;
  const windowStart = start + options.warmup * 1000;
  const windowEnd = windowStart + options.seconds * 1000;
  const lateness: number[] = [];
  let serverCpu0: number | null = null;
  let benchCpu0: NodeJS.CpuUsage | null = null;
  const windowTimer = setTimeout(() => {
    serverCpu0 = procCpuSeconds(server.pid);
    benchCpu0 = process.cpuUsage();
  }, windowStart - performance.now());

  const runners = participants.map(
    (p) =>
      new Promise<void>((done) => {
        let next = start + Math.random() * period;
        const fire = () => {
          const now = performance.now();
          if (interrupted || next >= windowEnd) return done();
          const counted = next >= windowStart;
          if (counted) lateness.push(Math.max(0, now - next)); // Bun may fire a timer up to 1 ms early
          if (p.client.ws.readyState === WebSocket.OPEN) {
            const value = p.toggles.length % 2 === 0; // first toggle mutes (everyone starts unmuted)
            p.toggles.push({ value, scheduledAt: next, sentAt: performance.now(), pending: others, deliveredAt: null, counted });
            p.client.ws.send(JSON.stringify({ type: "presence", audioMuted: value }));
          }
          next += period;
          setTimeout(fire, Math.max(0, next - performance.now()));
        };
        setTimeout(fire, Math.max(0, next - performance.now()));
      }),
  );
  await Promise.all(runners);
  clearTimeout(windowTimer);

  // Let the last toggles arrive (bounded).
  const drainStart = performance.now();
  const all = participants.flatMap((p) => p.toggles);
  await until("the last toggles to be delivered", () => interrupted || all.every((t) => t.deliveredAt !== null), 10_000, 20).catch((err) =>
    console.warn(`  WARNING: ${(err as Error).message}`),
  );
  const drainSeconds = (performance.now() - drainStart) / 1000;
  const serverCpu1 = procCpuSeconds(server.pid);
  const benchCpu = process.cpuUsage(benchCpu0 ?? undefined);
  const elapsedSeconds = (performance.now() - windowStart) / 1000;

  const counted = all.filter((t) => t.counted);
  const latencies = counted.filter((t) => t.deliveredAt !== null).map((t) => t.deliveredAt! - t.sentAt).sort((a, b) => a - b);
  const late = lateness.sort((a, b) => a - b);
  const closed = participants.filter((p) => p.client.closeInfo).length;
  const result: PresenceResult = {
    participants: options.participants,
    rooms: roomsCount,
    perRoom: options.perRoom,
    rate: options.rate,
    seconds: options.seconds,
    toggles: counted.length,
    delivered: latencies.length,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies.length ? latencies[latencies.length - 1]! : NaN,
    mismatches,
    unexpected,
    closed,
    serverCpuSeconds: serverCpu0 !== null && serverCpu1 !== null ? serverCpu1 - serverCpu0 : null,
    benchCpuSeconds: (benchCpu.user + benchCpu.system) / 1e6,
    elapsedSeconds,
    lateP50: percentile(late, 0.5),
    lateP99: percentile(late, 0.99),
    lateMax: late.length ? late[late.length - 1]! : NaN,
    lateOver10: late.filter((x) => x > 10).length,
    drainSeconds,
  };
  console.log(
    `  ${result.toggles} toggles counted, ${result.delivered} fully delivered to the other ${others} of their room; ` +
      `latency p50 ${fmt(result.p50, 2)} ms, p99 ${fmt(result.p99, 2)} ms, max ${fmt(result.max, 2)} ms`,
  );
  console.log(
    `  server CPU ${fmt(result.serverCpuSeconds ?? NaN, 2)} s, bench CPU ${fmt(result.benchCpuSeconds, 2)} s over ${fmt(elapsedSeconds, 1)} s; ` +
      `toggle timers late p50 ${fmt(result.lateP50, 2)} ms, p99 ${fmt(result.lateP99, 2)} ms, max ${fmt(result.lateMax, 2)} ms (${result.lateOver10} over 10 ms)`,
  );
  if (mismatches || unexpected || closed) {
    console.warn(`  WARNING: ${mismatches} updates with the wrong audioMuted, ${unexpected} unexpected updates, ${closed} sockets closed during the run`);
  }
  for (const p of participants) {
    p.client.onMessage = () => {};
    openSockets.delete(p.client.ws);
    p.client.ws.close(1000, "bench: presence phase over");
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// The run.

async function createBenchDatabase(): Promise<string> {
  const name = `dictate_bench_rooms_${Date.now()}_${process.pid}`;
  const admin = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await admin.unsafe(`create database ${name}`);
  } catch (err) {
    throw new Error(`could not create a database on ${POSTGRES_ADMIN_URL} (is Postgres running? pg_ctlcluster 15 main start): ${(err as Error).message}`);
  } finally {
    await admin.end();
  }
  cleanups.push(async () => {
    const dropper = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
    try {
      await dropper.unsafe(`drop database if exists ${name} with (force)`);
      console.log(`  dropped database ${name}`);
    } finally {
      await dropper.end();
    }
  });
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

const backend = options.postgres ? "Postgres" : "PGlite";
const cores = availableParallelism();
console.log(`# Dictate rooms bench`);
console.log(`cores: ${cores} (${cpus()[0]?.model ?? "unknown CPU"}), bun ${Bun.version}, backend ${backend}, clients in this process over loopback`);

let memory: MemoryResult | null = null;
let presence: PresenceResult | null = null;
const failures: string[] = [];
let serverLog = "";
try {
  const dataDir = mkdtempSync(join(tmpdir(), "dictate-bench-rooms-"));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const env: Record<string, string> = { DATA_DIR: dataDir };
  if (options.postgres) env.DATABASE_URL = await createBenchDatabase();
  const t0 = performance.now();
  let preload: string | null = null;
  if (options.gcProbe) {
    env.BENCH_GC_PROBE_DIR = join(dataDir, "gc-probe");
    mkdirSync(env.BENCH_GC_PROBE_DIR);
    preload = resolve(import.meta.dir, "rooms/gc-probe.ts");
  }
  const server = await startServer(env, preload);
  // Runs before the server is stopped: the server's SIGTERM shutdown waits for open sockets.
  cleanups.push(closeClientSockets);
  const kids = childrenOf(server.pid);
  console.log(
    `media: ${options.janus ? "as the server chooses (--janus)" : "off (no embedded Janus)"}; server child processes: ` +
      (kids.length ? kids.map((k) => `${procName(k)} pid ${k} RSS ${mb(procRssKb(k))} MB`).join(", ") : "none"),
  );
  console.log(`server pid ${server.pid} at ${server.base}, healthy after ${((performance.now() - t0) / 1000).toFixed(1)} s, RSS ${mb(procRssKb(server.pid))} MB`);
  try {
    if (options.only !== "presence") {
      try {
        memory = await benchMemory(server);
      } catch (err) {
        failures.push(`memory: ${(err as Error).message}`);
        console.error(`\nmemory FAILED: ${(err as Error).message}`);
      }
    }
    if (options.only !== "memory" && !interrupted && !server.exited()) {
      try {
        presence = await benchPresence(server);
      } catch (err) {
        failures.push(`presence: ${(err as Error).message}`);
        console.error(`\npresence FAILED: ${(err as Error).message}`);
      }
    }
    if (server.exited() && !interrupted) failures.push(`the server exited during the run`);
  } finally {
    serverLog = server.output().trim();
  }
} catch (err) {
  failures.push((err as Error).message);
  console.error(`\nFAILED: ${(err as Error).message}`);
}
await runCleanups();
if (interrupted) process.exit(130);
if (serverLog) console.log(`\nthe server logged (warn and above):\n${serverLog.split("\n").slice(-20).map((l) => `    ${l}`).join("\n")}`);

console.log(`\n## Results (${backend}, cores: ${cores})\n`);
console.log(`| figure | value | detail |`);
console.log(`|---|---|---|`);
if (memory) {
  console.log(
    `| memory per idle room (RSS) | ${fmt(memory.kbPerRoom, 1)} KB | ${memory.rooms} rooms: VmRSS ${mb(memory.rssBeforeKb)} → ${mb(memory.rssAfterKb)} MB (settled minimum over ${SAMPLE_MS / 1000} s); second half alone ${fmt(memory.kbPerRoomSecondHalf, 1)} KB/room |`,
  );
  console.log(
    `| JS heap per idle room | ${fmt(memory.heapKbPerRoom, 1)} KB | JSC heap minus extra memory, ${fmt((memory.heapBefore.usedBytes - memory.heapBefore.externalBytes) / 2 ** 20, 1)} → ${fmt((memory.heapAfter.usedBytes - memory.heapAfter.externalBytes) / 2 ** 20, 1)} MB (not collected first); extra (ArrayBuffers) ${fmt(memory.externalKbPerRoom, 1)} KB/room |`,
  );
  if (memory.gc) {
    console.log(
      `| after a forced full GC (--gc-probe) | ${fmt(memory.gc.rssKbPerRoom, 1)} KB RSS, ${fmt(memory.gc.heapKbPerRoom, 1)} KB JS heap | VmRSS ${mb(memory.gc.before.rssKb)} → ${mb(memory.gc.after.rssKb)} MB; ${fmt((memory.gc.after.objectCount - memory.gc.before.objectCount) / memory.rooms, 0)} JS objects per room |`,
    );
  }
  console.log(
    `| server CPU with the rooms idle | ${fmt(memory.idleCoresAfter * 100, 2)}% of a core | ${options.warmupRooms + memory.rooms} idle rooms, nothing sent (${fmt(memory.idleCoresBefore * 100, 2)}% with ${options.warmupRooms}) |`,
  );
}
if (presence) {
  console.log(
    `| presence fan-out latency | p50 ${fmt(presence.p50, 2)} ms, p99 ${fmt(presence.p99, 2)} ms, max ${fmt(presence.max, 2)} ms | ${presence.participants} participants in ${presence.rooms} rooms of ${presence.perRoom}, ${presence.rate}/s each for ${presence.seconds} s; send → last of ${presence.perRoom - 1} others |`,
  );
  console.log(`| presence toggles | ${presence.delivered} / ${presence.toggles} fully delivered | ${presence.mismatches} wrong values, ${presence.unexpected} unexpected updates, ${presence.closed} sockets closed |`);
  console.log(
    `| CPU during the presence run | server ${fmt(presence.serverCpuSeconds ?? NaN, 2)} s, bench ${fmt(presence.benchCpuSeconds, 2)} s | over ${fmt(presence.elapsedSeconds, 1)} s (${fmt((presence.serverCpuSeconds ?? NaN) / presence.elapsedSeconds, 3)} and ${fmt(presence.benchCpuSeconds / presence.elapsedSeconds, 3)} cores) |`,
  );
  console.log(
    `| toggle timer lateness (bench) | p50 ${fmt(presence.lateP50, 2)} ms, p99 ${fmt(presence.lateP99, 2)} ms, max ${fmt(presence.lateMax, 2)} ms | ${presence.lateOver10} of ${presence.toggles} timers over 10 ms late |`,
  );
}
console.log();
if (memory) {
  const met = memory.kbPerRoom <= AIM_KB_PER_ROOM;
  console.log(`Aim: ≤ ${AIM_KB_PER_ROOM} KB of server RSS per idle room (${backend}) — ${met ? "MET" : "NOT MET"} (${fmt(memory.kbPerRoom, 1)} KB per room)`);
} else if (options.only !== "presence") {
  console.log(`Aim: ≤ ${AIM_KB_PER_ROOM} KB of server RSS per idle room — NOT MEASURED`);
}
if (presence && presence.lateOver10 > 0) {
  console.log(
    `Note: ${presence.lateOver10} of ${presence.toggles} toggle timers in this process fired over 10 ms late (p99 ${fmt(presence.lateP99, 1)} ms, max ${fmt(presence.lateMax, 1)} ms): ` +
      `the clients share the machine with the server, and a toggle's latency counts from when it was really sent.`,
  );
}
if (failures.length > 0) {
  console.log(`\nFailures:\n${failures.map((f) => `- ${f.split("\n")[0]}`).join("\n")}`);
  process.exit(1);
}
process.exit(0);
