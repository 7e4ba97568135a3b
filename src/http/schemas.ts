import { t } from "elysia";
import { USERNAME_MESSAGE, USERNAME_PATTERN } from "../names.ts";

/** Closed objects: an unknown field is a 422, not silently dropped. */
export const closed = <T extends Parameters<typeof t.Object>[0]>(properties: T) => t.Object(properties, { additionalProperties: false });

export const Email = t.String({
  format: "email",
  maxLength: 254,
  error: "Enter a valid email address",
});
export const Username = t.String({
  minLength: 2,
  maxLength: 32,
  // Checked again after NFKC by the accounts service (src/names.ts), which also refuses invisible characters.
  pattern: USERNAME_PATTERN,
  error: USERNAME_MESSAGE,
});
/** Spaces allowed; checked again after NFKC (1 to 60 characters) by the accounts service (src/names.ts). */
export const DisplayName = t.String({ minLength: 1, maxLength: 256, error: "1 to 60 characters" });
/** At login any string may be tried; its shape is not checked, only its length. */
export const LoginEmail = t.String({ minLength: 1, maxLength: 254, error: "Enter your email" });
export const Password = t.String({ minLength: 8, maxLength: 256, error: "At least 8 characters (256 at most)" });
export const AnyPassword = t.String({ minLength: 1, maxLength: 256, error: "Enter your password" });
export const Title = t.String({ minLength: 1, maxLength: 200, error: "1 to 200 characters" });
export const TeamName = t.String({ minLength: 1, maxLength: 80, pattern: "\\S", error: "1 to 80 characters" });
export const Agenda = t.String({ maxLength: 20_000, error: "20,000 characters at most" });
export const DateTime = t.String({ maxLength: 40, error: "An ISO 8601 date and time, e.g. 2026-11-28T10:00:00Z" });
export const Id = t.String({ maxLength: 64 });
/** An IANA time zone name; the meetings service checks that the server knows it. */
export const TimeZone = t.String({ minLength: 1, maxLength: 64, error: "An IANA time zone such as Europe/Berlin" });
export const Code = t.String({ minLength: 1, maxLength: 64, error: "A code like k7fq-xm3t-rpzw" });
