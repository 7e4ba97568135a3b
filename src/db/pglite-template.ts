/**
 * A migrated PGlite data folder, packed once (a tar, zstd-compressed, ~2 MB), that a fresh data
 * folder is unpacked from instead of running initdb.
 *
 * Why: PGlite's initdb on a fresh folder runs a second PGlite instance plus initdb's own
 * WebAssembly and copies the result across — 4–8 s and ~1.1 GB of peak memory on the 2-core
 * machine, for a result that is byte-for-byte the same every time. Unpacking the same result takes
 * ~0.1 s and ~45 MB for a moment. The template also holds the migrations of its build, so a fresh
 * folder has nothing to migrate (`migrate()` still runs, and applies whatever is newer).
 *
 * Where it comes from: the single binary carries it (scripts/build.sh builds it and embeds it, so
 * it is in `Bun.embeddedFiles`); a source run keeps it in node_modules/.cache/dictate/ (made by
 * `npm start` before the server starts, or by the first server start that finds none — that one
 * start pays for initdb once). Its name holds a key of PGlite's files and the migrations it holds
 * (templateKeys).
 */
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { embeddedMigrations } from "./migrations.ts";
import { pgliteAssetFiles, pgliteAssets, PGLITE_START_PARAMS } from "./pglite-assets.ts";

/** Bump when what goes into a template changes (not for migrations or PGlite: those are in the key). */
const TEMPLATE_FORMAT = 1;

/** Where a source run keeps its templates (absent in a compiled binary, whose tree is read-only). */
export const TEMPLATE_CACHE_DIR = resolve(import.meta.dir, "../../node_modules/.cache/dictate");

/**
 * The keys of the templates this build can start from, best first. A key covers PGlite's own files
 * (by size) and a list of migrations (by hash): first all of this build's, then each shorter prefix
 * of them — a template made before the newest migrations were added is still a valid start, as any
 * database of that age is (`migrate()` applies the rest), while one holding a migration this build
 * does not have (another branch's) matches no key.
 */
export function templateKeys(): string[] {
  const files = pgliteAssetFiles();
  const base = [`format ${TEMPLATE_FORMAT}`, ...Object.entries(files).map(([name, path]) => `${name} ${Bun.file(path).size}`)];
  const migrations = embeddedMigrations().map((m) => `migration ${m.folderMillis} ${m.hash}`);
  const keys: string[] = [];
  for (let n = migrations.length; n >= 0; n--) {
    keys.push(createHash("sha256").update([...base, ...migrations.slice(0, n)].join("\n")).digest("hex").slice(0, 16));
  }
  return keys;
}

/** The key of a template holding every migration of this build. */
export const templateKey = () => templateKeys()[0]!;

export const templateFileName = (key = templateKey()) => `pglite-template-${key}.tar.zst`;

/**
 * Runs initdb and `migrate` in memory and packs the result. Costs what a fresh folder used to
 * (seconds, ~1 GB for a moment): run it at build time, not on a server's path if avoidable.
 */
export async function buildTemplate(migrate: (pg: PGlite) => Promise<void>): Promise<Uint8Array> {
  const pg = await PGlite.create({ ...(await pgliteAssets({ initdb: true })), startParams: PGLITE_START_PARAMS });
  try {
    await migrate(pg);
    // A checkpoint leaves the WAL with nothing to replay when the copy first opens.
    await pg.exec("checkpoint");
    const tar = new Uint8Array(await (await pg.dumpDataDir("none")).arrayBuffer());
    return Bun.zstdCompressSync(tar, { level: 19 });
  } finally {
    await pg.close();
  }
}

/**
 * The best template for this build: embedded in the binary, or cached beside the source, the one
 * with the most of this build's migrations first; null if there is none.
 */
export async function findTemplate(keys = templateKeys()): Promise<Uint8Array | null> {
  for (const key of keys) {
    // bun build names an embedded file `<name>-<hash>.<ext>`.
    const prefix = `pglite-template-${key}`;
    const embedded = Bun.embeddedFiles.find((f) => {
      const name = (f as Blob & { name?: string }).name ?? "";
      return name.startsWith(prefix) && name.endsWith(".zst");
    });
    if (embedded) return new Uint8Array(await embedded.arrayBuffer());
    const cached = join(TEMPLATE_CACHE_DIR, templateFileName(key));
    if (existsSync(cached)) return Bun.file(cached).bytes();
  }
  return null;
}

/** Writes a template where `findTemplate` looks in a source run (atomically: servers may race). */
export async function cacheTemplate(template: Uint8Array, key = templateKey()): Promise<string> {
  const path = join(TEMPLATE_CACHE_DIR, templateFileName(key));
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await Bun.write(tmp, template);
  renameSync(tmp, path);
  return path;
}

/**
 * Unpacks a template into `dir`, which must not exist yet or be empty. It is unpacked beside it
 * and renamed into place, so a start killed half-way leaves no folder that looks like a database
 * (only a `<dir>.unpacking-<pid>` beside it, which nothing reads).
 */
export function unpackTemplate(template: Uint8Array, dir: string): void {
  const tar = Bun.zstdDecompressSync(template);
  const tmp = `${dir}.unpacking-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true, mode: 0o700 });
  try {
    writeEntries(tar, tmp);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  // rename(2) replaces an empty directory and refuses a non-empty one: a database that another
  // start put there meanwhile is kept (and ours dropped), never overwritten.
  try {
    renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if ((code === "ENOTEMPTY" || code === "EEXIST") && existsSync(join(dir, "PG_VERSION"))) return;
    throw err;
  }
}

/** Writes the archive's files and folders under `root`. */
function writeEntries(tar: Uint8Array, root: string): void {
  for (const entry of readTar(tar)) {
    const path = join(root, entry.name);
    if (entry.dir) {
      mkdirSync(path, { recursive: true, mode: 0o700 });
      continue;
    }
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const fd = openSync(path, "w", 0o600);
    try {
      let written = 0;
      while (written < entry.data.length) written += writeSync(fd, entry.data, written);
    } finally {
      closeSync(fd);
    }
  }
}

interface TarEntry {
  name: string;
  dir: boolean;
  data: Uint8Array;
}

/** The files and folders of a ustar archive (what PGlite's `dumpDataDir` writes). */
function* readTar(tar: Uint8Array): Generator<TarEntry> {
  const text = (start: number, length: number) => {
    const bytes = tar.subarray(start, start + length);
    const end = bytes.indexOf(0);
    return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
  };
  let offset = 0;
  while (offset + 512 <= tar.length) {
    if (tar[offset] === 0) return; // the two zero blocks that end an archive
    const size = parseInt(text(offset + 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(tar[offset + 156]!);
    const magic = text(offset + 257, 6);
    // POSIX ustar ("ustar\0") has a name prefix field; old GNU tar ("ustar  ") keeps times there.
    const prefix = magic === "ustar" ? text(offset + 345, 155) : "";
    const raw = (prefix ? `${prefix}/` : "") + text(offset, 100);
    const name = raw.replace(/^\/+/, "").replace(/\/+$/, "");
    if (!name || name.split("/").some((part) => part === ".." || part === "")) throw new Error(`PGlite template: bad entry name "${raw}"`);
    const dataStart = offset + 512;
    if (type === "5") yield { name, dir: true, data: new Uint8Array(0) };
    else if (type === "0" || type === "\0") yield { name, dir: false, data: tar.subarray(dataStart, dataStart + size) };
    else throw new Error(`PGlite template: unexpected entry type "${type}" for ${name}`);
    offset = dataStart + Math.ceil(size / 512) * 512;
  }
}
