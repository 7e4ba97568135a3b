/**
 * PGlite's WebAssembly modules and its filesystem bundle, imported as files so that
 * `bun build --compile` embeds them in the executable. PGlite would otherwise look for them next to
 * its own script (`new URL("./pglite.wasm", import.meta.url)`), which a compiled binary does not have.
 * From source the imports are the files in node_modules, so both runs load the same bytes.
 */
import { PGlite, type PGliteOptions } from "@electric-sql/pglite";
import initdbWasmPath from "@electric-sql/pglite/initdb.wasm" with { type: "file" };
import pgliteDataPath from "@electric-sql/pglite/pglite.data" with { type: "file" };
import pgliteWasmPath from "@electric-sql/pglite/pglite.wasm" with { type: "file" };

/** PGlite's files (their paths on disk, or inside the executable). */
export const pgliteAssetFiles = () => ({ pgliteWasm: pgliteWasmPath, initdbWasm: initdbWasmPath, pgliteData: pgliteDataPath });

let pgliteModule: Promise<WebAssembly.Module> | undefined;
let initdbModule: Promise<WebAssembly.Module> | undefined;

function compile(path: string) {
  return Bun.file(path)
    .arrayBuffer()
    .then((bytes) => WebAssembly.compile(bytes));
}

/**
 * The options that hand PGlite its assets. `initdb` is compiled only when asked: PGlite runs initdb
 * only on a folder that holds no cluster yet, which a template-seeded folder never is.
 */
export async function pgliteAssets({ initdb }: { initdb: boolean }): Promise<Pick<PGliteOptions, "pgliteWasmModule" | "initdbWasmModule" | "fsBundle">> {
  pgliteModule ??= compile(pgliteWasmPath).catch((err) => {
    pgliteModule = undefined;
    throw err;
  });
  if (initdb) {
    initdbModule ??= compile(initdbWasmPath).catch((err) => {
      initdbModule = undefined;
      throw err;
    });
  }
  const [pgliteWasmModule, initdbWasmModule] = await Promise.all([pgliteModule, initdb ? initdbModule : undefined]);
  return {
    pgliteWasmModule,
    ...(initdbWasmModule ? { initdbWasmModule } : {}),
    fsBundle: Bun.file(pgliteDataPath),
  };
}

/**
 * PGlite's start parameters plus memory settings for a small team's database. Postgres's default
 * shared_buffers (128 MB) is allocated whole inside PGlite's WebAssembly memory, and with it the
 * per-connection shared state for max_connections = 100 — resident from the first moment: ~130 MB
 * of the ~300 MB an idle embedded server held. PGlite serves one connection (this process).
 * 2 MB of buffers (256 pages) hold what a small team's meetings touch; the operating system's page
 * cache holds the rest of the files. Against 8 MB it saves ~9 MB of an idle server (158 → 149 MB)
 * and cost nothing measurable in CPU at 100 busy rooms (bench/notes-sync.ts: 254 vs 255 µs per
 * update), a few ms of p99 (27–30 vs 17–25 ms) from reading pages back through the page cache.
 */
export const PGLITE_START_PARAMS: string[] = [
  ...PGlite.defaultStartParams,
  ...["shared_buffers=2MB", "max_connections=3", "superuser_reserved_connections=0", "reserved_connections=0"].flatMap((setting) => ["-c", setting]),
];
