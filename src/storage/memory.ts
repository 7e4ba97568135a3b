import { assertBlobKey, type BlobStore } from "./blob-store.ts";
import { assertByteRange, clampByteRange } from "./range.ts";

/** In-memory store for unit tests. */
export function createMemoryBlobStore(): BlobStore & { keys(): string[] } {
  // The mime is kept beside the Blob: Blob.type lower-cases it, and drops it if not plain ASCII.
  const blobs = new Map<string, { blob: Blob; mime: string }>();
  const set = (key: string, blob: Blob, mime: string) => {
    blobs.set(key, { blob, mime });
    return { bytes: blob.size, mime };
  };
  return {
    kind: "memory",
    keys: () => [...blobs.keys()],
    async putFile(key, path, mime) {
      assertBlobKey(key);
      return set(key, new Blob([await Bun.file(path).arrayBuffer()], { type: mime }), mime);
    },
    async put(key, data, mime) {
      assertBlobKey(key);
      return set(key, new Blob([data as Uint8Array<ArrayBuffer>], { type: mime }), mime);
    },
    async head(key) {
      assertBlobKey(key);
      const entry = blobs.get(key);
      return entry ? { bytes: entry.blob.size, mime: entry.mime } : null;
    },
    async read(key, range) {
      assertBlobKey(key);
      if (range) assertByteRange(range);
      const entry = blobs.get(key);
      if (!entry) return null;
      if (!range) return entry.blob;
      const { start, end } = clampByteRange(range, entry.blob.size);
      return entry.blob.slice(start, end + 1, entry.blob.type);
    },
    async delete(key) {
      assertBlobKey(key);
      blobs.delete(key);
    },
  };
}
