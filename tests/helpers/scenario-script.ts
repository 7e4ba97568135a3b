/**
 * The script side of a namespace scenario (tests/helpers/scenario.ts runs it): how a scenario
 * script ends, whatever happened — the failure and the server's last log lines in its report, every
 * browser closed, the server stopped (SIGTERM, then SIGKILL after 10 s), and the report printed as
 * the last `{"results": …}` line.
 */
import { readFileSync } from "node:fs";
import type { Browser } from "playwright-core";

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
