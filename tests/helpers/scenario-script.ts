/**
 * The script side of a namespace scenario (tests/helpers/scenario.ts runs it): how a scenario
 * script ends, whatever happened — the failure and the server's last log lines in its report, every
 * browser closed, the server stopped (SIGTERM, then SIGKILL after 10 s), and the report printed as
 * the last `{"results": …}` line.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Browser } from "playwright-core";

const ROOT = resolve(import.meta.dir, "../..");

export type ScenarioResults = Record<string, unknown>;

/** Marks the run failed with `err`, and keeps the last 40 lines of the server's log beside it. */
export function noteFailure(results: ScenarioResults, err: unknown, serverLog: string): void {
  results.ok = false;
  results.error = err instanceof Error ? `${err.message}\n${err.stack}` : String(err);
  try {
    results.serverLog = readFileSync(serverLog, "utf8").split("\n").slice(-40).join("\n");
  } catch {
    // No log yet.
  }
}

/**
 * Starts the server from source in production mode with nothing configured but `env` (embedded
 * Janus and PGlite), its output in `<work>/server.log` and `server.err`, tells the runner its pid,
 * and waits up to 90 s for /healthz. A server that exits meanwhile fails with its stderr; one that
 * never answers is stopped before the error is thrown.
 */
export async function startScenarioServer({ work, port, host = "127.0.0.1", env = {} }: { work: string; port: number; host?: string; env?: Record<string, string> }): Promise<Bun.Subprocess> {
  const server = Bun.spawn([process.execPath, "src/main.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: work,
      TMPDIR: process.env.TMPDIR ?? work,
      DATA_DIR: join(work, "data"),
      HOST: host,
      PORT: String(port),
      NODE_ENV: "production",
      LOG_LEVEL: process.env.E2E_SERVER_LOG_LEVEL ?? "warn",
      ...env,
    },
    stdin: "ignore",
    stdout: Bun.file(join(work, "server.log")),
    stderr: Bun.file(join(work, "server.err")),
  });
  process.stdout.write(`${JSON.stringify({ pids: { server: server.pid } })}\n`);
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`the server exited with ${server.exitCode}: ${readFileSync(join(work, "server.err"), "utf8")}`);
    if (await fetch(`http://${host}:${port}/healthz`).then((r) => r.ok).catch(() => false)) return server;
    if (Date.now() > deadline) {
      server.kill("SIGKILL");
      throw new Error(`the server did not answer /healthz in 90 s: ${readFileSync(join(work, "server.err"), "utf8")}`);
    }
    await Bun.sleep(200);
  }
}

/**
 * `until(what, check, timeoutMs?, intervalMs?)`: polls `check` until it returns something truthy and
 * returns that, or fails with "timed out waiting for <what>". Each scenario names its own defaults.
 */
export function waiter(defaults: { timeoutMs: number; intervalMs: number }) {
  return async function until<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = defaults.timeoutMs, intervalMs = defaults.intervalMs): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await Bun.sleep(intervalMs);
    }
  };
}

/** Closes every browser and stops the server. */
export async function closeScenario(browsers: Browser[], server: Bun.Subprocess | null): Promise<void> {
  await Promise.all(browsers.map((b) => b.close().catch(() => undefined)));
  if (server && server.exitCode === null) {
    server.kill("SIGTERM");
    const exited = await Promise.race([server.exited.then(() => true), Bun.sleep(10_000).then(() => false)]);
    if (!exited) server.kill("SIGKILL");
  }
}

/** Prints the report for the runner and ends the script. */
export function reportScenario(results: ScenarioResults): never {
  process.stdout.write(`${JSON.stringify({ results })}\n`);
  process.exit(0);
}
