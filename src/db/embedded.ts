/**
 * The embedded database: PGlite on a folder, opened light. A folder with no cluster yet is seeded
 * from the migrated template (pglite-template.ts) rather than by initdb, and PGlite starts with
 * memory settings for one small team (PGLITE_START_PARAMS).
 */
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLITE_START_PARAMS, pgliteAssets } from "./pglite-assets.ts";
import { buildTemplate, cacheTemplate, findTemplate, TEMPLATE_CACHE_DIR, templateFileName, templateKey, unpackTemplate } from "./pglite-template.ts";

/**
 * Opens PGlite on `dir`, seeding it first when it holds no cluster. `migrate` migrates a PGlite
 * instance; it is used only to build a template when this build has none (a source checkout's
 * first start), which is then cached for the next fresh folder.
 */
export async function openEmbedded(dir: string, migrate: (pg: PGlite) => Promise<void>): Promise<PGlite> {
  // Compiling PGlite's WebAssembly (~0.3 s) runs on JSC's compiler threads while the folder is seeded.
  const assets = pgliteAssets({ initdb: false });
  assets.catch(() => {}); // awaited below; this only keeps a failure while seeding from leaving it unhandled
  if (!existsSync(join(dir, "PG_VERSION"))) {
    if (existsSync(dir) && readdirSync(dir).length > 0) {
      throw new Error(`${dir} holds files but no database (no PG_VERSION): move it away, and the next start makes a fresh one`);
    }
    mkdirSync(dirname(dir), { recursive: true });
    let template = await findTemplate();
    if (!template) {
      template = await buildTemplate(migrate);
      // Best effort: a read-only tree (a compiled binary's) just builds again next time.
      await cacheTemplate(template).catch(() => {});
    }
    unpackTemplate(template, dir);
  }
  return PGlite.create({ dataDir: dir, ...(await assets), startParams: PGLITE_START_PARAMS });
}

/** Builds this build's template into `dir`, or into the source run's cache, unless it is there already. */
export async function writeTemplate(dir: string | undefined, migrate: (pg: PGlite) => Promise<void>): Promise<{ path: string; built: boolean }> {
  const key = templateKey();
  const path = join(dir ?? TEMPLATE_CACHE_DIR, templateFileName(key));
  if (existsSync(path)) return { path, built: false };
  const template = await buildTemplate(migrate);
  if (dir) {
    mkdirSync(dir, { recursive: true });
    await Bun.write(path, template);
  } else await cacheTemplate(template, key);
  return { path, built: true };
}
