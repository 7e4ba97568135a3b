import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { templateKeys, unpackTemplate } from "./pglite-template.ts";

const root = mkdtempSync(join(tmpdir(), "dictate-template-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A zstd-compressed tar of `files` (paths relative to the archive root), made by the system's tar. */
function pack(files: Record<string, string>, tarArgs: string[] = []): Uint8Array {
  const src = mkdtempSync(join(root, "src-"));
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(join(src, name, ".."), { recursive: true });
    writeFileSync(join(src, name), body);
  }
  const proc = Bun.spawnSync(["tar", "-cf", "-", "-C", src, ...tarArgs, ...Object.keys(files).map((f) => f.split("/")[0]!)]);
  expect(proc.exitCode).toBe(0);
  return Bun.zstdCompressSync(proc.stdout);
}

describe("the PGlite template", () => {
  test("unpacks files and folders into place, leaving nothing beside it", () => {
    const dir = join(root, "a", "db");
    mkdirSync(join(root, "a"));
    unpackTemplate(pack({ PG_VERSION: "18\n", "base/1/1259": "x".repeat(10_000), "global/pg_control": "c" }), dir);
    expect(readFileSync(join(dir, "PG_VERSION"), "utf8")).toBe("18\n");
    expect(readFileSync(join(dir, "base/1/1259"), "utf8")).toBe("x".repeat(10_000));
    expect(readdirSync(join(root, "a"))).toEqual(["db"]);
  });

  test("an empty folder is filled; a database already there is kept, not overwritten", () => {
    const dir = join(root, "b", "db");
    mkdirSync(dir, { recursive: true });
    unpackTemplate(pack({ PG_VERSION: "18\n" }), dir);
    expect(existsSync(join(dir, "PG_VERSION"))).toBe(true);
    writeFileSync(join(dir, "mine"), "written since");
    unpackTemplate(pack({ PG_VERSION: "18\n", other: "o" }), dir);
    expect(readFileSync(join(dir, "mine"), "utf8")).toBe("written since");
    expect(existsSync(join(dir, "other"))).toBe(false);
    expect(readdirSync(join(root, "b"))).toEqual(["db"]);
  });

  test("an entry that climbs out of the folder is refused", () => {
    const src = mkdtempSync(join(root, "evil-"));
    writeFileSync(join(src, "x"), "x");
    const tar = Bun.spawnSync(["tar", "-cf", "-", "-C", src, "--transform", "s,^x,../escaped,", "x"]).stdout;
    expect(() => unpackTemplate(Bun.zstdCompressSync(tar), join(root, "c", "db"))).toThrow(/bad entry name/);
    expect(existsSync(join(root, "c", "escaped"))).toBe(false);
    expect(readdirSync(join(root, "c"))).toEqual([]);
  });

  test("keys: this build's migrations first, then every shorter prefix of them", () => {
    const keys = templateKeys();
    expect(keys.length).toBeGreaterThan(1);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.every((k) => /^[0-9a-f]{16}$/.test(k))).toBe(true);
  });
});
