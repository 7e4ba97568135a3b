/**
 * The one rule for names people see: usernames, display and guest names, team names and meeting
 * titles. A name is NFKC-normalised (full-width and compatibility forms become their plain letters,
 * so "Ａｌｉｃｅ" and "Alice" are the same name) and trimmed, and it may hold no character that is
 * invisible or changes how the text around it is drawn: controls (`\p{Cc}`), format characters
 * (`\p{Cf}`: bidi overrides and isolates, zero-width spaces and joiners, the BOM, soft hyphens) and
 * line/paragraph separators. Those are how one name passes for another or scrambles a list.
 */
import { AppError } from "./errors.ts";

export type NameResult = { ok: true; value: string } | { ok: false; message: string };

export interface NameRules {
  /** Fewest characters after normalising (default 1; 0 allows an empty name). */
  minLength?: number;
  /** Most characters (code points) after normalising (default 200). */
  maxLength?: number;
}

// \p{Cs}: a lone surrogate (JSON may carry one) is not text at all.
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

export const INVISIBLE_MESSAGE = "Remove invisible or control characters (such as zero-width spaces or text-direction marks)";

/** Normalises `raw` to NFKC, trims it, and checks it against the rules. */
export function normalizeName(raw: string, rules: NameRules = {}): NameResult {
  const { minLength = 1, maxLength = 200 } = rules;
  if (FORBIDDEN.test(raw)) return { ok: false, message: INVISIBLE_MESSAGE };
  const value = raw.normalize("NFKC").trim();
  // NFKC maps some characters onto others; check what is actually stored as well.
  if (FORBIDDEN.test(value)) return { ok: false, message: INVISIBLE_MESSAGE };
  const length = [...value].length;
  if (length < minLength) return { ok: false, message: minLength === 1 ? "Enter a name" : `At least ${minLength} characters` };
  if (length > maxLength) return { ok: false, message: `${maxLength} characters at most` };
  return { ok: true, value };
}

/** The normalised name, or a 422 INVALID_ARGUMENT with `fields[field]` saying what is wrong. */
export function requireName(field: string, raw: string, rules: NameRules = {}): string {
  const r = normalizeName(raw, rules);
  if (!r.ok) throw new AppError("INVALID_ARGUMENT", r.message, { fields: { [field]: r.message } });
  return r.value;
}

/** Usernames: any letters of any script, digits and punctuation, but no spaces, `@ / \ < >` or quotes. */
export const USERNAME_PATTERN = "^[^\\s@/\\\\<>\"'`\\u0000-\\u001f\\u007f]+$";
export const USERNAME_RULES: NameRules = { minLength: 2, maxLength: 32 };
export const USERNAME_MESSAGE = "2 to 32 characters, without spaces or @ / \\ < > quotes";
const usernameShape = new RegExp(USERNAME_PATTERN, "u");

/** A username as stored: the name rule, then the username's own shape checked on the normalised form. */
export function requireUsername(raw: string, field = "username"): string {
  const value = requireName(field, raw, USERNAME_RULES);
  if (!usernameShape.test(value)) throw new AppError("INVALID_ARGUMENT", USERNAME_MESSAGE, { fields: { [field]: USERNAME_MESSAGE } });
  return value;
}

/** Display names: what teammates see. Spaces are welcome (runs of them count as one); 1 to 60 characters, as the room takes a name (MAX_NAME). */
export const DISPLAY_NAME_RULES: NameRules = { minLength: 1, maxLength: 60 };

/** A display name as stored: the name rule, with runs of spaces inside it made one. */
export function requireDisplayName(raw: string, field = "displayName"): string {
  // Invisible and control characters are refused first (a tab or newline is one): only spaces are collapsed.
  return requireName(field, raw, DISPLAY_NAME_RULES).replace(/ {2,}/g, " ");
}
