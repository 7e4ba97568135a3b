/**
 * Builds the single binary and runs it (or the source) as a process in a folder of one's choosing,
 * for the deploy tests and bench/binary.ts.
 */
import type { Subprocess } from "bun";
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

export interface Running {
  url: string;
  port: number;
  pid: number;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  /** Milliseconds from spawn to the "Dictate is listening" line. */
  listeningMs: number;
  output(): string;
  /** Signals the process and waits for it (SIGKILL after 15 s); returns its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/**
 * Spawns `command` in `cwd` with only the given environment (plus PATH and HOME), on a free port
 * of 127.0.0.1 unless `env.PORT` says otherwise, and waits until it says it listens.
 */
export async function startDictate(command: string[], { cwd, env = {}, timeoutMs = 60_000 }: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): Promise<Running> {
  const started = performance.now();
  const proc = Bun.spawn(command, {
    cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", ...env },
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  let out = "";
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      out += decoder.decode(value, { stream: true });
    }
  };
  void pump(proc.stdout);
  void pump(proc.stderr);
  const deadline = Date.now() + timeoutMs;
  let port = 0;
  let listeningMs = 0;
  while (!port) {
    const line = out.split("\n").find((l) => l.includes('"Dictate is listening"'));
    if (line) {
      port = JSON.parse(line).port;
      listeningMs = performance.now() - started;
    } else if (proc.exitCode !== null) throw new Error(`${command.join(" ")} exited with ${proc.exitCode}:\n${out}`);
    else if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`${command.join(" ")} did not start in ${timeoutMs} ms:\n${out}`);
    } else await Bun.sleep(10);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: proc.pid,
    proc,
    listeningMs,
    output: () => out,
    async stop(signal = "SIGTERM") {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
      const code = await proc.exited;
      clearTimeout(timer);
      return code;
    },
  };
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
