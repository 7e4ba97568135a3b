/**
 * The single binary against its peer, the source run (`bun src/main.ts`, as `npm start` runs it):
 * binary size, time from spawn to the first 200 on /healthz, and resident memory once idle — on the
 * embedded defaults (PGlite, embedded Janus) and on Postgres + Redis (a fresh database, a key
 * prefix of its own; Janus still embedded). Runs alternate between binary and source so that a busy
 * machine slows both alike; figures are medians.
 *
 *   node_modules/.bin/bun bench/binary.ts [runs=5]
 *
 * "first start" is a fresh data folder or database (PGlite's initdb, the migrations); "restart" is
 * the same folder again, which is what a server does on every deploy or reboot.
 */
import { chmodSync, copyFileSync, mkdtempSync, realpathSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { createPostgresDatabase, dropPostgresDatabases } from "../tests/helpers/db.ts";
import { buildBinary, isRunning, janusChildren, ROOT, rssBytes } from "../tests/integration/deploy/process.ts";

const RUNS = Number(process.argv[2] ?? 5);
/** How long a started server is left alone before its memory is read. */
const IDLE_MS = 5_000;
const POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const BUN = realpathSync(join(ROOT, "node_modules/.bin/bun"));

type Runner = "binary" | "source";
type Backend = "embedded" | "postgres+redis";
interface Sample {
  startMs: number;
  rssMb: number;
  janusRssMb: number | null;
}

const temps: string[] = [];
const tempDir = (label: string) => {
  const dir = mkdtempSync(join(tmpdir(), `dictate-bench-${label}-`));
  temps.push(dir);
  return dir;
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const mb = (bytes: number) => bytes / 1024 / 1024;

/** Spawns one server, times it to its first 200 on /healthz, lets it idle, reads its memory, stops it. */
async function measure(runner: Runner, binary: string, cwd: string, env: Record<string, string>): Promise<Sample> {
  const port = await freePort();
  const command = runner === "binary" ? [binary] : [BUN, join(ROOT, "src/main.ts")];
  const started = performance.now();
  const proc = Bun.spawn(command, {
    cwd,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      // `npm start` runs the source in production: the client is bundled (minified) at start.
      NODE_ENV: "production",
      ...env,
    },
    stdout: "ignore",
    stderr: "pipe",
    stdin: "ignore",
  });
  const stderr = new Response(proc.stderr).text();
  let startMs = 0;
  const deadline = Date.now() + 120_000;
  while (!startMs) {
    if (proc.exitCode !== null) throw new Error(`${runner} exited with ${proc.exitCode}: ${await stderr}`);
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`${runner} did not answer /healthz in 120 s`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.status === 200) startMs = performance.now() - started;
      else await Bun.sleep(5);
    } catch {
      await Bun.sleep(5);
    }
  }
  await Bun.sleep(IDLE_MS);
  const janus = janusChildren(proc.pid);
  const sample: Sample = {
    startMs,
    rssMb: mb(rssBytes(proc.pid)),
    janusRssMb: janus.length ? mb(janus.reduce((sum, pid) => sum + rssBytes(pid), 0)) : null,
  };
  proc.kill("SIGTERM");
  const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
  await proc.exited;
  clearTimeout(timer);
  for (const pid of janus) {
    const until = Date.now() + 10_000;
    while (isRunning(pid) && Date.now() < until) await Bun.sleep(50);
  }
  return sample;
}

async function main() {
  const hasJanus = Bun.which("janus") !== null;
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}; Bun ${Bun.version}, ${availableParallelism()} cores, ${RUNS} restarts per case, idle ${IDLE_MS / 1000} s before reading memory; Janus ${hasJanus ? "embedded" : "not installed (media offline)"}`);

  const buildDir = tempDir("build");
  const binary = join(buildDir, "dictate");
  const { ms: buildMs } = await buildBinary(binary);
  const size = statSync(binary).size;
  const bunSize = statSync(BUN).size;
  console.log(`build ${(buildMs / 1000).toFixed(1)} s; binary ${mb(size).toFixed(1)} MB (the Bun runtime alone: ${mb(bunSize).toFixed(1)} MB)`);

  const stamp = `${Date.now()}_${process.pid}`;
  const databases: string[] = [];
  const prefixes: string[] = [];
  const results: { runner: Runner; backend: Backend; first: Sample; restarts: Sample[] }[] = [];
  try {
    for (const backend of ["embedded", "postgres+redis"] as Backend[]) {
      const setups: Record<Runner, { cwd: string; env: Record<string, string>; first?: Sample; restarts: Sample[] }> = {
        binary: { cwd: "", env: {}, restarts: [] },
        source: { cwd: "", env: {}, restarts: [] },
      };
      for (const runner of ["binary", "source"] as Runner[]) {
        const cwd = tempDir(`${runner}-${backend === "embedded" ? "embedded" : "pg"}`);
        const env: Record<string, string> = {};
        if (backend === "postgres+redis") {
          const name = `dictate_bench_${runner}_${stamp}`;
          databases.push(name);
          env.DATABASE_URL = await createPostgresDatabase(name, POSTGRES_ADMIN_URL);
          env.REDIS_URL = REDIS_URL;
          env.CLUSTER_SECRET = `bench-cluster-secret-${stamp}`;
          env.REDIS_PREFIX = `dictate-bench:${stamp}:${runner}:`;
          prefixes.push(env.REDIS_PREFIX);
        }
        setups[runner] = { cwd, env, restarts: [] };
      }
      // The binary runs from a folder holding only itself; the source from its own empty folder.
      for (const runner of ["binary", "source"] as Runner[]) {
        const s = setups[runner];
        const bin = join(s.cwd, "dictate");
        if (runner === "binary") {
          copyFileSync(binary, bin);
          chmodSync(bin, 0o755);
        }
        s.first = await measure(runner, bin, s.cwd, s.env);
        console.log(`${backend} ${runner} first start: ${s.first.startMs.toFixed(0)} ms, ${s.first.rssMb.toFixed(0)} MB`);
      }
      for (let i = 0; i < RUNS; i++) {
        for (const runner of (i % 2 ? ["source", "binary"] : ["binary", "source"]) as Runner[]) {
          const s = setups[runner];
          const sample = await measure(runner, join(s.cwd, "dictate"), s.cwd, s.env);
          s.restarts.push(sample);
          console.log(`${backend} ${runner} restart ${i + 1}: ${sample.startMs.toFixed(0)} ms, ${sample.rssMb.toFixed(0)} MB${sample.janusRssMb !== null ? ` (+ Janus ${sample.janusRssMb.toFixed(0)} MB)` : ""}`);
        }
      }
      for (const runner of ["binary", "source"] as Runner[]) results.push({ runner, backend, first: setups[runner].first!, restarts: setups[runner].restarts });
    }
  } finally {
    await dropPostgresDatabases(databases, POSTGRES_ADMIN_URL);
    if (prefixes.length) {
      const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
      for (const prefix of prefixes) {
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length) await redis.del(...keys);
      }
      await redis.quit();
    }
    for (const dir of temps) rmSync(dir, { recursive: true, force: true });
  }

  console.log("");
  console.log(`load average at the end ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  console.log(`binary: ${mb(size).toFixed(1)} MB (Bun runtime ${mb(bunSize).toFixed(1)} MB + the app, client, PGlite and migrations ${mb(size - bunSize).toFixed(1)} MB); build ${(buildMs / 1000).toFixed(1)} s`);
  console.log("");
  console.log("| run | backend | first start → /healthz 200 | restart → /healthz 200 (median) | idle RSS after restart (median) | embedded Janus RSS |");
  console.log("|---|---|---|---|---|---|");
  for (const r of results) {
    const janus = r.restarts.map((s) => s.janusRssMb).filter((v): v is number => v !== null);
    console.log(
      `| ${r.runner === "binary" ? "binary (`dist/dictate`)" : "source (`bun src/main.ts`)"} | ${r.backend === "embedded" ? "embedded (PGlite)" : "Postgres + Redis"} | ${r.first.startMs.toFixed(0)} ms | ${median(r.restarts.map((s) => s.startMs)).toFixed(0)} ms | ${median(r.restarts.map((s) => s.rssMb)).toFixed(0)} MB | ${janus.length ? `${median(janus).toFixed(0)} MB` : "—"} |`,
    );
  }
}

await main();
