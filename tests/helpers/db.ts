import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import { openDatabase, type Database } from "../../src/db/index.ts";

export type DbKind = "pglite" | "postgres";
export const DB_KINDS: DbKind[] = ["pglite", "postgres"];

/** Admin connection used to create the run's own database; override with TEST_POSTGRES_URL. */
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

let template: Promise<Blob> | undefined;
/** A migrated PGlite data dir, made once per run: a fresh instance costs seconds, a clone far less. */
function pgliteTemplate(): Promise<Blob> {
  template ??= (async () => {
    const pglite = await PGlite.create();
    const db = await openDatabase({ pglite });
    await db.migrate();
    const dump = await pglite.dumpDataDir("none");
    await db.close();
    return dump;
  })();
  return template;
}

let runDatabase: Promise<string> | undefined;
/** One fresh Postgres database for this test run, migrated; dropped when the run ends. */
export function postgresRunDatabaseUrl(): Promise<string> {
  runDatabase ??= (async () => {
    const url = await createTrackedDatabase(`dictate_test_${Date.now()}_${process.pid}`);
    const db = await openDatabase({ databaseUrl: url, maxConnections: 1 });
    await db.migrate();
    await db.close();
    return url.toString();
  })();
  return runDatabase;
}

export const createdDatabases: string[] = [];

export async function dropRunDatabases(): Promise<void> {
  await dropPostgresDatabases(createdDatabases.splice(0));
}

/** Creates an empty database on the admin URL's server and returns its URL. */
export async function createPostgresDatabase(name: string, adminUrl = POSTGRES_ADMIN_URL): Promise<string> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops databases (those still connected are disconnected). */
export async function dropPostgresDatabases(names: string[], adminUrl = POSTGRES_ADMIN_URL): Promise<void> {
  if (names.length === 0) return;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    for (const name of names) await admin.unsafe(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.end();
  }
}

/** A database for this test run, dropped with the others when the run ends (`dropRunDatabases`). */
export async function createTrackedDatabase(name: string): Promise<string> {
  const url = await createPostgresDatabase(name);
  createdDatabases.push(name);
  return url;
}

/** A migrated database of the given kind: a PGlite clone of the template, or a pool on the run's Postgres database. */
export async function openTestDatabase(kind: DbKind): Promise<Database> {
  if (kind === "postgres") return openDatabase({ databaseUrl: await postgresRunDatabaseUrl(), maxConnections: 5 });
  const pglite = await PGlite.create({ loadDataDir: await pgliteTemplate() });
  return openDatabase({ pglite });
}
