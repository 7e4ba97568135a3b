/**
 * Builds the migrated PGlite template that a fresh data folder is unpacked from (src/db/pglite-template.ts),
 * unless this build's exists already, and prints its path.
 *   bun scripts/pglite-template.ts         into node_modules/.cache/dictate/ (source runs; npm start does it)
 *   bun scripts/pglite-template.ts DIR     into DIR (scripts/build.sh embeds it in the binary)
 */
import { writePgliteTemplate } from "../src/db/index.ts";

const started = performance.now();
const { path, built } = await writePgliteTemplate(process.argv[2]);
console.error(built ? `built ${path} in ${((performance.now() - started) / 1000).toFixed(1)} s` : `${path} is up to date`);
console.log(path);
