import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { assertBlobKey, type BlobInfo, type BlobStore } from "./blob-store.ts";

/** Files under `root`; a write goes to a temp name and is renamed, so a crash never leaves half a file. */
export function createLocalBlobStore(root: string): BlobStore {
  const pathOf = (key: string) => {
    assertBlobKey(key);
    return join(root, key);
  };
  const mimeOf = async (path: string) => {
    const file = Bun.file(`${path}.mime`);
    return (await file.exists()) ? (await file.text()).trim() || null : null;
  };
  const write = async (key: string, data: Uint8Array | Blob, mime: string): Promise<BlobInfo> => {
    const path = pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${crypto.randomUUID()}.tmp`;
    try {
      const bytes = await Bun.write(tmp, data);
      await Bun.write(`${path}.mime`, mime);
      await rename(tmp, path);
      return { bytes, mime };
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  };
  return {
    kind: "local",
    putFile: (key, path, mime) => write(key, Bun.file(path), mime),
    put: (key, data, mime) => write(key, data, mime),
    async head(key) {
      const path = pathOf(key);
      try {
        const s = await stat(path);
        return { bytes: s.size, mime: await mimeOf(path) };
      } catch {
        return null;
      }
    },
    async read(key, range) {
      const path = pathOf(key);
      const file = Bun.file(path);
      if (!(await file.exists())) return null;
      const type = (await mimeOf(path)) ?? "application/octet-stream";
      return range ? file.slice(range.start, range.end + 1, type) : file.slice(0, file.size, type);
    },
    async delete(key) {
      const path = pathOf(key);
      await rm(path, { force: true });
      await rm(`${path}.mime`, { force: true });
    },
  };
}
