import { afterAll } from "bun:test";
import { dropRunDatabases } from "./db.ts";

// Global hook: runs once after every test file, so the run's Postgres database never outlives it.
afterAll(async () => {
  await dropRunDatabases();
});
