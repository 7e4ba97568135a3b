/** Where finished recordings live: local disk, S3, or memory (tests). */
export interface BlobInfo {
  bytes: number;
  mime: string | null;
}

export interface BlobStore {
  readonly kind: "local" | "memory" | "s3";
  /** Stores a file from local disk under `key` (replacing any), and returns its size once it is safely stored. */
  putFile(key: string, path: string, mime: string): Promise<BlobInfo>;
  put(key: string, data: Uint8Array, mime: string): Promise<BlobInfo>;
  head(key: string): Promise<BlobInfo | null>;
  /**
   * The object's bytes, or a slice of them (`end` inclusive); null when missing. An `end` past the
   * last byte is cut to the last byte; a `start` past it (any range of an empty object included), or
   * a malformed range (not whole numbers, negative, `end < start`), rejects with a RangeError.
   */
  read(key: string, range?: { start: number; end: number }): Promise<Blob | null>;
  /** Removes the object; removing a missing one is not an error. */
  delete(key: string): Promise<void>;
  /** A short-lived URL a browser can GET directly, where the store supports it. */
  presignGet?(key: string, expiresInSeconds: number): Promise<string>;
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9_.\/-]{0,511}$/;

export function assertBlobKey(key: string): void {
  if (!KEY.test(key) || key.split("/").some((part) => part === "" || part === "." || part === "..")) {
    throw new Error(`Invalid blob key: ${JSON.stringify(key)}`);
  }
}
