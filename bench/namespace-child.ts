/**
 * How a browser bench runs its measuring script: inside a test network namespace of its own
 * (PLATFORM.md; `createTestNamespace`: a veth pair with a private address, no default route), with a
 * temporary work folder (DICTATE_BENCH_WORK, and TMPDIR under it for Playwright's profiles), the
 * script leading a process group of its own, its stderr passed through and its last `{"bench": …}`
 * line taken as the result. Whatever happens — a failure, a script that hangs past its cap, Ctrl-C —
 * `cleanup` stops every process in the namespace (SIGTERM first: the server stops its Janus; then
 * SIGKILL), deletes the namespace and removes the folder.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createTestNamespace, deleteTestNamespace } from "../tests/helpers/netns.ts";

const ROOT = resolve(import.meta.dir, "..");

/** `name`: the bench's short name; `subnet`: the second byte of its 10.x.y.1/24 address (one per bench). */
export function benchNamespace(name: string, subnet: number) {
  const ns = `dictate-bench-${name}-${process.pid}`;
  const address = `10.${subnet}.${7 + (process.pid % 200)}.1/24`;
  let child: ChildProcess | null = null;
  let work = "";
  let created = false;
  let cleanedUp = false;
  let interrupted = false;

  const namespacePids = () => (spawnSync("ip", ["netns", "pids", ns], { encoding: "utf8" }).stdout ?? "").split(/\s+/).filter(Boolean).map(Number);
  const kill = (pid: number, signal: NodeJS.Signals) => {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  };
  const childRunning = () => child?.pid !== undefined && child.exitCode === null && child.signalCode === null;

  async function cleanup() {
    if (cleanedUp) return;
    cleanedUp = true;
    if (created) {
      if (childRunning()) kill(-child!.pid!, "SIGTERM");
      for (let i = 0; i < 30 && namespacePids().length > 0; i++) await Bun.sleep(100);
      if (childRunning()) kill(-child!.pid!, "SIGKILL");
      for (const pid of namespacePids()) kill(pid, "SIGKILL");
      for (let i = 0; i < 30 && namespacePids().length > 0; i++) await Bun.sleep(100);
      deleteTestNamespace(ns);
    }
    if (work) rmSync(work, { recursive: true, force: true });
  }

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      console.error(`\n${signal}: cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  /** Runs `script` (a path) in the namespace and returns its `bench` result; throws past `capMs`. */
  async function run<R>(script: string, capMs: number): Promise<R> {
    work = mkdtempSync(join(tmpdir(), `dictate-bench-${name}-`));
    mkdirSync(join(work, "tmp"));
    createTestNamespace(ns, address);
    created = true;
    console.log(`network namespace ${ns}: lo + veth vp0/vp1 with ${address}, no default route`);
    const proc = spawn("ip", ["netns", "exec", ns, process.execPath, script], {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, DICTATE_BENCH_WORK: work, TMPDIR: join(work, "tmp") },
    });
    child = proc;
    let stdout = "";
    proc.stdout!.on("data", (d) => (stdout += d));
    proc.stderr!.on("data", (d) => process.stderr.write(d));
    const exited = new Promise<void>((r) => proc.on("exit", () => r()));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finished = await Promise.race([exited.then(() => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), capMs)))]);
    clearTimeout(timer);
    if (!finished) throw new Error(`the measuring process did not finish within ${capMs / 1000} s`);
    const last = stdout
      .trim()
      .split("\n")
      .filter((l) => l.startsWith('{"bench"'))
      .pop();
    if (!last) throw new Error(`the measuring process printed no results:\n${stdout.slice(-2000)}`);
    return (JSON.parse(last) as { bench: R }).bench;
  }

  return { name: ns, run, cleanup, interrupted: () => interrupted };
}
