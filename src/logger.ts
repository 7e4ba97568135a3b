import pino, { type Logger } from "pino";
import type { LogLevel } from "./config.ts";

/** JSON lines on stdout; every request line carries its request id. */
export function createLogger(level: LogLevel): Logger {
  return pino({
    level,
    base: { app: "dictate" },
    redact: ["password", "currentPassword", "*.password", "*.passwordHash"],
    serializers: { err: serializeError, error: serializeError },
  });
}
export type { Logger };

/**
 * Keys of driver errors that hold a request's values: drizzle's `params`, postgres.js's `parameters`
 * and `args`, Postgres's `detail` ("Key (email)=(…) already exists"), `where` and `internal_query`.
 */
const VALUE_KEYS = new Set(["params", "parameters", "args", "types", "values", "detail", "where", "internal_query", "internalQuery"]);
const MAX_DEPTH = 8;

/** String literals in SQL text ('…', with '' escapes) become '?'. Placeholders ($1) stay. */
const scrubSql = (sql: string) => sql.replace(/'(?:[^']|'')*'/g, "'?'");

/**
 * The log form of an error with nothing of a request's parameters in it, at any depth of `cause`:
 * drizzle's "Failed query: … params: …" loses its params (the message and the stack alike),
 * postgres.js and PGlite errors lose their parameters and detail, and the values Postgres quotes in
 * its messages (`invalid input syntax for type uuid: "…"`) are blanked. Redacting here, once,
 * covers every call site that logs `{ err }`.
 */
export function serializeError(err: unknown, depth = 0): unknown {
  if (!err || typeof err !== "object") return err;
  if (depth >= MAX_DEPTH) return { type: "Error", message: "(cause chain too deep)" };
  const e = err as Record<string, unknown> & { message?: unknown; stack?: unknown; name?: unknown };
  const message = typeof e.message === "string" ? e.message : undefined;
  let clean = message;
  if (message !== undefined) {
    if (typeof e.query === "string" && "params" in e) clean = `Failed query: ${scrubSql(e.query)}`;
    else if (isDatabaseError(e)) clean = message.replace(/"(?:[^"\\]|\\.)*"/g, '"…"');
  }
  const out: Record<string, unknown> = { type: (e.constructor as { name?: string } | undefined)?.name ?? e.name ?? "Object" };
  if (clean !== undefined) out.message = clean;
  if (typeof e.stack === "string") {
    // The stack starts with the message; keep its frames, not its values.
    const frames = message && e.stack.includes(message) ? e.stack.slice(e.stack.indexOf(message) + message.length) : e.stack.replace(/^[^\n]*/, "");
    out.stack = `${e.name ?? "Error"}: ${clean ?? ""}${frames}`;
  }
  for (const key of Object.keys(e)) {
    if (key === "message" || key === "stack" || key === "cause" || VALUE_KEYS.has(key)) continue;
    const value = e[key];
    if (key === "query" && typeof value === "string") out.query = scrubSql(value);
    else if (key === "errors" && Array.isArray(value)) out.errors = value.map((v) => serializeError(v, depth + 1));
    else if (value === null || ["string", "number", "boolean"].includes(typeof value)) out[key] = value;
  }
  if (e.cause !== undefined) out.cause = serializeError(e.cause, depth + 1);
  return out;
}

/** A Postgres server error (postgres.js `PostgresError`, PGlite `DatabaseError`): it has a SQLSTATE and a severity. */
function isDatabaseError(e: Record<string, unknown>): boolean {
  return typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code) && ("severity" in e || e.name === "PostgresError" || e.name === "DatabaseError");
}
