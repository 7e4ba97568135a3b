/**
 * Preloaded into the server by `bench/rooms.ts --gc-probe` (bun --preload), never by the app
 * itself: on SIGUSR2 it runs a full, synchronous garbage collection and writes JSC's heap figures
 * and object counts by type to `$BENCH_GC_PROBE_DIR/probe-<n>.json`, so the bench can read the heap
 * without the garbage the server has not yet collected. It adds a signal handler and nothing else.
 */
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { heapStats } from "bun:jsc";

const dir = process.env.BENCH_GC_PROBE_DIR;
let seq = 0;
if (dir) {
  process.on("SIGUSR2", () => {
    const n = ++seq;
    const t0 = performance.now();
    Bun.gc(true);
    const gcMs = performance.now() - t0;
    const stats = heapStats();
    const memory = process.memoryUsage();
    const file = join(dir, `probe-${n}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify({ n, gcMs, heapSize: stats.heapSize, extraMemorySize: stats.extraMemorySize, objectCount: stats.objectCount, objectTypeCounts: stats.objectTypeCounts, rss: memory.rss }));
    renameSync(`${file}.tmp`, file);
  });
}
