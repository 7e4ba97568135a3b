/** Wiring only: config → db → redis → app.listen. */
import { mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "./config.ts";
import { openDatabase } from "./db/index.ts";
import { createApp, loadMetrics } from "./http/index.ts";
import { createLogger } from "./logger.ts";
import { createServices } from "./services.ts";
import { startMedia } from "./media/index.ts";
import { createRedisDirectory } from "./rooms/index.ts";
import { createLocalBlobStore } from "./storage/local.ts";

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(78);
  }
  throw err;
}

const logger = createLogger(config.logLevel);
mkdirSync(config.dataDir, { recursive: true });

const database = await openDatabase(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir });
await database.migrate();
logger.info({ database: database.kind }, "database ready");

// While Redis is down a command fails after one reconnect attempt (at most half a second apart),
// so requests answer 503 at once instead of after ioredis's default backoff of up to 2 s per retry.
// ioredis and the AWS SDK are loaded only when configured: on the embedded default they would hold
// ~40 MB of memory for nothing.
const redis = config.redisUrl
  ? new (await import("ioredis")).Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: (times) => Math.min(times * 50, 500) })
  : null;
if (redis) {
  await redis.connect();
  logger.info("redis connected");
}

const blobs = config.s3 ? (await import("./storage/s3.ts")).createS3BlobStore(config.s3) : createLocalBlobStore(join(config.dataDir, "blobs"));

const { media, stop: stopMedia } = await startMedia(config, logger);
const nodeId = `${hostname()}-${process.pid}-${crypto.randomUUID().slice(0, 4)}`;
const directory = redis
  ? (createActor: Parameters<typeof createRedisDirectory>[0]) =>
      createRedisDirectory(createActor, {
        redis,
        subscriber: redis.duplicate(),
        prefix: config.redisPrefix,
        nodeId,
        logger,
        // loadConfig refuses REDIS_URL without CLUSTER_SECRET.
        secret: config.clusterSecret!,
        onRelay: (direction) => services.metrics.relayMessages.inc({ direction }),
      })
  : undefined;
// prom-client is loaded only when /metrics can be read (METRICS_TOKEN).
const metrics = await loadMetrics(config.metricsToken !== null);
const services = createServices({ config, database, redis, blobs, logger, directory, media, metrics });
await services.rooms.start();
services.recordingWorker.start();
const app = createApp({ services, logger });
// The app refuses bodies over 64 KB by Content-Length; this caps chunked ones the same way.
/** Releases what was started, in order; rooms first: they save, and close their sockets (1012, reconnect), which lets the server stop. */
async function release() {
  await services.rooms.shutdown();
  if (app.server) await app.stop(true);
  await services.recordingWorker.stop();
  await stopMedia();
  await redis?.quit();
  await database.close();
}

try {
  app.listen({ port: config.port, hostname: config.host, reusePort: false, maxRequestBodySize: 1024 * 1024 });
} catch (err) {
  // The port is taken (or the address is not ours): say so, and take down the Janus we started.
  logger.fatal({ err, port: config.port, host: config.host }, `cannot listen on ${config.host}:${config.port}`);
  await release();
  process.exit(1);
}
logger.info({ url: config.publicUrl, port: app.server?.port, node: redis ? nodeId : undefined }, "Dictate is listening");

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down");
  await release();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
