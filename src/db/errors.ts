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
