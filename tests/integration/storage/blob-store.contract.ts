/**
 * What every `BlobStore` promises, run against each implementation (local disk, memory, S3 on s3rver).
 * The S3 run is the one that counts; the others keep the fakes honest.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BlobStore } from "../../../src/storage/index.ts";

export interface ContractStore {
  store: BlobStore;
  /** Releases the store and whatever it runs on; called even when tests failed. */
  close(): Promise<void>;
}

/** Bytes that differ at every offset, so a slice from the wrong place cannot pass. */
export function patternBytes(size: number, seed = 1): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

export const sha256 = (data: Uint8Array | ArrayBuffer) => new Bun.CryptoHasher("sha256").update(data).digest("hex");
const bytesOf = async (blob: Blob | null) => new Uint8Array(await blob!.arrayBuffer());

/** lib-storage's part size; 12 MB is three parts on S3 (5 + 5 + 2). */
const PART = 5 * 1024 * 1024;
export const BIG_FILE_BYTES = 12 * 1024 * 1024;

const INVALID_KEYS = [
  "",
  "/abs",
  "trailing/",
  "a//b",
  "../escape",
  "a/../b",
  "a/./b",
  ".hidden",
  "-dash-first",
  "space in key",
  "back\\slash",
  "query?x=1",
  "percent%2F",
  "ünïcode",
  "x".repeat(513),
];

export function describeBlobStoreContract(name: string, open: () => Promise<ContractStore>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let opened: ContractStore | null = null;
    let store: BlobStore;
    let files: string;
    let n = 0;
    /** A fresh key prefix per test, so tests never see each other's objects. */
    const prefix = () => `t${++n}-${crypto.randomUUID().slice(0, 8)}`;

    beforeAll(async () => {
      files = await mkdtemp(join(tmpdir(), "dictate-blob-src-"));
      opened = await open();
      store = opened.store;
    });
    afterAll(async () => {
      try {
        await opened?.close();
      } finally {
        await rm(files, { recursive: true, force: true });
      }
    });

    test("put stores the bytes and the mime; head and read give them back", async () => {
      const key = `${prefix()}/clip.webm`;
      const data = patternBytes(1000);
      expect(await store.put(key, data, "video/webm")).toEqual({ bytes: 1000, mime: "video/webm" });
      expect(await store.head(key)).toEqual({ bytes: 1000, mime: "video/webm" });
      const blob = await store.read(key);
      expect(blob!.type).toBe("video/webm");
      expect(blob!.size).toBe(1000);
      expect(await bytesOf(blob)).toEqual(data);
    });

    test("the mime is kept as given, parameters included", async () => {
      const p = prefix();
      for (const [i, mime] of ["video/webm;codecs=vp8,opus", "audio/ogg; codecs=opus", "application/octet-stream", "video/mp4"].entries()) {
        await store.put(`${p}/m${i}`, patternBytes(10, i + 1), mime);
        expect((await store.head(`${p}/m${i}`))!.mime).toBe(mime);
        expect((await store.read(`${p}/m${i}`))!.type).toBe(mime);
      }
    });

    test("putFile stores a file from disk and leaves the source file in place", async () => {
      const key = `${prefix()}/rec.webm`;
      const src = join(files, "small.bin");
      const data = patternBytes(4096, 7);
      await Bun.write(src, data);
      expect(await store.putFile(key, src, "video/webm")).toEqual({ bytes: 4096, mime: "video/webm" });
      expect((await stat(src)).size).toBe(4096);
      expect(await store.head(key)).toEqual({ bytes: 4096, mime: "video/webm" });
      expect(await bytesOf(await store.read(key))).toEqual(data);
    });

    test("a 12 MB file goes through putFile intact, ranges across part boundaries included", async () => {
      const key = `${prefix()}/big.webm`;
      const src = join(files, "big.bin");
      const data = patternBytes(BIG_FILE_BYTES, 42);
      await Bun.write(src, data);
      expect(await store.putFile(key, src, "video/webm")).toEqual({ bytes: BIG_FILE_BYTES, mime: "video/webm" });
      expect(await store.head(key)).toEqual({ bytes: BIG_FILE_BYTES, mime: "video/webm" });
      expect(sha256(await bytesOf(await store.read(key)))).toBe(sha256(data));
      // 100 bytes either side of the first part boundary, and the very last byte.
      expect(await bytesOf(await store.read(key, { start: PART - 100, end: PART + 99 }))).toEqual(data.slice(PART - 100, PART + 100));
      expect(await bytesOf(await store.read(key, { start: BIG_FILE_BYTES - 1, end: BIG_FILE_BYTES - 1 }))).toEqual(data.slice(-1));
    }, { timeout: 30_000 });

    test("read with a range returns that slice, end inclusive, with the object's mime", async () => {
      const key = `${prefix()}/r.bin`;
      const data = patternBytes(100, 3);
      await store.put(key, data, "audio/ogg");
      const slice = async (start: number, end: number) => bytesOf(await store.read(key, { start, end }));
      expect(await slice(0, 0)).toEqual(data.slice(0, 1));
      expect(await slice(10, 19)).toEqual(data.slice(10, 20));
      expect(await slice(99, 99)).toEqual(data.slice(99, 100));
      expect(await slice(0, 99)).toEqual(data);
      expect((await store.read(key, { start: 10, end: 19 }))!.type).toBe("audio/ogg");
    });

    test("a range ending past the last byte is cut there; one starting past it is refused", async () => {
      const key = `${prefix()}/r.bin`;
      const data = patternBytes(100, 4);
      await store.put(key, data, "audio/ogg");
      expect(await bytesOf(await store.read(key, { start: 90, end: 1000 }))).toEqual(data.slice(90));
      expect(await bytesOf(await store.read(key, { start: 0, end: Number.MAX_SAFE_INTEGER }))).toEqual(data);
      await expect(store.read(key, { start: 100, end: 100 })).rejects.toThrow(RangeError);
      await expect(store.read(key, { start: 150, end: 200 })).rejects.toThrow(/not satisfiable/);
    });

    test("malformed ranges are refused", async () => {
      const key = `${prefix()}/r.bin`;
      await store.put(key, patternBytes(100, 5), "audio/ogg");
      for (const range of [{ start: 5, end: 4 }, { start: -1, end: 3 }, { start: 1.5, end: 3 }, { start: 0, end: Number.NaN }]) {
        await expect(store.read(key, range)).rejects.toThrow(RangeError);
      }
    });

    test("an empty object has size 0, reads as empty, and no range of it is satisfiable", async () => {
      const key = `${prefix()}/empty`;
      expect(await store.put(key, new Uint8Array(0), "video/webm")).toEqual({ bytes: 0, mime: "video/webm" });
      expect(await store.head(key)).toEqual({ bytes: 0, mime: "video/webm" });
      expect((await store.read(key))!.size).toBe(0);
      await expect(store.read(key, { start: 0, end: 0 })).rejects.toThrow(RangeError);
    });

    test("a missing key: head and read answer null, with or without a range", async () => {
      const key = `${prefix()}/missing.webm`;
      expect(await store.head(key)).toBeNull();
      expect(await store.read(key)).toBeNull();
      expect(await store.read(key, { start: 0, end: 10 })).toBeNull();
    });

    test("overwriting replaces the bytes, the size and the mime", async () => {
      const key = `${prefix()}/o.bin`;
      await store.put(key, patternBytes(500, 8), "video/webm");
      const second = patternBytes(123, 9);
      expect(await store.put(key, second, "video/mp4")).toEqual({ bytes: 123, mime: "video/mp4" });
      expect(await store.head(key)).toEqual({ bytes: 123, mime: "video/mp4" });
      expect(await bytesOf(await store.read(key))).toEqual(second);
      const src = join(files, "third.bin");
      const third = patternBytes(77, 10);
      await Bun.write(src, third);
      await store.putFile(key, src, "audio/ogg");
      expect(await store.head(key)).toEqual({ bytes: 77, mime: "audio/ogg" });
      expect(await bytesOf(await store.read(key))).toEqual(third);
    });

    test("delete removes the object; deleting a missing one is not an error; the key can be used again", async () => {
      const key = `${prefix()}/d.bin`;
      await store.put(key, patternBytes(50, 11), "video/webm");
      await store.delete(key);
      expect(await store.head(key)).toBeNull();
      expect(await store.read(key)).toBeNull();
      await store.delete(key);
      await store.delete(`${prefix()}/never-existed`);
      await store.put(key, patternBytes(20, 12), "video/webm");
      expect((await store.head(key))!.bytes).toBe(20);
    });

    test("keys with folders: siblings are separate, and a folder is not an object", async () => {
      const p = prefix();
      const a = patternBytes(30, 13);
      const b = patternBytes(40, 14);
      await store.put(`${p}/2024/06/a.webm`, a, "video/webm");
      await store.put(`${p}/2024/06/b.webm`, b, "video/webm");
      expect(await bytesOf(await store.read(`${p}/2024/06/a.webm`))).toEqual(a);
      expect(await bytesOf(await store.read(`${p}/2024/06/b.webm`))).toEqual(b);
      for (const folder of [p, `${p}/2024`, `${p}/2024/06`]) {
        expect(await store.head(folder)).toBeNull();
        expect(await store.read(folder)).toBeNull();
        await store.delete(folder);
      }
      await store.delete(`${p}/2024/06/a.webm`);
      expect(await store.head(`${p}/2024/06/a.webm`)).toBeNull();
      expect(await store.head(`${p}/2024/06/b.webm`)).toEqual({ bytes: 40, mime: "video/webm" });
    });

    test("keys that extend another key are separate objects", async () => {
      const p = prefix();
      const keys = [`${p}/x`, `${p}/x.mime`, `${p}/x.tmp`, `${p}/x.webm`];
      for (const [i, key] of keys.entries()) await store.put(key, patternBytes(10 + i, 20 + i), `video/x-${i}`);
      for (const [i, key] of keys.entries()) {
        expect(await store.head(key)).toEqual({ bytes: 10 + i, mime: `video/x-${i}` });
        expect(await bytesOf(await store.read(key))).toEqual(patternBytes(10 + i, 20 + i));
      }
      await store.delete(`${p}/x`);
      expect(await store.head(`${p}/x.mime`)).toEqual({ bytes: 11, mime: "video/x-1" });
    });

    test("invalid keys are refused by every method, before anything is stored", async () => {
      const src = join(files, "k.bin");
      await Bun.write(src, patternBytes(5));
      for (const key of INVALID_KEYS) {
        await expect(store.put(key, patternBytes(5), "video/webm")).rejects.toThrow(/Invalid blob key/);
        await expect(store.putFile(key, src, "video/webm")).rejects.toThrow(/Invalid blob key/);
        await expect(store.head(key)).rejects.toThrow(/Invalid blob key/);
        await expect(store.read(key)).rejects.toThrow(/Invalid blob key/);
        await expect(store.delete(key)).rejects.toThrow(/Invalid blob key/);
        if (store.presignGet) await expect(store.presignGet(key, 60)).rejects.toThrow(/Invalid blob key/);
      }
    });

    test("putFile of a missing source file fails and stores nothing", async () => {
      const key = `${prefix()}/nothing.webm`;
      await expect(store.putFile(key, join(files, "does-not-exist.webm"), "video/webm")).rejects.toThrow();
      expect(await store.head(key)).toBeNull();
    });
  });
}
