import { ValidationError } from "elysia";
import type { Logger } from "pino";
import { isUnavailable } from "../db/errors.ts";
import { AppError } from "../errors.ts";

type ValueErrorLike = { path: string; message: string; summary?: string; value?: unknown; schema?: { error?: unknown } };

/** Field messages from a TypeBox validation failure, keyed by dotted path. */
function fieldsOf(error: ValidationError): Record<string, string> {
  const fields: Record<string, string> = {};
  let all: ValueErrorLike[] = [];
  try {
    all = error.all as ValueErrorLike[];
  } catch {
    // Elysia throws from `all` for some schema kinds; the generic message still goes out.
  }
  for (const e of all) {
    const key = e.path.replace(/^\//, "").replace(/\//g, ".") || "body";
    if (fields[key]) continue;
    if (e.message === "Unexpected property") fields[key] = "Unknown field";
    else if (e.value === undefined && e.path !== "") fields[key] = "Required";
    else if (typeof e.schema?.error === "string") fields[key] = e.schema.error;
    else fields[key] = e.message;
  }
  return fields;
}

/** Maps anything thrown while handling a request to the one error shape. */
export function toAppError(code: string | number, error: unknown): AppError {
  if (error instanceof AppError) return error;
  // The database or Redis is down: an outage the client may retry, not a bug of ours.
  if (isUnavailable(error)) return unavailable(error);
  // Elysia wraps whatever the body parser throws; our parser throws AppErrors (400, 413).
  if (code === "PARSE" && error instanceof Error && error.cause instanceof AppError) return error.cause;
  if (error instanceof ValidationError || code === "VALIDATION") {
    const fields = error instanceof ValidationError ? fieldsOf(error) : {};
    const first = Object.entries(fields)[0];
    const message = first ? `Invalid ${first[0]}: ${first[1]}` : "The request is not valid";
    return new AppError("INVALID_ARGUMENT", message, { fields, status: 422 });
  }
  if (code === "PARSE") return new AppError("INVALID_ARGUMENT", "The body is not valid JSON", { status: 400 });
  if (code === "NOT_FOUND") return new AppError("NOT_FOUND", "No such endpoint");
  if (code === "INVALID_COOKIE_SIGNATURE" || code === "INVALID_FILE_TYPE") {
    return new AppError("INVALID_ARGUMENT", "The request is not valid", { status: 400 });
  }
  return new AppError("INTERNAL", "Something went wrong on our side", { cause: error });
}

/** Seconds a client is asked to wait before retrying during an outage. */
export const RETRY_AFTER_SECONDS = 5;

/** The answer while a service we depend on (database, Redis) cannot be reached. */
export function unavailable(cause?: unknown, message = "A service we depend on is unavailable; try again shortly"): AppError {
  return new AppError("UNAVAILABLE", message, { cause, headers: { "retry-after": String(RETRY_AFTER_SECONDS) } });
}

export function errorResponse(error: AppError, requestId: string | undefined, logger: Logger): Response {
  if (error.code === "INTERNAL") logger.error({ err: error.cause ?? error, requestId }, "request failed");
  else if (error.code === "UNAVAILABLE") logger.warn({ err: error.cause ?? error, requestId }, "request failed: service unavailable");
  // Every 503 says when to come back, whoever raised it.
  const retry: Record<string, string> = error.code === "UNAVAILABLE" && !error.headers?.["retry-after"] ? { "retry-after": String(RETRY_AFTER_SECONDS) } : {};
  return new Response(JSON.stringify(error.toJSON()), {
    status: error.status,
    headers: { "content-type": "application/json; charset=utf-8", ...retry, ...error.headers },
  });
}
