import { describe, expect, test } from "bun:test";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "../..");

/** Runs `code` in a fresh Bun (nothing loaded yet) and returns what it printed. */
function fresh(code: string): string {
  const run = Bun.spawnSync([process.execPath, "-e", code], { cwd: ROOT, env: { ...process.env, NODE_ENV: "production" } });
  if (run.exitCode !== 0) throw new Error(run.stderr.toString());
  return run.stdout.toString().trim();
}

const promModulesLoaded = `Object.keys(require.cache).filter((k) => k.includes("/prom-client/")).length`;

describe("metrics", () => {
  test("without METRICS_TOKEN the app never loads prom-client and counts nothing; with it, it does", () => {
    const out = fresh(`
      const { loadMetrics } = await import("./src/http/index.ts");
      const off = await loadMetrics(false);
      off.notesUpdates.inc();
      off.observeRequest("GET", "/x", 200, 0.01);
      const before = ${promModulesLoaded};
      const offText = (await off.scrape()).body;
      const on = await loadMetrics(true);
      on.notesUpdates.inc();
      on.observeRequest("GET", "/x", 200, 0.01);
      const onText = (await on.scrape()).body;
      console.log(JSON.stringify({ before, after: ${promModulesLoaded}, offText, counted: /dictate_notes_updates_total 1/.test(onText) && /dictate_http_requests_total\\{method="GET",route="\\/x",status="200"\\} 1/.test(onText) }));
    `);
    const r = JSON.parse(out);
    expect(r.before).toBe(0);
    expect(r.offText).toBe("");
    expect(r.after).toBeGreaterThan(0);
    expect(r.counted).toBe(true);
  });
});
