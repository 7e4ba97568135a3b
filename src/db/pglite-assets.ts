/**
 * PGlite's WebAssembly modules and its filesystem bundle, imported as files so that
 * `bun build --compile` embeds them in the executable. PGlite would otherwise look for them next to
 * its own script (`new URL("./pglite.wasm", import.meta.url)`), which a compiled binary does not have.
 * From source the imports are the files in node_modules, so both runs load the same bytes.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { PGliteOptions } from "@electric-sql/pglite";
import initdbWasmPath from "@electric-sql/pglite/initdb.wasm" with { type: "file" };
import pgliteDataPath from "@electric-sql/pglite/pglite.data" with { type: "file" };
import pgliteWasmPath from "@electric-sql/pglite/pglite.wasm" with { type: "file" };

let pgliteModule: Promise<WebAssembly.Module> | undefined;
let initdbModule: Promise<WebAssembly.Module> | undefined;

function compile(path: string) {
  return Bun.file(path)
    .arrayBuffer()
    .then((bytes) => WebAssembly.compile(bytes));
}

/**
 * The options that hand PGlite its assets. `initdb` is only compiled when the data folder holds no
 * cluster yet (`PG_VERSION` absent): PGlite runs initdb only then, and reopening skips the cost.
 */
export async function pgliteAssets(dataDir?: string): Promise<Pick<PGliteOptions, "pgliteWasmModule" | "initdbWasmModule" | "fsBundle">> {
  const needsInitdb = !dataDir || !existsSync(join(dataDir, "PG_VERSION"));
  pgliteModule ??= compile(pgliteWasmPath).catch((err) => {
    pgliteModule = undefined;
    throw err;
  });
  if (needsInitdb) {
    initdbModule ??= compile(initdbWasmPath).catch((err) => {
      initdbModule = undefined;
      throw err;
    });
  }
  const [pgliteWasmModule, initdbWasmModule] = await Promise.all([pgliteModule, needsInitdb ? initdbModule : undefined]);
  return {
    pgliteWasmModule,
    ...(initdbWasmModule ? { initdbWasmModule } : {}),
    fsBundle: Bun.file(pgliteDataPath),
  };
}
