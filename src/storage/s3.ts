import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { assertBlobKey, type BlobInfo, type BlobStore } from "./blob-store.ts";
import { assertByteRange, clampByteRange } from "./range.ts";

export interface S3BlobStoreOptions {
  bucket: string;
  /** An S3-compatible endpoint (MinIO, s3rver, …); null or absent means AWS itself. */
  endpoint?: string | null;
  region: string;
  /** Both or neither; neither means the SDK's default credential chain (environment, instance role). */
  accessKeyId?: string | null;
  secretAccessKey?: string | null;
  /** Bucket in the path instead of the host name; defaults to true when `endpoint` is set. */
  forcePathStyle?: boolean;
  /**
   * Where browsers reach the same storage, when it differs from `endpoint` (a MinIO the server
   * calls `http://minio:9000` inside a compose network, but browsers reach at
   * `https://files.example.com`): presigned download URLs are signed for this one.
   */
  publicEndpoint?: string | null;
}

export type S3BlobStore = BlobStore & {
  presignGet: NonNullable<BlobStore["presignGet"]>;
  /** Closes the client's pooled connections. */
  destroy(): void;
};

/** lib-storage's smallest part: a file larger than this goes up as a multipart upload. */
const PART_SIZE = 5 * 1024 * 1024;
/** The longest validity S3 accepts for a presigned URL (7 days). */
const MAX_PRESIGN_SECONDS = 604_800;

/** Errors raised before any HTTP response arrived: the server could not be reached or went away. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ConnectionRefused",
  "ConnectionClosed",
  "FailedToOpenSocket",
]);

/**
 * A `BlobStore` on an S3 bucket. Uploads go through lib-storage (multipart above 5 MB, files
 * streamed from disk) and count as stored only once a HeadObject shows the full size. Objects are
 * private (no ACL is sent); browsers get at them through `presignGet`.
 *
 * Failures keep their cause: when no HTTP answer came back at all the Error's message starts with
 * "S3 is unreachable" (callers retry with backoff); an error answer becomes "S3 <op> <key> failed".
 */
export function createS3BlobStore(options: S3BlobStoreOptions): S3BlobStore {
  const { bucket, region } = options;
  const endpoint = options.endpoint ?? undefined;
  if ((options.accessKeyId ?? null) === null !== ((options.secretAccessKey ?? null) === null)) {
    throw new Error("S3 accessKeyId and secretAccessKey must be given together");
  }
  const clientFor = (at: string | undefined) =>
    new S3Client({
      region,
      endpoint: at,
      forcePathStyle: options.forcePathStyle ?? endpoint !== undefined,
      credentials:
        options.accessKeyId && options.secretAccessKey
          ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey }
          : undefined,
      // Without these a black-holed endpoint hangs forever, and the SDK only warns on a slow request.
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000, throwOnRequestTimeout: true },
    });
  const client = clientFor(endpoint);
  // Presigning is local (no request is sent): a URL for browsers is signed with their host in it.
  const presigner = options.publicEndpoint ? clientFor(options.publicEndpoint) : client;
  const where = endpoint ?? `s3.${region}.amazonaws.com`;

  const failure = (op: string, key: string, err: unknown): Error => {
    const status = statusOf(err);
    const message = err instanceof Error ? err.message : String(err);
    if (status === undefined && isNetworkError(err)) {
      return new Error(`S3 is unreachable at ${where} (${op} ${key}): ${message}`, { cause: err });
    }
    const name = err instanceof Error ? err.name : "Error";
    return new Error(`S3 ${op} ${key} failed (${status ?? "no response"} ${name}): ${message}`, { cause: err });
  };

  /**
   * The object's size and type, or null; throws on anything but a 404. (A HEAD answer has no body,
   * so a missing bucket also reads as a missing object here; reads and writes do tell them apart.)
   */
  const headObject = async (key: string): Promise<BlobInfo | null> => {
    try {
      const res = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { bytes: res.ContentLength ?? 0, mime: res.ContentType ?? null };
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw failure("HeadObject", key, err);
    }
  };

  const upload = async (key: string, body: Uint8Array | Readable, bytes: number, mime: string): Promise<BlobInfo> => {
    try {
      await new Upload({
        client,
        partSize: PART_SIZE,
        params: { Bucket: bucket, Key: key, Body: body, ContentType: mime, ContentLength: bytes },
      }).done();
    } catch (err) {
      throw failure("Upload", key, err);
    }
    const stored = await headObject(key);
    if (!stored || stored.bytes !== bytes) {
      throw new Error(`S3 upload of ${key} not confirmed: expected ${bytes} bytes, HeadObject shows ${stored ? stored.bytes : "no object"}`);
    }
    return { bytes: stored.bytes, mime: stored.mime ?? mime };
  };

  return {
    kind: "s3",
    async putFile(key, path, mime) {
      assertBlobKey(key);
      const { size } = await stat(path);
      const stream = createReadStream(path);
      try {
        return await upload(key, stream, size, mime);
      } finally {
        stream.destroy();
      }
    },
    async put(key, data, mime) {
      assertBlobKey(key);
      return upload(key, data, data.byteLength, mime);
    },
    async head(key) {
      assertBlobKey(key);
      return headObject(key);
    },
    async read(key, range) {
      assertBlobKey(key);
      if (range) assertByteRange(range);
      let res;
      try {
        res = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: key, Range: range ? `bytes=${range.start}-${range.end}` : undefined }),
        );
      } catch (err) {
        if (statusOf(err) === 404 && nameOf(err) !== "NoSuchBucket") return null;
        if (range && statusOf(err) === 416) throw new RangeError(`Range not satisfiable: bytes=${range.start}-${range.end} of ${key}`);
        throw failure("GetObject", key, err);
      }
      let bytes: Uint8Array;
      try {
        bytes = (await res.Body?.transformToByteArray()) ?? new Uint8Array();
      } catch (err) {
        throw failure("GetObject", key, err);
      }
      const type = res.ContentType ?? "application/octet-stream";
      if (!range) return new Blob([bytes as Uint8Array<ArrayBuffer>], { type });
      // Cut the answer to what was asked: a proxy may ignore Range (200, whole object), and s3rver
      // widens "bytes=0-0" to the whole object (it reads the end 0 as "absent").
      const served = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.ContentRange ?? "");
      const offset = served ? Number(served[1]) : 0;
      const total = served ? (served[3] === "*" ? offset + bytes.length : Number(served[3])) : bytes.length;
      const want = clampByteRange(range, total);
      if (want.start < offset || want.end + 1 - offset > bytes.length) {
        throw new Error(`S3 GetObject ${key} answered ${res.ContentRange ?? "the whole object"} for bytes=${range.start}-${range.end}`);
      }
      return new Blob([bytes.subarray(want.start - offset, want.end + 1 - offset) as Uint8Array<ArrayBuffer>], { type });
    },
    async delete(key) {
      assertBlobKey(key);
      try {
        // S3 answers 204 for a missing key: a 404 here is a missing bucket, which is an error.
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      } catch (err) {
        throw failure("DeleteObject", key, err);
      }
    },
    /** Signs locally (no request is made, and the object need not exist yet). */
    async presignGet(key, expiresInSeconds) {
      assertBlobKey(key);
      if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_PRESIGN_SECONDS) {
        throw new RangeError(`expiresInSeconds must be a whole number from 1 to ${MAX_PRESIGN_SECONDS} (got ${expiresInSeconds})`);
      }
      return getSignedUrl(presigner, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: expiresInSeconds });
    },
    destroy() {
      client.destroy();
      if (presigner !== client) presigner.destroy();
    },
  };
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

function nameOf(err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined;
}

function isNetworkError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, name, message } = e as { code?: unknown; name?: unknown; message?: unknown };
    if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
    if (name === "TimeoutError" || name === "NetworkingError") return true;
    if (typeof message === "string" && /socket hang up|ECONNREFUSED|Unable to connect/i.test(message)) return true;
  }
  return false;
}
