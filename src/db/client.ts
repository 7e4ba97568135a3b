import { join, resolve } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { PgDatabase, PgPreparedQuery, type PgQueryResultHKT } from "drizzle-orm/pg-core";
import { readMigrationFiles } from "drizzle-orm/migrator";
import type { SQL } from "drizzle-orm";
import type { PgDialect, PgSession } from "drizzle-orm/pg-core";
import { AppError } from "../errors.ts";
import { isUnavailable } from "./errors.ts";
import { embeddedMigrations } from "./migrations.ts";
import * as schema from "./schema.ts";

export type Schema = typeof schema;
/** The drizzle handle services use; the same type over PGlite and Postgres. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Database {
  db: Db;
  kind: "pglite" | "postgres";
  /** Applies pending migrations and records them (drizzle's __drizzle_migrations). */
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** drizzle-kit's output folder in the source tree (a compiled binary carries its contents instead). */
export const MIGRATIONS_DIR = resolve(import.meta.dir, "../../migrations");

export type DatabaseOptions =
  | { databaseUrl: string; maxConnections?: number; migrationsDir?: string }
  | { dataDir: string; migrationsDir?: string }
  | { pglite: PGlite; migrationsDir?: string };

/**
 * Opens Postgres when a URL is given, else PGlite (in `dataDir/db`, or an instance the caller made);
 * a fresh `dataDir` is seeded from a migrated template (embedded.ts) instead of running initdb.
 * `migrate()` applies the migrations embedded at build time, or those in `migrationsDir` if given.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  mapOutagesToAppErrors();
  const migrationsDir = options.migrationsDir;
  // Each backend's driver is loaded only when it is used: postgres.js costs the embedded default
  // ~8 MB of memory it never needs, PGlite's JavaScript and WebAssembly cost a Postgres node more.
  if ("databaseUrl" in options) {
    const [{ default: postgres }, { drizzle }] = await Promise.all([import("postgres"), import("drizzle-orm/postgres-js")]);
    const sql = postgres(options.databaseUrl, {
      max: options.maxConnections ?? 10,
      onnotice: () => {},
      connection: { application_name: "dictate" },
      // postgres.js waits 3^n/100 s between attempts to reconnect (up to 20 s): after a 5 s outage
      // the next attempt came 7–20 s after Postgres was back, and every query (notes writes with
      // them) waited for it. Try again at most every half second instead.
      backoff: (attempt: number) => Math.min(0.05 * attempt, 0.5),
    });
    const db = drizzle({ client: sql, schema }) as unknown as Db;
    return {
      db,
      kind: "postgres",
      migrate: () => migrate(db, migrationsDir),
      ping: async () => {
        await sql`select 1`;
      },
      close: () => sql.end({ timeout: 5 }),
    };
  }
  const [{ openEmbedded }, { drizzle }] = await Promise.all([import("./embedded.ts"), import("drizzle-orm/pglite")]);
  const client = "pglite" in options ? options.pglite : await openEmbedded(join(options.dataDir, "db"), (pg) => migrate(drizzle({ client: pg, schema }) as unknown as Db, migrationsDir));
  const db = drizzle({ client, schema }) as unknown as Db;
  return {
    db,
    kind: "pglite",
    migrate: () => migrate(db, migrationsDir),
    ping: async () => {
      await client.query("select 1");
    },
    close: async () => {
      if (!client.closed) await client.close();
    },
  };
}

/**
 * Makes sure the migrated PGlite template for this build exists (see pglite-template.ts): in the
 * source run's cache by default, or in `dir` (scripts/build.sh embeds it in the binary). Returns its
 * path and whether it had to be built (seconds: initdb and the migrations, in memory).
 */
export async function writePgliteTemplate(dir?: string): Promise<{ path: string; built: boolean }> {
  const [{ writeTemplate }, { drizzle }] = await Promise.all([import("./embedded.ts"), import("drizzle-orm/pglite")]);
  return writeTemplate(dir, (pg) => migrate(drizzle({ client: pg, schema }) as unknown as Db, undefined));
}

/**
 * What drizzle's `migrate()` does once it has read the folder: the same dialect code applies what is
 * newer than the last recorded row and records each migration in `drizzle.__drizzle_migrations`.
 * (`dialect` and `session` are left out of drizzle's public typings; its own migrators use them.)
 */
function migrate(db: Db, migrationsDir: string | undefined): Promise<void> {
  const migrations = migrationsDir ? readMigrationFiles({ migrationsFolder: migrationsDir }) : embeddedMigrations();
  const { dialect, session } = db as unknown as { dialect: PgDialect; session: PgSession };
  return dialect.migrate(migrations, session, { migrationsFolder: migrationsDir ?? "(embedded)" });
}

/**
 * Runs a raw statement whose text never changes, on the hot path, as cheaply as each driver allows.
 * postgres.js: as a prepared statement, parsed and planned once per connection, then one
 * Bind/Execute; drizzle's `execute()` tells postgres.js not to prepare, which costs a Parse/Describe
 * round trip before every execution and a fresh plan each time (measured on the notes append: 168 →
 * 84 µs of the server's CPU and 320 → 238 µs of Postgres's per statement). PGlite: straight to its
 * `query()`, without the type parsers drizzle hands every query — PGlite merges those into a copy of
 * its own 318 (one per type and array type) on every call, 171 µs each, more than the insert itself
 * (0.76 → 0.31 ms of CPU per append, measured in isolation). The rows are the same: drizzle's
 * parsers only keep dates and intervals as text. (`dialect` and `session` are drizzle internals, as
 * in `migrate` below.) Results as `execute()`'s.
 */
export function executePrepared<T>(db: Db, name: string, query: SQL): Promise<T[] | { rows: T[] }> {
  const { dialect, session } = db as unknown as { dialect: PgDialect; session: PgSession };
  const client = (db as unknown as { $client?: unknown }).$client;
  if (isPglite(client)) {
    const { sql, params } = dialect.sqlToQuery(query);
    return client.query<T>(sql, params).then(
      (result) => ({ rows: result.rows }),
      (err) => {
        throw asOutage(err);
      },
    );
  }
  return session.prepareQuery(dialect.sqlToQuery(query), undefined, name, false).execute() as Promise<T[] | { rows: T[] }>;
}

/** postgres.js's client is a function (a tagged template); PGlite's an object with `query`. */
const isPglite = (client: unknown): client is PGlite => typeof client === "object" && client !== null && typeof (client as PGlite).query === "function" && "execProtocol" in client;

const asOutage = (err: unknown) =>
  !(err instanceof AppError) && isUnavailable(err)
    ? new AppError("UNAVAILABLE", "The database is unavailable; try again shortly", { cause: err, headers: { "retry-after": "5" } })
    : err;

let outagesMapped = false;
/**
 * A database that cannot be reached is an outage, not a bug: every query and transaction that fails
 * for that reason rejects with AppError("UNAVAILABLE") (its cause the driver's error), so whatever
 * sits above (HTTP routes, room sockets) answers 503 or 1013 without knowing drivers. drizzle runs
 * every query through `PgPreparedQuery.queryWithCache` and every transaction through
 * `PgDatabase.transaction`, on PGlite and Postgres alike; both are wrapped once per process.
 */
function mapOutagesToAppErrors() {
  if (outagesMapped) return;
  outagesMapped = true;
  type Method = (this: unknown, ...args: unknown[]) => Promise<unknown>;
  const query = PgPreparedQuery.prototype as unknown as { queryWithCache: Method };
  const queryWithCache = query.queryWithCache;
  query.queryWithCache = async function (...args) {
    try {
      return await queryWithCache.apply(this, args);
    } catch (err) {
      throw asOutage(err);
    }
  };
  const database = PgDatabase.prototype as unknown as { transaction: Method };
  const transaction = database.transaction;
  database.transaction = async function (...args) {
    try {
      return await transaction.apply(this, args);
    } catch (err) {
      throw asOutage(err);
    }
  };
}
