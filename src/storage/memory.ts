import { assertBlobKey, type BlobStore } from "./blob-store.ts";

/** In-memory store for unit tests. */
export function createMemoryBlobStore(): BlobStore & { keys(): string[] } {
  const blobs = new Map<string, Blob>();
  return {
    kind: "memory",
    keys: () => [...blobs.keys()],
    async putFile(key, path, mime) {
      assertBlobKey(key);
      const blob = new Blob([await Bun.file(path).arrayBuffer()], { type: mime });
      blobs.set(key, blob);
      return { bytes: blob.size, mime };
    },
    async put(key, data, mime) {
      assertBlobKey(key);
      const blob = new Blob([data as Uint8Array<ArrayBuffer>], { type: mime });
      blobs.set(key, blob);
      return { bytes: blob.size, mime };
    },
    async head(key) {
      assertBlobKey(key);
      const blob = blobs.get(key);
      return blob ? { bytes: blob.size, mime: blob.type || null } : null;
    },
    async read(key, range) {
      assertBlobKey(key);
      const blob = blobs.get(key);
      if (!blob) return null;
      return range ? blob.slice(range.start, range.end + 1, blob.type) : blob;
    },
    async delete(key) {
      assertBlobKey(key);
      blobs.delete(key);
    },
  };
}
