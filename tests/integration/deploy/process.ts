/**
 * Builds the single binary and runs it (or the source) as a process in a folder of one's choosing,
 * for the deploy tests and bench/binary.ts.
 */
import { startServer, type RunningServer } from "../../helpers/server.ts";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dir, "../../..");

/** Runs scripts/build.sh into `outfile`; throws with the build's output when it fails. */
export async function buildBinary(outfile: string): Promise<{ ms: number }> {
  const started = performance.now();
  const proc = Bun.spawn(["bash", "scripts/build.sh", outfile], { cwd: ROOT, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`scripts/build.sh exited with ${code}:\n${stdout}\n${stderr}`);
  return { ms: performance.now() - started };
}

export type Running = RunningServer;

/**
 * Spawns `command` (the binary, or the source) in `cwd` with only the given environment (plus PATH
 * and HOME), with its embedded Janus, on a free port of 127.0.0.1 unless `env.PORT` says
 * otherwise, and waits until it says it listens.
 */
export function startDictate(command: string[], { cwd, env = {}, timeoutMs = 60_000 }: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): Promise<Running> {
  return startServer(env, { command, cwd, timeoutMs, embeddedJanus: true });
}

/** Pids of the `janus` processes whose parent is `pid` (the embedded Janus of a Dictate process). */
export function janusChildren(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(join("/proc", entry, "stat"), "utf8");
      // pid (comm) state ppid …: comm may hold spaces, so split after its closing parenthesis.
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (comm === "janus" && ppid === pid) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** Whether a process is still running (not gone, not a zombie). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Resident memory of a process in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) * 1024 : 0;
}
