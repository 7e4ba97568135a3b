/**
 * HTTP benchmark: the real server (`bun src/main.ts`) as a child process, once on embedded PGlite
 * and once on Postgres, driven over loopback by 50 concurrent keep-alive clients in this process.
 *
 * Scenarios: the calendar (`GET /api/meetings`, default range, 200 visible meetings) and a correct
 * login (`POST /api/auth/login`, argon2id: CPU-bound), plus the calendar with one client at a time
 * (the server's own time per request, without queueing). Prints req/s, p50 and p99 per
 * (backend, scenario), then a Markdown table and whether the aim (calendar p99 under 10 ms on
 * Postgres, 50 clients) holds.
 *
 *   node_modules/.bin/bun bench/http.ts
 *
 * The load generator shares the machine with the server, so the server's and the generator's CPU
 * are printed beside the figures: on a 2-core box they compete for the same cores.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import postgres from "postgres";
import { LOAD_GENERATOR_ENV } from "./load-env.ts";

const ROOT = resolve(import.meta.dir, "..");
const BUN = resolve(ROOT, "node_modules/.bin/bun");
const HOST = "127.0.0.1";
const POSTGRES_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";

const USERS = 5;
const MEETINGS = 200;
const CLIENTS = 50;
const AIM_P99_MS = 10;

interface Scenario {
  name: string;
  warmup: number;
  requests: number;
  /** Wall-clock cap on the measured phase; the run stops early (and says so) past it. */
  capMs: number;
}
const CALENDAR: Scenario = { name: "GET /api/meetings (calendar, 200)", warmup: 200, requests: 4000, capMs: 60_000 };
/** Not part of the aim: one client at a time shows the server's own time per request, without queueing. */
const CALENDAR_ONE: Scenario = { name: "GET /api/meetings (calendar, 200)", warmup: 50, requests: 500, capMs: 30_000 };
const LOGIN: Scenario = { name: "POST /api/auth/login (argon2id)", warmup: 20, requests: 300, capMs: 90_000 };

type Backend = "PGlite" | "Postgres";

interface Result {
  backend: Backend;
  scenario: string;
  clients: number;
  requests: number;
  planned: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  errorSamples: string[];
  timedOut: boolean;
  /** Cores' worth of CPU the server and this process used during the measured phase. */
  serverCpu: number | null;
  generatorCpu: number;
}

// ---------------------------------------------------------------------------------------------
// Cleanup that runs whatever happens: the child is killed by its pid, temp dirs are removed, the
// bench database is dropped. Ctrl-C runs it too.

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
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${signal}: cleaning up`);
    void runCleanups().finally(() => process.exit(130));
  });
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
  pid: number;
  output: () => string;
  stop: () => Promise<void>;
}

async function startServer(env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const base = `http://${HOST}:${port}`;
  // A clean environment: a DATABASE_URL or REDIS_URL in the caller's shell must not leak in.
  const child = Bun.spawn([BUN, "src/main.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", PORT: String(port), HOST, LOG_LEVEL: "warn", ...LOAD_GENERATOR_ENV, ...env },
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

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      return;
    }
    const t0 = performance.now();
    const exited = await Promise.race([child.exited.then(() => true), Bun.sleep(5_000).then(() => false)]);
    if (!exited) {
      console.warn(`  WARNING: the server (pid ${pid}) did not exit within 5 s of SIGTERM; sending SIGKILL`);
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
  return { base, pid, output: () => log, stop };
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

// ---------------------------------------------------------------------------------------------
// A tiny JSON client.

interface ApiReply {
  status: number;
  body: any;
  setCookie: string | null;
}

function client(base: string) {
  return async function api(method: string, path: string, options: { cookie?: string; body?: unknown } = {}): Promise<ApiReply> {
    const headers: Record<string, string> = {};
    if (options.cookie) headers.cookie = options.cookie;
    if (method !== "GET" && method !== "HEAD") headers.origin = base;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await res.text();
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {}
    return { status: res.status, body, setCookie: res.headers.get("set-cookie") };
  };
}

function expectStatus(reply: ApiReply, status: number, what: string) {
  if (reply.status !== status) {
    throw new Error(`${what}: expected ${status}, got ${reply.status}: ${JSON.stringify(reply.body).slice(0, 300)}`);
  }
}

function sessionFrom(reply: ApiReply): string {
  const match = reply.setCookie?.match(/dictate_session=([^;]+)/);
  if (!match) throw new Error(`no dictate_session cookie in set-cookie: ${reply.setCookie}`);
  return `dictate_session=${match[1]}`;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function inParallel<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Seeding, over HTTP only.

interface Seeded {
  email: string;
  password: string;
  cookie: string;
}

async function seed(base: string): Promise<Seeded> {
  const api = client(base);
  const stamp = Date.now().toString(36);
  const users: { email: string; password: string; cookie: string }[] = [];
  for (let i = 1; i <= USERS; i++) {
    const email = `bench${i}-${stamp}@example.com`;
    const password = `bench-password-${i}-${stamp}`;
    const reply = await api("POST", "/api/auth/signup", { body: { email, username: `bench${i}_${stamp}`, password } });
    expectStatus(reply, 201, `signup user ${i}`);
    users.push({ email, password, cookie: sessionFrom(reply) });
  }
  const teams: { id: string; code: string; owner: number }[] = [];
  for (const [i, user] of users.entries()) {
    const reply = await api("POST", "/api/teams", { cookie: user.cookie, body: { name: `Bench team ${i + 1}` } });
    expectStatus(reply, 201, `create team ${i + 1}`);
    teams.push({ id: reply.body.team.id, code: reply.body.team.code, owner: i });
  }
  for (const team of teams.slice(1)) {
    const reply = await api("POST", "/api/teams/join", { cookie: users[0]!.cookie, body: { code: team.code } });
    expectStatus(reply, 200, `user 1 joins team ${team.owner + 1}`);
  }

  // Every meeting wholly inside the current UTC month, which is the calendar's default range.
  const now = new Date();
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const monthEnd = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  const duration = 30 * 60_000;
  const step = (monthEnd - monthStart - duration - 60_000) / MEETINGS;
  const meetings = Array.from({ length: MEETINGS }, (_, i) => {
    const team = teams[i % teams.length]!;
    const startsAt = Math.floor((monthStart + i * step) / 60_000) * 60_000;
    return { team, startsAt, endsAt: startsAt + duration, i };
  });
  await inParallel(meetings, 10, async (m) => {
    const reply = await api("POST", "/api/meetings", {
      cookie: users[m.team.owner]!.cookie,
      body: {
        teamId: m.team.id,
        title: `Bench meeting ${m.i + 1}`,
        agenda: `- item one\n- item two for meeting ${m.i + 1}`,
        startsAt: new Date(m.startsAt).toISOString(),
        endsAt: new Date(m.endsAt).toISOString(),
      },
    });
    expectStatus(reply, 201, `create meeting ${m.i + 1}`);
  });
  return users[0]!;
}

// ---------------------------------------------------------------------------------------------
// The load loop: CLIENTS async workers share one bounded request counter and one deadline.

type Send = () => Promise<Response>;

async function load(send: Send, total: number, capMs: number, clients: number) {
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  let issued = 0;
  const started = performance.now();
  const deadline = started + capMs;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (issued < total && performance.now() < deadline) {
        issued++;
        const t0 = performance.now();
        try {
          const res = await send();
          // Read the whole body: the request is done when the client has it, and the connection
          // can only go back to the keep-alive pool once it is consumed.
          const body = await res.arrayBuffer();
          if (res.status < 200 || res.status > 299) {
            errors++;
            if (errorSamples.length < 5) errorSamples.push(`${res.status} ${new TextDecoder().decode(body).slice(0, 200)}`);
          }
        } catch (err) {
          errors++;
          if (errorSamples.length < 5) errorSamples.push(`network: ${(err as Error).message}`);
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { latencies, errors, errorSamples, seconds, timedOut: issued < total };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

async function measure(backend: Backend, server: Server, scenario: Scenario, send: Send, clients = CLIENTS): Promise<Result> {
  await load(send, scenario.warmup, scenario.capMs, clients);
  const serverCpu0 = procCpuSeconds(server.pid);
  const ownCpu0 = process.cpuUsage();
  const run = await load(send, scenario.requests, scenario.capMs, clients);
  const serverCpu1 = procCpuSeconds(server.pid);
  const ownCpu = process.cpuUsage(ownCpu0);
  const sorted = run.latencies.sort((a, b) => a - b);
  const result: Result = {
    backend,
    scenario: scenario.name,
    clients,
    requests: sorted.length,
    planned: scenario.requests,
    seconds: run.seconds,
    rps: sorted.length / run.seconds,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    errors: run.errors,
    errorSamples: run.errorSamples,
    timedOut: run.timedOut,
    serverCpu: serverCpu0 !== null && serverCpu1 !== null ? (serverCpu1 - serverCpu0) / run.seconds : null,
    generatorCpu: (ownCpu.user + ownCpu.system) / 1e6 / run.seconds,
  };
  console.log(
    `  ${scenario.name}, ${clients} client${clients === 1 ? "" : "s"}: ${result.requests} req in ${result.seconds.toFixed(1)} s, ${result.rps.toFixed(0)} req/s, ` +
      `p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, errors ${result.errors}` +
      ` (server CPU ${result.serverCpu?.toFixed(2) ?? "?"} cores, generator ${result.generatorCpu.toFixed(2)})`,
  );
  if (result.errors > 0) {
    console.warn(`  WARNING: ${result.errors} errors, so these figures are not valid. First ones:\n    ${result.errorSamples.join("\n    ")}`);
  }
  if (result.timedOut) console.warn(`  WARNING: stopped by the ${scenario.capMs / 1000} s cap after ${result.requests} of ${scenario.requests} requests`);
  return result;
}

// ---------------------------------------------------------------------------------------------
// One backend end to end.

async function createBenchDatabase(): Promise<string> {
  const name = `dictate_bench_${Date.now()}_${process.pid}`;
  const admin = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  cleanups.push(async () => {
    const dropper = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
    try {
      await dropper.unsafe(`drop database if exists ${name} with (force)`);
    } finally {
      await dropper.end();
    }
  });
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function benchBackend(backend: Backend): Promise<Result[]> {
  const mark = cleanups.length;
  try {
    const dataDir = mkdtempSync(join(tmpdir(), "dictate-bench-"));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const env: Record<string, string> = { DATA_DIR: dataDir };
    if (backend === "Postgres") env.DATABASE_URL = await createBenchDatabase();

    const t0 = performance.now();
    const server = await startServer(env);
    console.log(`\n## ${backend}: server pid ${server.pid} at ${server.base}, healthy after ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const t1 = performance.now();
    const user = await seed(server.base);
    console.log(`  seeded ${USERS} users, ${USERS} teams, ${MEETINGS} meetings in ${((performance.now() - t1) / 1000).toFixed(1)} s`);

    // The calendar must really carry every meeting, or the figures measure something else.
    const first = await client(server.base)("GET", "/api/meetings", { cookie: user.cookie });
    expectStatus(first, 200, "GET /api/meetings");
    const seen = first.body?.meetings?.length;
    if (seen !== MEETINGS) throw new Error(`GET /api/meetings returned ${seen} meetings, expected ${MEETINGS}`);
    console.log(`  GET /api/meetings as user 1: ${seen} meetings, ${JSON.stringify(first.body).length} bytes`);

    const calendarUrl = `${server.base}/api/meetings`;
    const calendarInit: RequestInit = { headers: { cookie: user.cookie } };
    const loginUrl = `${server.base}/api/auth/login`;
    const loginInit: RequestInit = {
      method: "POST",
      headers: { origin: server.base, "content-type": "application/json" },
      body: JSON.stringify({ email: user.email, password: user.password }),
    };
    const results = [
      await measure(backend, server, CALENDAR, () => fetch(calendarUrl, calendarInit)),
      await measure(backend, server, CALENDAR_ONE, () => fetch(calendarUrl, calendarInit), 1),
      await measure(backend, server, LOGIN, () => fetch(loginUrl, loginInit)),
    ];
    const said = server.output().trim();
    if (said) console.log(`  the server logged (warn and above):\n${said.split("\n").slice(-20).map((l) => `    ${l}`).join("\n")}`);
    return results;
  } finally {
    // This backend's cleanups only, newest first: server, then database, then the temp dir.
    const mine = cleanups.splice(mark);
    for (const fn of mine.reverse()) {
      try {
        await fn();
      } catch (err) {
        console.error(`cleanup failed: ${(err as Error).message}`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------

const cores = availableParallelism();
console.log(`# Dictate HTTP bench`);
console.log(`cores: ${cores} (${cpus()[0]?.model ?? "unknown CPU"}), bun ${Bun.version}, ${CLIENTS} concurrent keep-alive clients over loopback`);

const results: Result[] = [];
const failures: string[] = [];
for (const backend of ["PGlite", "Postgres"] as const) {
  if (interrupted) break;
  try {
    results.push(...(await benchBackend(backend)));
  } catch (err) {
    failures.push(`${backend}: ${(err as Error).message}`);
    console.error(`\n${backend} FAILED: ${(err as Error).message}`);
  }
}
await runCleanups();

const fmt = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : "–");
console.log(`\n## Results (cores: ${cores})\n`);
console.log(`| backend | scenario | clients | requests | req/s | p50 ms | p99 ms | errors |`);
console.log(`|---|---|---|---|---|---|---|---|`);
for (const r of results) {
  console.log(`| ${r.backend} | ${r.scenario} | ${r.clients} | ${r.requests} | ${fmt(r.rps, 0)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${r.errors} |`);
}
console.log();
for (const r of results) {
  console.log(
    `- ${r.backend}, ${r.scenario}, ${r.clients} client${r.clients === 1 ? "" : "s"}: ${r.seconds.toFixed(1)} s; server CPU ${r.serverCpu === null ? "?" : r.serverCpu.toFixed(2)} cores, ` +
      `load generator ${r.generatorCpu.toFixed(2)} cores (same machine)${r.timedOut ? `; CAPPED at ${r.requests}/${r.planned}` : ""}`,
  );
}
for (const r of results.filter((x) => x.errors > 0)) console.log(`- WARNING: ${r.backend}, ${r.scenario} had ${r.errors} errors: its figures are not valid`);

const calendarPg = results.find((r) => r.backend === "Postgres" && r.scenario === CALENDAR.name && r.clients === CLIENTS);
let verdict: string;
if (!calendarPg) verdict = "NOT MEASURED";
else if (calendarPg.errors > 0 || calendarPg.timedOut) verdict = `NOT VALID (errors ${calendarPg.errors}${calendarPg.timedOut ? ", capped" : ""})`;
else verdict = calendarPg.p99 < AIM_P99_MS ? `MET (p99 ${calendarPg.p99.toFixed(2)} ms)` : `NOT MET (p99 ${calendarPg.p99.toFixed(2)} ms)`;
console.log(`\nAim: calendar p99 under ${AIM_P99_MS} ms on Postgres (${CLIENTS} clients, ${MEETINGS} meetings) — ${verdict}`);
// Closed loop: every client always has one request out, so mean latency = clients / throughput.
console.log(`(With ${CLIENTS} clients always waiting, a mean under ${AIM_P99_MS} ms needs at least ${Math.round((CLIENTS * 1000) / AIM_P99_MS)} req/s.)`);

if (failures.length > 0) {
  console.log(`\nFailures:\n${failures.map((f) => `- ${f.split("\n")[0]}`).join("\n")}`);
  process.exit(1);
}
process.exit(0);
