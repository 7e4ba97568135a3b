import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { S3BlobStoreOptions } from "../../src/storage/s3.ts";

/** The slice of s3rver 3.7 (a Koa app, untyped) these helpers use. */
interface S3rverInstance {
  middleware: Array<(ctx: KoaContext, next: () => Promise<void>) => Promise<void>>;
  store: FilesystemStore;
  logger: { silent: boolean };
  httpServer?: Server;
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
interface KoaContext {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  status: number;
  body: unknown;
  type: string;
  response: { get(field: string): string };
  remove(field: string): void;
}
interface FilesystemStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<void>;
  putObject(object: { bucket: string; key: string; content: Buffer | Readable; metadata: unknown }): Promise<Written>;
  putPart(bucket: string, uploadId: string, partNumber: number, content: Readable): Promise<Written>;
}
interface Written {
  size: number;
  md5: string;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;
const S3rver = createRequire(import.meta.url)("s3rver") as S3rverClass;

/** One request s3rver answered, as it arrived (lower-case header names). */
export interface SeenRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  status: number;
}

export interface TestS3 {
  readonly bucket: string;
  /** http://127.0.0.1:PORT — the same across `stop()` / `start()`. */
  readonly endpoint: string;
  readonly port: number;
  /** Where s3rver keeps buckets and objects; kept across `stop()` / `start()`. */
  readonly directory: string;
  /** What `createS3BlobStore` needs to use this server (s3rver only knows the key pair S3RVER/S3RVER). */
  readonly options: S3BlobStoreOptions;
  /** Every request received since start, oldest first (`status` is 0 until it is answered). */
  readonly requests: SeenRequest[];
  /**
   * Calls `listener` as each request arrives, before s3rver handles it; e.g. to `stop()` the server
   * in the middle of an upload. Returns a function that removes the listener.
   */
  onRequest(listener: (request: SeenRequest) => void): () => void;
  readonly running: boolean;
  /** Stops listening and drops open connections at once, as a crashed server would; keeps the data. */
  stop(): Promise<void>;
  /** Starts again on the same port and directory (after `stop()`). */
  start(): Promise<void>;
  /** Stops the server if it runs and deletes its directory. Safe to call twice. */
  cleanup(): Promise<void>;
}

/** s3rver in-process on 127.0.0.1, on a free port, in a fresh temp directory, with one empty bucket. */
export async function startTestS3({ bucket = "dictate-test" }: { bucket?: string } = {}): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), "dictate-s3rver-"));
  const requests: SeenRequest[] = [];
  const listeners = new Set<(request: SeenRequest) => void>();
  let server: S3rverInstance | null = null;
  let port = 0;

  const launch = async () => {
    const instance = new S3rver({
      address: "127.0.0.1",
      port,
      directory,
      silent: true,
      vhostBuckets: false,
      configureBuckets: [{ name: bucket }],
    });
    // `silent` quiets only the console transport; a request still running when `stop()` closed the
    // logger would print winston's "no transports" warning.
    instance.logger.silent = true;
    waitForWrites(instance.store);
    // Koa composes its middleware list when it starts listening, so this runs before s3rver's own.
    instance.middleware.unshift(async (ctx, next) => {
      const seen = { method: ctx.method, url: ctx.url, headers: { ...ctx.headers }, status: 0 };
      requests.push(seen);
      for (const listener of listeners) listener(seen);
      try {
        await next();
        answerEmptyRangeAsS3Does(ctx);
        seen.status = ctx.status;
      } catch (err) {
        // s3rver throws its S3 errors for Koa to render; the status rides on the error.
        seen.status = (err as { status?: number }).status ?? 500;
        throw err;
      }
    });
    const address = await instance.run();
    port = address.port;
    server = instance;
  };

  try {
    await launch();
  } catch (err) {
    await rm(directory, { recursive: true, force: true });
    throw err;
  }
  const endpoint = `http://127.0.0.1:${port}`;

  const stop = async () => {
    const running = server;
    if (!running) return;
    server = null;
    // Keep-alive sockets from SDK clients would hold close() open; a crash does not wait for them.
    running.httpServer?.closeAllConnections();
    await running.close();
  };

  return {
    bucket,
    endpoint,
    port,
    directory,
    options: { bucket, endpoint, region: "us-east-1", accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    requests,
    onRequest(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get running() {
      return server !== null;
    },
    stop,
    async start() {
      if (server) throw new Error("s3rver is already running");
      await launch();
    },
    async cleanup() {
      try {
        await stop();
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    },
  };
}

/**
 * s3rver 3.7.1 answers a Range request on an empty object with 206, `Content-Length: 1` and no body,
 * so the client waits for a byte that never comes. S3 answers 416 InvalidRange; so does this.
 */
function answerEmptyRangeAsS3Does(ctx: KoaContext): void {
  if (ctx.status !== 206 || !/\/0$/.test(ctx.response.get("Content-Range"))) return;
  (ctx.body as { destroy?: () => void } | null)?.destroy?.();
  ctx.remove("Content-Range");
  ctx.status = 416;
  ctx.type = "application/xml";
  ctx.body =
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InvalidRange</Code>' +
    "<Message>The requested range is not satisfiable</Message><ActualObjectSize>0</ActualObjectSize></Error>";
}

/**
 * s3rver 3.7.1 answers PutObject and UploadPart once its hashing stream has seen the bytes, before
 * the file stream has written them, so a HeadObject or GetObject right after can find a short or
 * empty file (seen often under Bun). S3 is read-after-write consistent; these versions answer only
 * once the file is complete.
 */
function waitForWrites(store: FilesystemStore): void {
  const write = async (content: Buffer | Readable, path: string): Promise<Written> => {
    await mkdir(dirname(path), { recursive: true });
    const md5 = createHash("md5");
    let size = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        md5.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    await pipeline(Buffer.isBuffer(content) ? Readable.from([content]) : content, count, createWriteStream(path));
    return { size, md5: md5.digest("hex") };
  };
  store.putObject = async function (object) {
    const written = await write(object.content, this.getResourcePath(object.bucket, object.key, "object"));
    await this.putMetadata(object.bucket, object.key, object.metadata, written.md5);
    return written;
  };
  store.putPart = async function (bucket, uploadId, partNumber, content) {
    const path = join(this.getResourcePath(bucket, undefined, "uploads"), uploadId, String(partNumber));
    const written = await write(content, path);
    await writeFile(`${path}.md5`, written.md5);
    return written;
  };
}
