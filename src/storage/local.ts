import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { assertBlobKey, type BlobInfo, type BlobStore } from "./blob-store.ts";
import { assertByteRange, clampByteRange } from "./range.ts";

/**
 * Files under `root`; a write goes to a temp name and is renamed, so a crash never leaves half a file.
 * The mime sits beside the object in `<key>~mime`, and temp files are `<key>~<uuid>.tmp`: `~` is not
 * allowed in keys, so neither can ever be mistaken for another key's object.
 */
export function createLocalBlobStore(root: string): BlobStore {
  const pathOf = (key: string) => {
    assertBlobKey(key);
    return join(root, key);
  };
  const mimeOf = async (path: string) => {
    const file = Bun.file(`${path}~mime`);
    return (await file.exists()) ? (await file.text()).trim() || null : null;
  };
  /** The object's size, or null when there is none: a missing path, or a folder of other keys. */
  const sizeOf = async (path: string): Promise<number | null> => {
    try {
      const s = await stat(path);
      return s.isFile() ? s.size : null;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return null;
      throw err;
    }
  };
  const write = async (key: string, data: Uint8Array | Blob, mime: string): Promise<BlobInfo> => {
    const path = pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}~${crypto.randomUUID()}.tmp`;
    try {
      const bytes = await Bun.write(tmp, data);
      await Bun.write(`${tmp}~mime`, mime);
      await rename(`${tmp}~mime`, `${path}~mime`);
      await rename(tmp, path);
      return { bytes, mime };
    } catch (err) {
      await rm(tmp, { force: true });
      await rm(`${tmp}~mime`, { force: true });
      throw err;
    }
  };
  return {
    kind: "local",
    putFile: (key, path, mime) => write(key, Bun.file(path), mime),
    put: (key, data, mime) => write(key, data, mime),
    async head(key) {
      const path = pathOf(key);
      const bytes = await sizeOf(path);
      return bytes === null ? null : { bytes, mime: await mimeOf(path) };
    },
    async read(key, range) {
      const path = pathOf(key);
      if (range) assertByteRange(range);
      const size = await sizeOf(path);
      if (size === null) return null;
      const type = (await mimeOf(path)) ?? "application/octet-stream";
      const file = Bun.file(path);
      if (!range) return file.slice(0, size, type);
      const { start, end } = clampByteRange(range, size);
      return file.slice(start, end + 1, type);
    },
    async delete(key) {
      const path = pathOf(key);
      // A folder holding other keys is not this object: leave it alone.
      if ((await sizeOf(path)) === null) return;
      await rm(path, { force: true });
      await rm(`${path}~mime`, { force: true });
    },
  };
}
