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
    const name = `dictate_test_${Date.now()}_${process.pid}`;
    const admin = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`create database ${name}`);
    } finally {
      await admin.end();
    }
    const url = new URL(POSTGRES_ADMIN_URL);
    url.pathname = `/${name}`;
    createdDatabases.push(name);
    const db = await openDatabase({ databaseUrl: url.toString(), maxConnections: 1 });
    await db.migrate();
    await db.close();
    return url.toString();
  })();
  return runDatabase;
}

export const createdDatabases: string[] = [];

export async function dropRunDatabases(): Promise<void> {
  if (createdDatabases.length === 0) return;
  const admin = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    for (const name of createdDatabases.splice(0)) await admin.unsafe(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.end();
  }
}

/** A migrated database of the given kind: a PGlite clone of the template, or a pool on the run's Postgres database. */
export async function openTestDatabase(kind: DbKind): Promise<Database> {
  if (kind === "postgres") return openDatabase({ databaseUrl: await postgresRunDatabaseUrl(), maxConnections: 5 });
  const pglite = await PGlite.create({ loadDataDir: await pgliteTemplate() });
  return openDatabase({ pglite });
}
