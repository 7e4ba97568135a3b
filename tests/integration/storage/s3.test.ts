/** What only the S3 store does: multipart, private objects, presigned URLs, and an unreachable server. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createS3BlobStore, type S3BlobStore } from "../../../src/storage/index.ts";
import { startTestS3, type SeenRequest, type TestS3 } from "../../helpers/s3.ts";
import { BIG_FILE_BYTES, patternBytes, sha256 } from "./blob-store.contract.ts";

/** Real servers and retries with backoff: more than bun's 5 s default, on a slow machine. */
const SLOW = { timeout: 30_000 };
const UNREACHABLE = /^S3 is unreachable at http:\/\/127\.0\.0\.1:\d+ /;

describe("S3 BlobStore on s3rver", () => {
  let s3: TestS3;
  let store: S3BlobStore;
  let files: string;
  let bigFile: string;
  const bigData = patternBytes(BIG_FILE_BYTES, 99);
  /** The requests made while `run` ran. */
  const requestsDuring = async (run: () => Promise<unknown>): Promise<SeenRequest[]> => {
    const from = s3.requests.length;
    await run();
    return s3.requests.slice(from);
  };
  const line = (r: SeenRequest) => `${r.method} ${r.url.replace(/uploadId=[^&]+/, "uploadId=*").replace(/[?&]x-id=\w+/, "")}`;

  beforeAll(async () => {
    files = await mkdtemp(join(tmpdir(), "dictate-s3-src-"));
    bigFile = join(files, "big.webm");
    await Bun.write(bigFile, bigData);
    s3 = await startTestS3();
    store = createS3BlobStore(s3.options);
  });
  afterAll(async () => {
    try {
      store?.destroy();
      await s3?.cleanup();
    } finally {
      await rm(files, { recursive: true, force: true });
    }
  });

  test("a 12 MB file goes up in three 5 MB-part multipart requests; a small one in one PutObject; both are confirmed by a HEAD", async () => {
    const big = await requestsDuring(() => store.putFile("multi/big.webm", bigFile, "video/webm"));
    const lines = big.map(line);
    expect(lines[0]).toBe("POST /dictate-test/multi/big.webm?uploads=");
    // The parts go up concurrently, so in any order.
    expect(lines.slice(1, 4).sort()).toEqual([1, 2, 3].map((n) => `PUT /dictate-test/multi/big.webm?partNumber=${n}&uploadId=*`));
    expect(lines.slice(4)).toEqual(["POST /dictate-test/multi/big.webm?uploadId=*", "HEAD /dictate-test/multi/big.webm"]);
    const partSizes = big.filter((r) => r.method === "PUT").map((r) => Number(r.headers["content-length"]));
    expect(partSizes.sort((a, b) => a - b)).toEqual([2, 5, 5].map((mb) => mb * 1024 * 1024));
    const small = await requestsDuring(() => store.put("multi/small.webm", patternBytes(1000), "video/webm"));
    expect(small.map(line)).toEqual(["PUT /dictate-test/multi/small.webm", "HEAD /dictate-test/multi/small.webm"]);
  }, SLOW);

  test("uploads never ask for a public ACL", async () => {
    const seen = await requestsDuring(async () => {
      await store.putFile("acl/big.webm", bigFile, "video/webm");
      await store.put("acl/small.webm", patternBytes(10), "video/webm");
    });
    expect(seen.length).toBeGreaterThanOrEqual(7);
    // s3rver enforces no ACL at all (a request without credentials is served like any other), so an
    // unsigned GET succeeding or failing here would prove nothing about real S3. What is real: the
    // store never sends an ACL or grant header, so objects keep the bucket's default, private.
    for (const r of seen) {
      expect(Object.keys(r.headers).filter((h) => h === "x-amz-acl" || h.startsWith("x-amz-grant-"))).toEqual([]);
    }
  }, SLOW);

  test("a presigned URL serves the object to a plain fetch, and a Range request on it answers 206", async () => {
    const data = patternBytes(1000, 5);
    await store.put("play/rec.webm", data, "video/webm");
    const url = new URL(await store.presignGet("play/rec.webm", 300));
    expect(url.origin + url.pathname).toBe(`${s3.endpoint}/${s3.bucket}/play/rec.webm`);
    expect(url.searchParams.get("X-Amz-Expires")).toBe("300");
    expect(url.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
    expect(url.searchParams.get("X-Amz-Credential")).toStartWith("S3RVER/");

    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get("content-type")).toBe("video/webm");
    expect(new Uint8Array(await whole.arrayBuffer())).toEqual(data);

    const part = await fetch(url, { headers: { Range: "bytes=100-199" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe("bytes 100-199/1000");
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(data.slice(100, 200));
  }, SLOW);

  test("with a public endpoint, presigned URLs name it (browsers reach storage where the server does not)", async () => {
    const data = patternBytes(300, 9);
    await store.put("play/public.webm", data, "video/webm");
    // The same s3rver under another name: the server uses 127.0.0.1, browsers "localhost".
    const publicEndpoint = s3.endpoint.replace("127.0.0.1", "localhost");
    const viaPublic = createS3BlobStore({ ...s3.options, publicEndpoint });
    try {
      const url = new URL(await viaPublic.presignGet("play/public.webm", 300));
      expect(url.origin).toBe(publicEndpoint);
      expect(url.pathname).toBe(`/${s3.bucket}/play/public.webm`);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(data);
      // Uploads and reads still go to the server's own endpoint.
      expect(new Uint8Array(await (await viaPublic.read("play/public.webm"))!.arrayBuffer())).toEqual(data);
    } finally {
      viaPublic.destroy();
    }
  }, SLOW);

  test("a presigned URL stops working once it has expired", async () => {
    await store.put("play/short.webm", patternBytes(10), "video/webm");
    const url = new URL(await store.presignGet("play/short.webm", 1));
    // s3rver checks X-Amz-Date + X-Amz-Expires (though not the signature itself); X-Amz-Date has whole seconds.
    const d = url.searchParams.get("X-Amz-Date")!;
    const signedAt = Date.parse(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(9, 11)}:${d.slice(11, 13)}:${d.slice(13, 15)}Z`);
    await Bun.sleep(Math.max(0, signedAt + 1000 - Date.now()) + 1100);
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("Request has expired");
  }, SLOW);

  test("presignGet refuses lifetimes S3 would not accept", async () => {
    for (const seconds of [0, -1, 1.5, 604_801, Number.NaN]) {
      await expect(store.presignGet("play/rec.webm", seconds)).rejects.toThrow(RangeError);
    }
  }, SLOW);

  test("with the server down every operation rejects as unreachable; after a restart it all works, data intact", async () => {
    const data = patternBytes(2000, 6);
    await store.put("down/kept.webm", data, "video/webm");
    await s3.stop();
    try {
      const src = join(files, "down.bin");
      await Bun.write(src, patternBytes(100));
      const attempts: Array<[string, () => Promise<unknown>]> = [
        ["head", () => store.head("down/kept.webm")],
        ["read", () => store.read("down/kept.webm")],
        ["read range", () => store.read("down/kept.webm", { start: 0, end: 9 })],
        ["put", () => store.put("down/new.webm", patternBytes(100), "video/webm")],
        ["putFile", () => store.putFile("down/new.webm", src, "video/webm")],
        ["putFile multipart", () => store.putFile("down/big.webm", bigFile, "video/webm")],
        ["delete", () => store.delete("down/kept.webm")],
      ];
      for (const [name, attempt] of attempts) {
        const err = await attempt().then(
          () => new Error(`${name} resolved with the server down`),
          (e: unknown) => e as Error,
        );
        expect(`${name}: ${err.message}`).toMatch(new RegExp(`^${name}: ${UNREACHABLE.source.slice(1)}`));
        expect(err.cause).toBeDefined();
      }
    } finally {
      await s3.start();
    }
    expect(await store.head("down/kept.webm")).toEqual({ bytes: 2000, mime: "video/webm" });
    expect(new Uint8Array(await (await store.read("down/kept.webm"))!.arrayBuffer())).toEqual(data);
    expect(await store.putFile("down/big.webm", bigFile, "video/webm")).toEqual({ bytes: BIG_FILE_BYTES, mime: "video/webm" });
  }, SLOW);

  test("an upload cut off by the server stopping mid-way rejects as unreachable; retried after a restart, the whole file arrives", async () => {
    let stopping: Promise<void> | null = null;
    const off = s3.onRequest((r) => {
      if (!stopping && r.method === "PUT" && r.url.includes("partNumber=")) stopping = s3.stop();
    });
    try {
      await expect(store.putFile("cut/big.webm", bigFile, "video/webm")).rejects.toThrow(UNREACHABLE);
    } finally {
      off();
      await stopping;
      await s3.start();
    }
    expect(stopping).not.toBeNull();
    expect(await store.head("cut/big.webm")).toBeNull();
    expect(await store.putFile("cut/big.webm", bigFile, "video/webm")).toEqual({ bytes: BIG_FILE_BYTES, mime: "video/webm" });
    expect(sha256(await (await store.read("cut/big.webm"))!.arrayBuffer())).toBe(sha256(bigData));
  }, SLOW);

  test("an error answer is reported as a failure with its S3 code, not as unreachable", async () => {
    const lost = createS3BlobStore({ ...s3.options, bucket: "no-such-bucket" });
    try {
      await expect(lost.put("x/y.webm", patternBytes(10), "video/webm")).rejects.toThrow(/^S3 Upload x\/y\.webm failed \(404 NoSuchBucket\)/);
      await expect(lost.read("x/y.webm")).rejects.toThrow(/^S3 GetObject x\/y\.webm failed \(404 NoSuchBucket\)/);
      await expect(lost.delete("x/y.webm")).rejects.toThrow(/^S3 DeleteObject x\/y\.webm failed \(404 NoSuchBucket\)/);
    } finally {
      lost.destroy();
    }
  }, SLOW);
});
