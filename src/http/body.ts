/**
 * Request bodies under /api: read with a running byte count (a chunked body has no Content-Length
 * to refuse up front), JSON only, nesting bounded by a linear scan before `JSON.parse` (Bun parses
 * 30,000 levels of `[[[…]]]` slowly, and anything that walks the result recursively could overflow
 * the stack), and no NUL characters (Postgres text cannot hold them). Nothing here recurses.
 */
import { AppError } from "../errors.ts";
import { nestsDeeperThan } from "../json-depth.ts";

/** Deepest nesting of arrays and objects a body may have; real bodies are two or three levels. */
export const MAX_JSON_DEPTH = 32;

export const bodyTooLarge = (limit: number) => new AppError("INVALID_ARGUMENT", `The body is larger than ${limit} bytes`, { status: 413 });
const notJson = () => new AppError("INVALID_ARGUMENT", "Send the body as JSON (Content-Type: application/json)", { status: 400 });

/** True when the media type (parameters ignored) is JSON. */
export function isJsonType(contentType: string | null): boolean {
  return !!contentType && /^application\/json\s*(;|$)/i.test(contentType);
}

/**
 * The body's bytes, refusing with 413 as soon as more than `limit` have arrived (the rest of the
 * stream is cancelled, not read).
 */
export async function readBodyBytes(request: Request, limit: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw bodyTooLarge(limit);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      reader.cancel().catch(() => {});
      throw bodyTooLarge(limit);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

/** Whether any string or key in a parsed JSON value holds a NUL character; iterative, not recursive. */
export function containsNul(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const v = pending.pop();
    if (typeof v === "string") {
      if (v.includes("\u0000")) return true;
    } else if (Array.isArray(v)) {
      for (const item of v) pending.push(item);
    } else if (v !== null && typeof v === "object") {
      for (const [k, item] of Object.entries(v)) {
        if (k.includes("\u0000")) return true;
        pending.push(item);
      }
    }
  }
  return false;
}

/**
 * The one parser of /api bodies. Returns null when there is no body; otherwise the parsed JSON, or
 * throws the AppError to answer: 413 too large, 400 not JSON, malformed or nested deeper than {@link MAX_JSON_DEPTH}, 422 a NUL character.
 */
export async function parseJsonBody(request: Request, limit: number): Promise<unknown> {
  const contentType = request.headers.get("content-type");
  const bytes = await readBodyBytes(request, limit);
  // No body (logout, a DELETE): null, which a route with a body schema refuses like any missing
  // body. Never undefined: that would hand the request to Elysia's own parser.
  if (bytes.byteLength === 0) return null;
  if (!isJsonType(contentType)) throw notJson();
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new AppError("INVALID_ARGUMENT", "The body is not valid UTF-8", { status: 400 });
  }
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new AppError("INVALID_ARGUMENT", `The body is nested too deeply (at most ${MAX_JSON_DEPTH} levels)`, { status: 400 });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError("INVALID_ARGUMENT", "The body is not valid JSON", { status: 400 });
  }
  if (containsNul(value)) throw new AppError("INVALID_ARGUMENT", "Text may not contain NUL characters", { status: 422 });
  return value;
}
