import { rmSync } from "node:fs";
import { afterAll, beforeAll } from "bun:test";
import type { Redis } from "ioredis";
import type { LoginLimits } from "../../src/auth/index.ts";
import { createRedisDirectory, type RoomLimits } from "../../src/rooms/index.ts";
import type { Config } from "../../src/config.ts";
import type { Database } from "../../src/db/index.ts";
import { createApp, loadMetrics } from "../../src/http/index.ts";
import { createLogger } from "../../src/logger.ts";
import { createServices } from "../../src/services.ts";
import type { BlobStore } from "../../src/storage/index.ts";
import { createMemoryBlobStore } from "../../src/storage/testing.ts";
import { testConfig } from "./config.ts";
import { openTestDatabase, type DbKind } from "./db.ts";
import { createClient, newUser } from "./http.ts";

export interface TestAppOptions {
  config?: Partial<Config>;
  redis?: Redis | null;
  blobs?: BlobStore;
  loginLimits?: LoginLimits;
  database?: Database;
  roomLimits?: RoomLimits;
  /** Place rooms through Redis as node `nodeId` (a second app with another id is another node). */
  cluster?: { redis: Redis; prefix: string; nodeId: string };
}

/** The real app over a real database of `kind`, driven in-process through `app.handle`. */
export async function createTestApp(kind: DbKind, options: TestAppOptions = {}) {
  const config = testConfig(options.config);
  const database = options.database ?? (await openTestDatabase(kind));
  const blobs = options.blobs ?? createMemoryBlobStore();
  const logger = createLogger((process.env.TEST_LOG_LEVEL as "silent") ?? "silent");
  const services = createServices({
    config,
    metrics: await loadMetrics(config.metricsToken !== null),
    database,
    redis: options.redis ?? null,
    blobs,
    loginLimits: options.loginLimits,
    logger,
    roomLimits: options.roomLimits,
    directory: options.cluster
      ? (createActor) =>
          createRedisDirectory(createActor, {
            redis: options.cluster!.redis,
            subscriber: options.cluster!.redis.duplicate(),
            prefix: options.cluster!.prefix,
            nodeId: options.cluster!.nodeId,
            secret: config.clusterSecret ?? "test-cluster-secret",
            logger,
            onRelay: (direction) => services.metrics.relayMessages.inc({ direction }),
          })
      : undefined,
  });
  await services.rooms.start();
  const app = createApp({ services, logger });
  return {
    app,
    services,
    database,
    blobs,
    client: () => createClient(app),
    /** A new client already signed up (and so signed in). */
    async signedUp(label?: string) {
      const c = createClient(app);
      const data = newUser(label);
      const res = await c.post("/api/auth/signup", data);
      if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${res.text}`);
      return Object.assign(c, { user: res.body.user as { id: string; email: string; username: string; calendarUrl: string }, credentials: data });
    },
    async close() {
      await services.rooms.shutdown();
      await database.close();
      // The data folder testConfig made for this app (blobs are in memory; recordings may land here).
      if (!options.config?.dataDir) rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}
export type TestApp = Awaited<ReturnType<typeof createTestApp>>;

/** Registers hooks that build the app before a suite and close it after; the returned object fills in. */
export function useTestApp(kind: DbKind, options: TestAppOptions = {}): TestApp {
  const holder = {} as TestApp;
  beforeAll(async () => {
    Object.assign(holder, await createTestApp(kind, options));
  }, 60_000);
  afterAll(async () => {
    await holder.close?.();
  });
  return holder;
}

/** The test app listening on a free loopback port, for sockets and real HTTP. */
export async function startTestServer(kind: DbKind, options: TestAppOptions = {}) {
  const t = await createTestApp(kind, options);
  t.app.listen({ port: 0, hostname: "127.0.0.1", reusePort: false });
  const url = `http://127.0.0.1:${t.app.server!.port}`;
  return {
    ...t,
    url,
    async close() {
      await t.app.stop(true);
      await t.close();
    },
  };
}
export type TestServer = Awaited<ReturnType<typeof startTestServer>>;
