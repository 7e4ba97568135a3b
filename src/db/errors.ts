/** The Postgres error behind a driver or drizzle error (drizzle wraps it in `cause`). */
function pgError(err: unknown): { code?: string; constraint?: string; constraint_name?: string } | null {
  let e: unknown = err;
  for (let i = 0; i < 4 && e && typeof e === "object"; i++) {
    if ("code" in e && typeof (e as { code: unknown }).code === "string") return e as never;
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

/** True when `err` is a unique violation, of `constraint` if given. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = pgError(err);
  if (e?.code !== "23505") return false;
  if (!constraint) return true;
  const name = e.constraint ?? e.constraint_name;
  return name === undefined || name === constraint;
}

/** Node socket errors and postgres.js's own codes for a connection that failed or went away. */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
]);

/**
 * True when `err` (at any depth of `cause`) says the database or Redis cannot be reached right now,
 * rather than that the request was wrong: a refused or dropped connection, Postgres's connection
 * exceptions (SQLSTATE class 08), a server shutting down or not yet accepting (57P01-57P03), too
 * many connections (53300), a closed PGlite, or ioredis giving up on a command.
 */
export function isUnavailable(err: unknown): boolean {
  let e: unknown = err;
  for (let i = 0; i < 8 && e && typeof e === "object"; i++) {
    const { code, name, message } = e as { code?: unknown; name?: unknown; message?: unknown };
    if (typeof code === "string" && (CONNECTION_CODES.has(code) || code.startsWith("08") || /^57P0[123]$/.test(code) || code === "53300")) return true;
    if (name === "MaxRetriesPerRequestError") return true;
    if (typeof message === "string" && /^(Connection is closed\.|PGlite is closed|Stream isn't writeable)/.test(message)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
