import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { MIGRATIONS_DIR } from "./client.ts";
import { embeddedMigrations } from "./migrations.ts";

describe("embedded migrations", () => {
  test("are exactly what drizzle reads from migrations/ (same statements, hashes and times)", () => {
    expect(embeddedMigrations()).toEqual(readMigrationFiles({ migrationsFolder: MIGRATIONS_DIR }));
  });

  test("every .sql file in migrations/ is in the journal and embedded", () => {
    const files = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith(".sql"));
    expect(embeddedMigrations()).toHaveLength(files.length);
  });
});
