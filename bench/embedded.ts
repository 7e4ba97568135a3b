/**
 * The embedded default's footprint beside its named peer, Postgres, in one run: the server started
 * as `npm start` starts it (`bun src/main.ts`, NODE_ENV=production; or the single binary with
 * `binary`) in an empty folder with nothing configured, and the same with `DATABASE_URL` set to a
 * fresh Postgres database. Embedded Janus in both when `janus` is installed (its own process, its
 * memory shown apart).
 *
 *   node_modules/.bin/bun bench/embedded.ts [runs=3] [source|binary]
 *
 * Per run and backend: a first start on a fresh folder (and a fresh database: migrations), then a
 * restart on the same folder. For each: spawn → first 200 on /healthz; the server's peak RSS
 * (VmHWM, from /proc/<pid>/status, over the whole life of the process up to the idle reading); its
 * RSS once idle (IDLE_MS after the first 200). Runs alternate the backends so a busy machine slows
 * both alike; the table gives medians and ranges.
 */
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createPostgresDatabase, dropPostgresDatabases } from "../tests/helpers/db.ts";
import { buildBinary, isRunning, janusChildren, ROOT, rssBytes } from "../tests/integration/deploy/process.ts";

const RUNS = Number(process.argv[2] ?? 3);
const RUNNER = (process.argv[3] ?? "source") as "source" | "binary";
/** How long a started server is left alone before its memory is read. */
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 10_000);
const POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const BUN = realpathSync(join(ROOT, "node_modules/.bin/bun"));

type Backend = "embedded" | "postgres";
type Phase = "first start" | "restart";
interface Sample {
  startMs: number;
  peakMb: number;
  idleMb: number;
  janusMb: number | null;
}

const temps: string[] = [];
const tempDir = (label: string) => {
  const dir = mkdtempSync(join(tmpdir(), `dictate-bench-embedded-${label}-`));
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

const mb = (bytes: number) => bytes / 1024 / 1024;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Peak resident memory of a process so far (VmHWM), in bytes. */
function peakBytes(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) * 1024 : 0;
}

/** Starts the server in `cwd`, times it to its first /healthz 200, lets it idle, reads its memory, stops it. */
async function measure(command: string[], cwd: string, env: Record<string, string>): Promise<Sample> {
  const port = await freePort();
  const started = performance.now();
  const proc = Bun.spawn(command, {
    cwd,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
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
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}: ${await stderr}`);
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error("server did not answer /healthz in 120 s");
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.status === 200) startMs = performance.now() - started;
      else await Bun.sleep(2);
    } catch {
      await Bun.sleep(2);
    }
  }
  await Bun.sleep(IDLE_MS);
  const janus = janusChildren(proc.pid);
  const sample: Sample = {
    startMs,
    peakMb: mb(peakBytes(proc.pid)),
    idleMb: mb(rssBytes(proc.pid)),
    janusMb: janus.length ? mb(janus.reduce((sum, pid) => sum + rssBytes(pid), 0)) : null,
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
  console.log(
    `load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}; Bun ${Bun.version}, ${availableParallelism()} cores; ${RUNNER === "binary" ? "the single binary" : "bun src/main.ts"} in production mode, ${RUNS} runs per backend, idle ${IDLE_MS / 1000} s before reading memory; Janus ${hasJanus ? "embedded" : "not installed (media offline)"}`,
  );
  let binary = "";
  if (RUNNER === "binary") {
    binary = join(tempDir("build"), "dictate");
    await buildBinary(binary);
  }
  const stamp = `${Date.now()}_${process.pid}`;
  const databases: string[] = [];
  const samples = new Map<string, Sample[]>();
  const record = (backend: Backend, phase: Phase, s: Sample) => {
    const key = `${backend}|${phase}`;
    samples.set(key, [...(samples.get(key) ?? []), s]);
    console.log(
      `${backend} ${phase}: /healthz 200 after ${s.startMs.toFixed(0)} ms, peak ${s.peakMb.toFixed(0)} MB, idle ${s.idleMb.toFixed(0)} MB${s.janusMb !== null ? ` (+ Janus ${s.janusMb.toFixed(0)} MB)` : ""}`,
    );
  };
  try {
    for (let i = 0; i < RUNS; i++) {
      for (const backend of (i % 2 ? ["postgres", "embedded"] : ["embedded", "postgres"]) as Backend[]) {
        const cwd = tempDir(backend);
        const env: Record<string, string> = {};
        if (backend === "postgres") {
          const name = `dictate_bench_embedded_${stamp}_${i}`;
          databases.push(name);
          env.DATABASE_URL = await createPostgresDatabase(name, POSTGRES_ADMIN_URL);
        }
        let command = [BUN, join(ROOT, "src/main.ts")];
        if (RUNNER === "binary") {
          copyFileSync(binary, join(cwd, "dictate"));
          chmodSync(join(cwd, "dictate"), 0o755);
          command = [join(cwd, "dictate")];
        }
        record(backend, "first start", await measure(command, cwd, env));
        record(backend, "restart", await measure(command, cwd, env));
      }
    }
  } finally {
    await dropPostgresDatabases(databases, POSTGRES_ADMIN_URL);
    for (const dir of temps) rmSync(dir, { recursive: true, force: true });
  }

  const cell = (values: number[], unit: string) =>
    `${median(values).toFixed(0)} ${unit} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`;
  console.log("");
  console.log(`load average at the end ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  console.log("");
  console.log("| backend | start | spawn → /healthz 200 | peak RSS | idle RSS | + embedded Janus |");
  console.log("|---|---|---|---|---|---|");
  for (const backend of ["embedded", "postgres"] as Backend[]) {
    for (const phase of ["first start", "restart"] as Phase[]) {
      const list = samples.get(`${backend}|${phase}`) ?? [];
      if (!list.length) continue;
      const janus = list.map((s) => s.janusMb).filter((v): v is number => v !== null);
      console.log(
        `| ${backend === "embedded" ? "embedded (nothing configured)" : "Postgres (`DATABASE_URL`)"} | ${phase === "first start" ? "fresh folder" : "same folder again"} | ${cell(list.map((s) => s.startMs), "ms")} | ${cell(list.map((s) => s.peakMb), "MB")} | ${cell(list.map((s) => s.idleMb), "MB")} | ${janus.length ? `${median(janus).toFixed(0)} MB` : "—"} |`,
      );
    }
  }
  console.log("");
  console.log("aims (issue 13): embedded idle RSS ≤ 150 MB, first-start peak ≤ 300 MB, fresh folder → /healthz 200 ≤ 1000 ms");
}

await main();
