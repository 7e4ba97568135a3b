/**
 * Live-notes benchmark: N rooms × M clients editing one Y.Text each, against Dictate's
 * `WS /ws/meetings/:code/notes` and, in the same run on the same machine with the same client code,
 * against two peers: @hocuspocus/server (defaults: in-memory, no extensions) and the y-websocket
 * reference server (@y/websocket-server's setupWSConnection on `ws`), both under Node 20.
 *
 *   node_modules/.bin/bun bench/notes-sync.ts                       # 100 rooms × 5 clients, 5 edits/s, 30 s
 *   node_modules/.bin/bun bench/notes-sync.ts --rooms 10 --seconds 5 --only ywebsocket,hocuspocus
 *
 * Flags (defaults in brackets):
 *   --rooms N [100]  --clients M [5]  --rate R edits/s per client [5]  --seconds S measured [30]
 *   --warmup S [5]    edits before the measured window, not counted
 *   --drain S [10]    longest wait for the last edits to arrive once editing stops
 *   --workers W [2]   generator processes (whole rooms each)
 *   --only ywebsocket,hocuspocus,dictate [all]
 *   --no-awareness    clients send no awareness state (by default each sends one after syncing)
 *   --quiet-wait S [60]  before each server, wait up to S s for the rest of the machine to be idle
 *                        (under a quarter of a core); 0 to skip
 *   --profile DIR     CPU profiles of every child, written when it exits (Bun --cpu-prof and
 *                     --cpu-prof-md, Node --cpu-prof); they include start-up and connecting.
 *
 * Per server, one after the other: start it as a child process on a free loopback port, open its
 * rooms (Dictate: `POST /api/meetings {}` per room; the peers: any document name), check the upgrade
 * answers 101, start W generator processes (bench/notes-sync/generator.ts under Bun; whole rooms per
 * process, so each latency is read on one clock), wait until every client has synced, then all
 * clients edit from one shared start time. Measured:
 *
 * - latency of an edit: from just before the insert at its client until the last other client of
 *   the room has integrated it; p50/p99 over the edits of the measured window (after warm-up);
 * - edits sent and fully delivered in that window;
 * - server CPU seconds (utime+stime of the server pid from /proc) from the start of the measured
 *   window until every edit was delivered, and that ÷ edits sent = CPU per update;
 * - peak RSS of the server pid (VmRSS sampled every 250 ms while clients are connected; VmHWM, which
 *   also holds start-up peaks, is printed beside it) and its RSS with the rooms open but before any
 *   client connected;
 * - the generator processes' CPU over the same window, and how late their edit timers fired.
 *
 * Everything shares the machine (on 2 cores the server and the generators compete), so read the
 * generator's CPU and timer lateness beside the figures. Only 127.0.0.1 is ever contacted. Every
 * child is killed by its pid and temp dirs are removed on success, failure and Ctrl-C.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { percentile, type Framing, type FromGenerator, type GeneratorResult, type RoomTarget, type ToGenerator } from "./notes-sync/protocol.ts";
import { LOAD_GENERATOR_ENV } from "./load-env.ts";

const ROOT = resolve(import.meta.dir, "..");
const HERE = resolve(import.meta.dir, "notes-sync");
const BUN = resolve(ROOT, "node_modules/.bin/bun");
const NODE = "/usr/bin/node";
const HOST = "127.0.0.1";

// ---------------------------------------------------------------------------------------------
// Flags.

type ServerKey = "ywebsocket" | "hocuspocus" | "dictate" | "dictate-pg";
const SERVER_KEYS: ServerKey[] = ["ywebsocket", "hocuspocus", "dictate", "dictate-pg"];
const POSTGRES_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";

interface Options {
  rooms: number;
  clients: number;
  rate: number;
  seconds: number;
  warmup: number;
  drain: number;
  workers: number;
  only: ServerKey[];
  awareness: boolean;
  /** Before each server, wait up to this long for the rest of the machine to go idle. */
  quietWait: number;
  /** Write CPU profiles of every child (servers and generators) into this directory. */
  profile: string | null;
}

function usage(): never {
  console.log(
    "usage: bun bench/notes-sync.ts [--rooms 100] [--clients 5] [--rate 5] [--seconds 30] [--warmup 5] [--drain 10]\n" +
      "                               [--workers 2] [--only ywebsocket,hocuspocus,dictate] [--no-awareness] [--profile DIR]\n" +
      "                               [--quiet-wait 60]",
  );
  process.exit(0);
}

function parseArgs(argv: string[]): Options {
  const options: Options = { rooms: 100, clients: 5, rate: 5, seconds: 30, warmup: 5, drain: 10, workers: 2, only: [...SERVER_KEYS], awareness: true, profile: null, quietWait: 60 };
  const numeric: Record<string, { key: keyof Options; min: number; integer: boolean }> = {
    "--rooms": { key: "rooms", min: 1, integer: true },
    "--clients": { key: "clients", min: 2, integer: true },
    "--rate": { key: "rate", min: 0.1, integer: false },
    "--seconds": { key: "seconds", min: 1, integer: false },
    "--warmup": { key: "warmup", min: 0, integer: false },
    "--drain": { key: "drain", min: 0.5, integer: false },
    "--workers": { key: "workers", min: 1, integer: true },
    "--quiet-wait": { key: "quietWait", min: 0, integer: false },
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === "--help" || flag === "-h") usage();
    else if (flag === "--no-awareness") options.awareness = false;
    else if (flag === "--profile") options.profile = resolve(value());
    else if (flag === "--only") {
      const keys = value()
        .split(",")
        .map((s) => s.trim().toLowerCase().replace(/^y-websocket$/, "ywebsocket"))
        .filter(Boolean);
      const bad = keys.filter((k) => !SERVER_KEYS.includes(k as ServerKey));
      if (bad.length > 0 || keys.length === 0) throw new Error(`--only takes a list of ${SERVER_KEYS.join(", ")}; got ${bad.join(", ") || "nothing"}`);
      options.only = SERVER_KEYS.filter((k) => keys.includes(k));
    } else if (flag in numeric) {
      const spec = numeric[flag]!;
      const n = Number(value());
      if (!Number.isFinite(n) || n < spec.min || (spec.integer && !Number.isInteger(n))) {
        throw new Error(`${flag} must be ${spec.integer ? "an integer" : "a number"} ≥ ${spec.min}`);
      }
      (options as unknown as Record<string, number>)[spec.key] = n;
    } else throw new Error(`unknown flag ${arg} (--help lists them)`);
  }
  options.workers = Math.min(options.workers, options.rooms);
  return options;
}

/** CPU-profiler flags for a child when --profile is given (written when the child exits). */
let profileDir: string | null = null;
let profileCount = 0;
function profileFlags(runtime: "bun" | "node", name: string): string[] {
  if (!profileDir) return [];
  const file = `${String(++profileCount).padStart(2, "0")}-${name}`;
  // Bun appends the extension itself; Node takes the whole file name.
  return runtime === "bun"
    ? ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${file}`]
    : ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${file}.cpuprofile`];
}

// ---------------------------------------------------------------------------------------------
// Cleanup that runs whatever happens: children are killed by their pid, temp dirs removed.

const cleanups: (() => Promise<void> | void)[] = [];
async function runCleanups() {
  while (cleanups.length > 0) {
    const fn = cleanups.pop()!;
    try {
      await fn();
    } catch (err) {
      console.error(`cleanup failed: ${(err as Error).message}`);
    }
  }
}
let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${signal}: cleaning up`);
    void runCleanups().finally(() => process.exit(130));
  });
}

function withCleanup<T>(fn: () => Promise<void> | void): () => Promise<void> {
  let done = false;
  const once = async () => {
    if (done) return;
    done = true;
    await fn();
  };
  cleanups.push(once);
  return once;
}

// ---------------------------------------------------------------------------------------------
// /proc readings.

/** CPU seconds (user + system) the process has used so far, or null where /proc is missing. */
function procCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime; USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** Busy CPU seconds of the whole machine so far (all cores, from /proc/stat), or null. */
function machineBusySeconds(): number | null {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0); // user nice system idle iowait irq softirq steal
    return (total - ticks[3]! - ticks[4]!) / 100;
  } catch {
    return null;
  }
}

/** A `VmXXX:   1234 kB` field of /proc/<pid>/status in MB, or null. */
function procStatusMb(pid: number, field: "VmRSS" | "VmHWM"): number | null {
  try {
    const match = readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Descendant pids (e.g. a Janus that the Dictate server started), for a warning only. */
function childPids(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
  } catch {}
  return out;
}

// ---------------------------------------------------------------------------------------------
// Child processes.

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

interface Child {
  pid: number;
  proc: ReturnType<typeof Bun.spawn>;
  output: () => string;
  exited: () => boolean;
  stop: () => Promise<void>;
}

function spawnChild(name: string, cmd: string[], env: Record<string, string>, extra: { ipc?: (message: unknown) => void } = {}): Child {
  const proc = Bun.spawn(cmd, {
    cwd: ROOT,
    // A clean environment: nothing of the caller's shell (DATABASE_URL, YPERSISTENCE, …) leaks in.
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    ...(extra.ipc ? { ipc: extra.ipc, serialization: "json" as const } : {}),
  });
  const pid = proc.pid;
  let log = "";
  const listeners: ((text: string) => void)[] = [];
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const text = decoder.decode(value, { stream: true });
      log = (log + text).slice(-20_000);
      for (const listener of listeners) listener(log);
    }
  };
  void drain(proc.stdout as ReadableStream<Uint8Array>);
  void drain(proc.stderr as ReadableStream<Uint8Array>);
  const exited = () => proc.exitCode !== null || proc.signalCode !== null;
  const stop = withCleanup(async () => {
    if (exited()) return;
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      return;
    }
    const done = await Promise.race([proc.exited.then(() => true), Bun.sleep(5_000).then(() => false)]);
    if (!done) {
      console.warn(`  WARNING: ${name} (pid ${pid}) did not exit within 5 s of SIGTERM; sending SIGKILL`);
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
      await proc.exited;
    }
  });
  const child: Child & { onOutput: (fn: (text: string) => void) => void } = { pid, proc, output: () => log, exited, stop, onOutput: (fn) => listeners.push(fn) };
  return child;
}

async function waitFor(what: string, child: Child, check: () => Promise<boolean> | boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exited()) throw new Error(`${what} exited (${child.proc.exitCode ?? child.proc.signalCode}) before it was ready:\n${child.output().slice(-3_000)}`);
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what} was not ready within ${timeoutMs / 1000} s:\n${child.output().slice(-3_000)}`);
    await Bun.sleep(50);
  }
}

// ---------------------------------------------------------------------------------------------
// The servers under test.

interface RunningServer {
  child: Child;
  port: number;
  /** Stops the child (by pid) and removes what it was given (e.g. its data dir). */
  stop: () => Promise<void>;
  /** The database server's processes working for it (Postgres backends), whose CPU counts too. */
  databasePids?: () => Promise<number[]>;
}

interface ServerSpec {
  key: ServerKey;
  label: string;
  framing: Framing;
  start: () => Promise<RunningServer>;
  openRooms: (server: RunningServer, count: number) => Promise<RoomTarget[]>;
}

async function startNodePeer(name: string, script: string): Promise<RunningServer> {
  const port = await freePort();
  const child = spawnChild(name, [NODE, ...profileFlags("node", script.replace(/\.mjs$/, "")), join(HERE, script)], { PORT: String(port), HOST, NODE_ENV: "production" });
  try {
    await waitFor(name, child, () => child.output().includes('"listening"'), 30_000);
  } catch (err) {
    await child.stop();
    throw err;
  }
  return { child, port, stop: child.stop };
}

/** Dictate as the benchmark sees it: on embedded PGlite, or on a Postgres server when a URL is given. */
function dictateServer(postgresUrl: string | undefined): ServerSpec {
  return {
    key: postgresUrl === undefined ? "dictate" : "dictate-pg",
    label: postgresUrl === undefined ? "Dictate (Bun, embedded PGlite)" : "Dictate (Bun, Postgres 15)",
    framing: "y-websocket",
    start: async () => {
      const port = await freePort();
      const dataDir = mkdtempSync(join(tmpdir(), "dictate-notes-bench-"));
      const removeDir = withCleanup(() => rmSync(dataDir, { recursive: true, force: true }));
      // Postgres: a fresh database for this run, dropped after it. Janus is kept out (no media here).
      const database = postgresUrl === undefined ? null : await createBenchDatabase();
      const env: Record<string, string> = { PORT: String(port), HOST, DATA_DIR: dataDir, LOG_LEVEL: "warn", JANUS_BIN: "/nonexistent/janus" };
      if (database) env.DATABASE_URL = database.url;
      const child = spawnChild("the Dictate server", [BUN, ...profileFlags("bun", "dictate"), "src/main.ts"], { ...LOAD_GENERATOR_ENV, ...env });
      const stop = async () => {
        await child.stop();
        await removeDir();
        await database?.drop();
      };
      try {
        await waitFor("the Dictate server", child, async () => {
          try {
            const res = await fetch(`http://${HOST}:${port}/healthz`, { signal: AbortSignal.timeout(2_000) });
            await res.arrayBuffer();
            return res.status === 200;
          } catch {
            return false;
          }
        }, 90_000);
      } catch (err) {
        await stop();
        throw err;
      }
      return { child, port, stop, databasePids: database ? () => database.backendPids() : undefined };
    },
    openRooms: async (server, count) => {
      const base = `http://${HOST}:${server.port}`;
      const rooms: RoomTarget[] = new Array(count);
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(10, count) }, async () => {
          while (next < count) {
            const index = next++;
            const res = await fetch(`${base}/api/meetings`, {
              method: "POST",
              headers: { "content-type": "application/json", origin: base },
              body: "{}",
            });
            const text = await res.text();
            if (res.status !== 201) throw new Error(`POST /api/meetings: expected 201, got ${res.status}: ${text.slice(0, 300)}`);
            const code = (JSON.parse(text) as { meeting?: { code?: string } }).meeting?.code;
            if (!code) throw new Error(`POST /api/meetings: no meeting.code in ${text.slice(0, 300)}`);
            rooms[index] = { index, docName: "notes", url: `ws://${HOST}:${server.port}/ws/meetings/${encodeURIComponent(code)}/notes` };
          }
        }),
      );
      return rooms;
    },
  };
}

/** A fresh database on the local Postgres, and how to drop it. */
async function createBenchDatabase() {
  const { default: postgres } = await import("postgres");
  const name = `dictate_notes_bench_${Date.now()}_${process.pid}`;
  const admin = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  const drop = withCleanup(async () => {
    const a = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
    await a.unsafe(`drop database if exists ${name} with (force)`);
    await a.end();
  });
  /** Pids of the Postgres backends connected to this database (the server's pool). */
  const backendPids = async () => {
    const a = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
    try {
      const rows = await a.unsafe(`select pid from pg_stat_activity where datname = '${name}'`);
      return rows.map((r) => Number(r.pid));
    } finally {
      await a.end();
    }
  };
  return { url: url.toString(), drop, backendPids };
}

const SERVERS: Record<ServerKey, ServerSpec> = {
  ywebsocket: {
    key: "ywebsocket",
    label: "y-websocket (@y/websocket-server 0.1.1, Node)",
    framing: "y-websocket",
    start: () => startNodePeer("the y-websocket server", "ywebsocket-server.mjs"),
    openRooms: async (server, count) =>
      Array.from({ length: count }, (_, index) => ({ index, docName: `bench-room-${index}`, url: `ws://${HOST}:${server.port}/bench-room-${index}` })),
  },
  hocuspocus: {
    key: "hocuspocus",
    label: "Hocuspocus (@hocuspocus/server 4.7.0, Node)",
    framing: "hocuspocus",
    start: () => startNodePeer("the Hocuspocus server", "hocuspocus-server.mjs"),
    openRooms: async (server, count) =>
      Array.from({ length: count }, (_, index) => ({ index, docName: `bench-room-${index}`, url: `ws://${HOST}:${server.port}/` })),
  },
  dictate: dictateServer(undefined),
  "dictate-pg": dictateServer(POSTGRES_ADMIN_URL),
};

/** Sends a WebSocket upgrade by hand and returns the HTTP status line of the answer. */
function probeUpgrade(url: string): Promise<{ status: number; line: string }> {
  const u = new URL(url);
  if (u.hostname !== HOST) throw new Error(`refusing to contact ${u.hostname}: only ${HOST}`);
  return new Promise((resolveProbe, reject) => {
    const socket = createConnection({ host: HOST, port: Number(u.port) });
    let buffer = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error("no answer to the upgrade within 5 s"));
    }, 5_000);
    socket.on("connect", () => {
      socket.write(
        `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.on("data", (chunk) => {
      buffer += chunk.toString("latin1");
      const end = buffer.indexOf("\r\n");
      if (end === -1) return;
      clearTimeout(timer);
      socket.destroy();
      const line = buffer.slice(0, end);
      resolveProbe({ status: Number(line.split(" ")[1]), line });
    });
    socket.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      if (!buffer.includes("\r\n")) reject(new Error("connection closed without an HTTP answer"));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The generator processes.

interface Generator {
  child: Child;
  rooms: number;
  send: (message: ToGenerator) => void;
  next: (type: FromGenerator["type"], timeoutMs: number) => Promise<FromGenerator>;
}

function startGenerator(server: string, framing: Framing, rooms: RoomTarget[], options: Options): Generator {
  const inbox: FromGenerator[] = [];
  let wake: (() => void) | null = null;
  const child = spawnChild(`generator (${server})`, [BUN, ...profileFlags("bun", `generator-${server}`), join(HERE, "generator.ts")], {}, {
    ipc: (message) => {
      inbox.push(message as FromGenerator);
      wake?.();
    },
  });
  const send = (message: ToGenerator) => child.proc.send(message);
  const next = async (type: FromGenerator["type"], timeoutMs: number): Promise<FromGenerator> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = inbox.findIndex((m) => m.type === type || m.type === "error");
      if (index !== -1) {
        const message = inbox.splice(index, 1)[0]!;
        if (message.type === "error") throw new Error(message.message);
        return message;
      }
      if (child.exited()) throw new Error(`generator pid ${child.pid} exited (${child.proc.exitCode ?? child.proc.signalCode}):\n${child.output().slice(-3_000)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`generator pid ${child.pid}: no "${type}" within ${timeoutMs / 1000} s`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, Math.min(left, 250));
      });
      wake = null;
    }
  };
  send({
    type: "config",
    config: { server, framing, rooms, clientsPerRoom: options.clients, rate: options.rate, awareness: options.awareness, connectTimeoutMs: 30_000 },
  });
  return { child, rooms: rooms.length, send, next };
}

// ---------------------------------------------------------------------------------------------
// One server end to end.

interface Measured {
  server: ServerSpec;
  ok: true;
  sent: number;
  delivered: number;
  p50: number;
  p99: number;
  max: number;
  serverCpu: number | null;
  /** CPU of the database server's processes working for it over the window (Postgres backends), or null when it has none. */
  databaseCpu: number | null;
  windowSeconds: number;
  cpuPerUpdateUs: number | null;
  rssIdleMb: number | null;
  rssPeakMb: number | null;
  generatorCpu: number | null;
  /** Busy CPU of the rest of the machine over the window (this process, other programs). */
  otherCpu: number | null;
  timerLateP99: number;
  timerLateMax: number;
  drainMs: number;
  textMismatches: number;
  unexpectedCloses: Record<string, number>;
  connectMs: number;
  errors: string[];
}
interface Failed {
  server: ServerSpec;
  ok: false;
  reason: string;
}

async function measureServer(spec: ServerSpec, options: Options): Promise<Measured> {
  const tag = `${spec.key}:`;
  const server = await spec.start();
  const pid = server.child.pid;
  console.log(`${tag} server pid ${pid} on ${HOST}:${server.port}`);

  // RSS is sampled from the moment clients start connecting: VmHWM would also hold start-up peaks
  // (Dictate's embedded database is briefly far larger while it initialises).
  let sampledPeak = 0;
  let sampling = false;
  const sample = () => {
    if (!sampling) return;
    const rss = procStatusMb(pid, "VmRSS");
    if (rss !== null && rss > sampledPeak) sampledPeak = rss;
  };
  const sampler = setInterval(sample, 250);
  const stopSampler = withCleanup(() => clearInterval(sampler));

  const generators: Generator[] = [];
  try {
    const rooms = await spec.openRooms(server, options.rooms);
    const probe = await probeUpgrade(rooms[0]!.url);
    if (probe.status !== 101) throw new Error(`notes socket not available (HTTP ${probe.status} on upgrade: ${probe.line})`);
    await Bun.sleep(300);
    const rssIdleMb = procStatusMb(pid, "VmRSS");

    sampling = true;
    sample();
    // Whole rooms per generator process, dealt round-robin.
    for (let w = 0; w < options.workers; w++) {
      const mine = rooms.filter((_, i) => i % options.workers === w);
      generators.push(startGenerator(spec.key, spec.framing, mine, options));
    }
    const readies = await Promise.all(generators.map((g) => g.next("ready", 120_000)));
    const connectMs = Math.max(...readies.map((r) => (r.type === "ready" ? r.connectMs : 0)));
    console.log(`${tag} ${options.rooms * options.clients} clients connected and synced in ${(connectMs / 1000).toFixed(1)} s`);

    const warmupMs = options.warmup * 1000;
    const runMs = options.seconds * 1000;
    const drainMs = options.drain * 1000;
    const startAtEpochMs = performance.timeOrigin + performance.now() + 500;
    for (const g of generators) g.send({ type: "start", startAtEpochMs, warmupMs, runMs, drainMs });

    // CPU readings at the start of the measured window, and once every generator reports.
    const measureAt = startAtEpochMs + warmupMs - performance.timeOrigin;
    await Bun.sleep(Math.max(0, measureAt - performance.now()));
    const cpu0 = procCpuSeconds(pid);
    const dbCpu0 = new Map<number, number>();
    for (const p of (await server.databasePids?.()) ?? []) dbCpu0.set(p, procCpuSeconds(p) ?? 0);
    const machine0 = machineBusySeconds();
    const genCpu0 = generators.map((g) => procCpuSeconds(g.child.pid));
    const t0 = performance.now();
    console.log(`${tag} measuring ${options.seconds} s (after ${options.warmup} s of warm-up)…`);

    const results: GeneratorResult[] = [];
    await Promise.all(
      generators.map(async (g) => {
        const message = await g.next("result", runMs + drainMs + 30_000);
        if (message.type === "result") results.push(message.result);
      }),
    );
    const cpu1 = procCpuSeconds(pid);
    let databaseCpu: number | null = null;
    if (server.databasePids) {
      // A backend that connected during the window counts from its start (it did all its work then).
      databaseCpu = 0;
      for (const p of await server.databasePids()) databaseCpu += (procCpuSeconds(p) ?? 0) - (dbCpu0.get(p) ?? 0);
    }
    const machine1 = machineBusySeconds();
    const genCpu1 = generators.map((g) => procCpuSeconds(g.child.pid));
    const windowSeconds = (performance.now() - t0) / 1000;
    sample();
    const rssHwm = procStatusMb(pid, "VmHWM");
    const descendants = childPids(pid);
    if (descendants.length > 0) console.warn(`${tag} note: the server has child processes (${descendants.join(", ")}); their CPU and RSS are not counted`);

    const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const sent = results.reduce((s, r) => s + r.sentMeasured, 0);
    const delivered = results.reduce((s, r) => s + r.deliveredMeasured, 0);
    const serverCpu = cpu0 !== null && cpu1 !== null ? cpu1 - cpu0 : null;
    let generatorCpu: number | null = 0;
    for (const [i, c0] of genCpu0.entries()) {
      const c1 = genCpu1[i];
      generatorCpu = generatorCpu === null || c0 === null || c1 === null || c1 === undefined ? null : generatorCpu + (c1 - c0);
    }
    const otherCpu =
      machine0 !== null && machine1 !== null && serverCpu !== null && generatorCpu !== null
        ? Math.max(0, machine1 - machine0 - serverCpu - generatorCpu - (databaseCpu ?? 0))
        : null;
    const unexpectedCloses: Record<string, number> = {};
    for (const r of results) for (const [code, n] of Object.entries(r.unexpectedCloses)) unexpectedCloses[code] = (unexpectedCloses[code] ?? 0) + n;
    const lateP99 = Math.max(...results.map((r) => r.timerLateP99).filter(Number.isFinite));
    const measured: Measured = {
      server: spec,
      ok: true,
      sent,
      delivered,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      max: latencies.length ? latencies[latencies.length - 1]! : NaN,
      serverCpu,
      databaseCpu,
      windowSeconds,
      // The server's CPU and its database's together: a database in another process still costs.
      cpuPerUpdateUs: serverCpu !== null && sent > 0 ? ((serverCpu + (databaseCpu ?? 0)) / sent) * 1e6 : null,
      rssIdleMb,
      rssPeakMb: sampledPeak || null,
      generatorCpu,
      otherCpu,
      timerLateP99: lateP99,
      timerLateMax: Math.max(...results.map((r) => r.timerLateMax).filter(Number.isFinite)),
      drainMs: Math.max(...results.map((r) => r.drainMs)),
      textMismatches: results.reduce((s, r) => s + r.textMismatches, 0),
      unexpectedCloses,
      connectMs,
      errors: results.flatMap((r) => r.errors).slice(0, 10),
    };
    console.log(
      `${tag} ${sent} edits, ${delivered} delivered to every other client, p50 ${fmt(measured.p50)} ms, p99 ${fmt(measured.p99)} ms, max ${fmt(measured.max)} ms; ` +
        `server CPU ${fmt(serverCpu)} s${databaseCpu !== null ? ` + database ${fmt(databaseCpu)} s` : ""} over ${windowSeconds.toFixed(1)} s (${fmt(measured.cpuPerUpdateUs, 1)} µs/update), ` +
        `RSS idle ${fmt(rssIdleMb, 0)} MB → peak ${fmt(measured.rssPeakMb, 0)} MB (VmHWM since start-up ${fmt(rssHwm, 0)} MB); ` +
        `generators ${fmt(generatorCpu)} CPU s, timer late p99 ${fmt(lateP99)} ms; rest of the machine ${fmt(otherCpu)} CPU s`,
    );
    if (otherCpu !== null && otherCpu > 0.1 * windowSeconds) {
      console.warn(`${tag} WARNING: other processes used ${otherCpu.toFixed(1)} CPU s during the window: the machine was not quiet, so these figures are disturbed`);
    }
    if (sent !== delivered) console.warn(`${tag} WARNING: ${sent - delivered} edits were not seen by every other client within the ${options.drain} s drain`);
    if (measured.textMismatches > 0) console.warn(`${tag} WARNING: ${measured.textMismatches} clients ended with a text that does not hold exactly their room's markers`);
    if (Object.keys(unexpectedCloses).length > 0) console.warn(`${tag} WARNING: sockets closed during the run: ${JSON.stringify(unexpectedCloses)}`);
    if (measured.errors.length > 0) console.warn(`${tag} WARNING: generator errors:\n    ${measured.errors.join("\n    ")}`);

    // Close the clients, then the generators and the server.
    for (const g of generators) {
      try {
        g.send({ type: "close" });
      } catch {}
    }
    await Promise.race([Promise.all(generators.map((g) => g.child.proc.exited)), Bun.sleep(5_000)]);
    return measured;
  } finally {
    for (const g of generators) await g.child.stop();
    await stopSampler();
    await server.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Report.

function fmt(n: number | null | undefined, digits = 2): string {
  return n === null || n === undefined || !Number.isFinite(n) ? "–" : n.toFixed(digits);
}

function report(results: (Measured | Failed)[], options: Options) {
  const edits = options.rooms * options.clients * options.rate * options.seconds;
  console.log(
    `\n## Live notes: ${options.rooms} rooms × ${options.clients} clients, ${options.rate} edits/s each, ${options.seconds} s measured ` +
      `(after ${options.warmup} s warm-up; ≈${Math.round(edits)} edits), ${options.workers} generator processes, ${cpus().length} cores\n`,
  );
  console.log(
    "| Server | Edits sent | Delivered to all | Undelivered | p50 ms | p99 ms | max ms | Server CPU s | Database CPU s | CPU/update µs | Peak RSS MB (idle) | Generator CPU s | Gen. timer late p99 ms | Other CPU s |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of results) {
    if (!r.ok) {
      console.log(`| ${r.server.label} | failed: ${r.reason.split("\n")[0]!.replace(/\|/g, "/")} | | | | | | | | | | | | |`);
      continue;
    }
    console.log(
      `| ${r.server.label} | ${r.sent} | ${r.delivered} | ${r.sent - r.delivered} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.max)} | ${fmt(r.serverCpu)} | ${r.databaseCpu === null ? "–" : fmt(r.databaseCpu)} | ` +
        `${fmt(r.cpuPerUpdateUs, 1)}${r.sent === r.delivered ? "" : " *"} | ${fmt(r.rssPeakMb, 0)} (${fmt(r.rssIdleMb, 0)}) | ${fmt(r.generatorCpu)} | ${fmt(r.timerLateP99)} | ${fmt(r.otherCpu)} |`,
    );
  }
  if (results.some((r) => r.ok && r.sent !== r.delivered)) {
    console.log(
      "\n\* Not every edit was delivered within the drain: the server fell behind (or dropped updates). Its latency percentiles cover only " +
        "the delivered edits and its CPU/update is a lower bound (the backlog it never processed is not in it).",
    );
  }
  console.log(
    "\nLatency: an edit at one client until the last other client in its room has it. Server CPU: the server process's user+system time " +
      "from the start of the measured window until every edit was delivered; Database CPU: the same for the Postgres backends serving it (WAL writer and checkpointer, shared with the machine, not counted); CPU/update = (server + database) ÷ edits sent. Peak RSS: the server process's VmRSS, sampled every 250 ms " +
      "from the first client connection to the end of the run (idle: with the rooms open, before any client connected). Generator: the load processes' CPU over the window and how late their edit " +
      "timers fired (high values mean the generators, not the server, were the bottleneck). Other CPU: the rest of the machine over the window " +
      "(should be near 0).",
  );

  // The aims of issue 13, in one run: Dictate on Postgres p99 ≤ Hocuspocus's and p50 ≤ 5 ms; embedded
  // p99 ≤ 1.5× Hocuspocus's; CPU per update (server plus database) ≤ Hocuspocus's, for both.
  const hocuspocus = results.find((r) => r.server.key === "hocuspocus");
  const aims: [key: ServerKey, p99Ratio: number, p50Max: number | null][] = [
    ["dictate-pg", 1, 5],
    ["dictate", 1.5, null],
  ];
  for (const [key, p99Ratio, p50Max] of aims) {
    const dictate = results.find((r) => r.server.key === key);
    if (!dictate) continue;
    const label = key === "dictate" ? "embedded" : "on Postgres";
    if (!hocuspocus || !hocuspocus.ok || !dictate.ok) {
      console.log(`\nAim (Dictate ${label}): not evaluated; it needs Hocuspocus and Dictate in the same run, both completed.`);
      continue;
    }
    const p99Limit = hocuspocus.p99 * p99Ratio;
    const p99Met = dictate.p99 <= p99Limit;
    const p50Met = p50Max === null || dictate.p50 <= p50Max;
    const cpuMet = dictate.cpuPerUpdateUs !== null && hocuspocus.cpuPerUpdateUs !== null && dictate.cpuPerUpdateUs <= hocuspocus.cpuPerUpdateUs;
    const complete = dictate.sent === dictate.delivered;
    console.log(
      `\nAim (Dictate ${label}): p99 ${fmt(dictate.p99)} ms vs Hocuspocus ${fmt(hocuspocus.p99)} ms (limit ${fmt(p99Limit)} ms): ${p99Met ? "met" : "NOT met"}` +
        (p50Max === null ? "" : `; p50 ${fmt(dictate.p50)} ms (limit ${p50Max} ms): ${p50Met ? "met" : "NOT met"}`) +
        `; CPU/update (server + database) ${fmt(dictate.cpuPerUpdateUs, 1)} µs vs ${fmt(hocuspocus.cpuPerUpdateUs, 1)} µs: ${cpuMet ? "met" : "NOT met"}` +
        `${complete ? "" : ` (but ${dictate.sent - dictate.delivered} edits were never delivered, so the aim does not hold)`}. ` +
        `Overall: ${p99Met && p50Met && cpuMet && complete ? "MET" : "NOT MET"}.`,
    );
  }
}

// ---------------------------------------------------------------------------------------------

/** Waits (bounded) until the machine's busy CPU, over 2 s, is under a quarter of a core. */
async function waitForQuiet(tag: string, maxSeconds: number) {
  if (maxSeconds <= 0) return;
  const deadline = Date.now() + maxSeconds * 1000;
  let said = false;
  for (;;) {
    const b0 = machineBusySeconds();
    await Bun.sleep(2_000);
    const b1 = machineBusySeconds();
    if (b0 === null || b1 === null) return;
    const cores = (b1 - b0) / 2;
    if (cores < 0.25) {
      if (said) console.log(`${tag} the machine is quiet now (${cores.toFixed(2)} cores busy)`);
      return;
    }
    if (Date.now() > deadline) {
      console.warn(`${tag} WARNING: the machine is still busy (${cores.toFixed(2)} cores) after ${maxSeconds} s; going ahead`);
      return;
    }
    if (!said) console.log(`${tag} waiting up to ${maxSeconds} s for the machine to quiet down (${cores.toFixed(2)} cores busy by other processes)…`);
    said = true;
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.profile) {
    mkdirSync(options.profile, { recursive: true });
    profileDir = options.profile;
  }
  console.log(
    `notes-sync: ${options.rooms} rooms × ${options.clients} clients, ${options.rate} edits/s, ${options.warmup} s warm-up + ${options.seconds} s; ` +
      `servers: ${options.only.join(", ")}; ${options.workers} generator processes`,
  );
  const results: (Measured | Failed)[] = [];
  for (const key of options.only) {
    const spec = SERVERS[key];
    await waitForQuiet(`${key}:`, options.quietWait);
    if (interrupted) return;
    try {
      results.push(await measureServer(spec, options));
    } catch (err) {
      const reason = (err as Error).message;
      console.error(`${key}: ${reason}`);
      results.push({ server: spec, ok: false, reason });
    }
    if (interrupted) return;
  }
  report(results, options);
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
}

try {
  await main();
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 1;
} finally {
  await runCleanups();
}
