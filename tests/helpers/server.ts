import type { Subprocess } from "bun";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");
const BUN = process.execPath;

export interface RunningServer {
  url: string;
  port: number;
  pid: number;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  /** Milliseconds from spawn to the "Dictate is listening" line. */
  listeningMs: number;
  /** Everything the process printed so far. */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/**
 * Starts `src/main.ts` as its own process on a free port and waits until it says it listens.
 * The environment is only what is given (plus PATH and HOME), so nothing leaks in from the shell.
 */
export async function startServer(
  env: Record<string, string>,
  {
    timeoutMs = 60_000,
    command = [BUN, "src/main.ts"],
    cwd = ROOT,
    embeddedJanus = false,
  }: { timeoutMs?: number; command?: string[]; cwd?: string; embeddedJanus?: boolean } = {},
): Promise<RunningServer> {
  const started = performance.now();
  const proc = Bun.spawn(command, {
    cwd,
    // No media unless a test asks for it: a server killed with SIGKILL would orphan its Janus.
    // Production mode, as `npm start` runs it: the client is bundled once at start, and no
    // development file watcher reloads the pages when a source file changes mid-test.
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      NODE_ENV: "production",
      ...(embeddedJanus ? {} : { JANUS_BIN: "/nonexistent/janus" }),
      ...env,
    },
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
    }
    else if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}:\n${out}`);
    else if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`server did not start in ${timeoutMs} ms:\n${out}`);
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
      // A clean stop takes Janus down with it; give it time, then insist.
      const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
      const code = await proc.exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Runs `src/main.ts` to its exit and returns what it printed (for start-up failures). */
export async function runServerToExit(env: Record<string, string>) {
  const proc = Bun.spawn([BUN, "src/main.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

/** fetch with a cookie jar, for talking to a server process. */
export function httpClient(base: string) {
  let cookie = "";
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(base + path, {
      method,
      headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...(cookie ? { cookie } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const set = res.headers.get("set-cookie");
    if (set) cookie = set.split(";")[0]!;
    const text = await res.text();
    return { status: res.status, body: text && res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text };
  };
}
