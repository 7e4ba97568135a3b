import { describe, expect, test } from "bun:test";
import { PGlite } from "@electric-sql/pglite";
import { Writable } from "node:stream";
import pino from "pino";
import { openDatabase } from "./db/index.ts";
import { users } from "./db/schema.ts";
import { serializeError } from "./logger.ts";

const SECRET = `secret-${crypto.randomUUID()}`;

/** What the app's logger writes for `{ err }`, through the same serializers. */
function logged(err: unknown): string {
  let out = "";
  const sink = new Writable({ write(chunk, _enc, done) { out += chunk; done(); } });
  pino({ serializers: { err: serializeError } }, sink).error({ err }, "failed");
  return out;
}

describe("error serializer", () => {
  test("a drizzle query error on PGlite is logged without its parameters, at any depth of cause", async () => {
    const pglite = await PGlite.create();
    const db = await openDatabase({ pglite });
    await db.migrate();
    const row = { email: `${SECRET}@example.com`, username: "x", passwordHash: `${SECRET}-hash`, calendarToken: `${SECRET}-ics` };
    await db.db.insert(users).values(row as never);
    const err = await db.db.insert(users).values(row as never).then(() => null, (e: unknown) => e);
    await db.close();
    expect(String((err as Error).message) + JSON.stringify(err)).toContain(SECRET);
    const wrapped = new Error("outer", { cause: new Error("middle", { cause: err }) });
    for (const e of [err, wrapped]) {
      const line = logged(e);
      expect(line).not.toContain(SECRET);
      expect(line).toContain("Failed query: insert into");
      expect(line).toContain("23505");
    }
  });

  test("quoted values in Postgres messages and string literals in SQL are blanked", () => {
    const pg = Object.assign(new Error(`invalid input syntax for type uuid: "${SECRET}"`), { code: "22P02", severity: "ERROR", detail: SECRET });
    const q = Object.assign(new Error(`Failed query: select 1 where x = '${SECRET}'\nparams: ${SECRET}`), { query: `select 1 where x = '${SECRET}'`, params: [SECRET], cause: pg });
    const line = logged(q);
    expect(line).not.toContain(SECRET);
    expect(line).toContain("invalid input syntax for type uuid");
    expect(line).toContain("22P02");
  });
});
