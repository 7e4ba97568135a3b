/**
 * The one place where Janus's and janode's errors become `AppError`s. janode rejects with plain
 * `Error`s whose message starts with Janus's numeric code ("428 No such feed (123)"); transport
 * trouble ("connection closed", "session destroyed", "handle detached") has no code at all.
 */
import { AppError, type ErrorCode } from "../errors.ts";

/** Janus core (4xx from janus.h) and VideoRoom (4xx from janus_videoroom.c) error codes. */
const CODES: Record<number, ErrorCode> = {
  // Core
  458: "UNAVAILABLE", // session not found: Janus restarted or timed us out
  459: "UNAVAILABLE", // handle not found
  465: "INVALID_ARGUMENT", // invalid SDP
  466: "INVALID_ARGUMENT", // unexpected ANSWER
  467: "INVALID_ARGUMENT", // invalid JSEP type
  // VideoRoom
  424: "CONFLICT", // join first
  425: "CONFLICT", // already joined
  426: "NOT_FOUND", // no such room
  427: "CONFLICT", // room exists
  428: "NOT_FOUND", // no such feed (or its publisher's WebRTC is not up yet)
  429: "INVALID_ARGUMENT", // missing element
  430: "INVALID_ARGUMENT", // invalid element
  431: "INVALID_ARGUMENT", // invalid SDP type
  432: "CONFLICT", // publishers full
  433: "FORBIDDEN", // unauthorized
  434: "CONFLICT", // already published
  435: "CONFLICT", // not published
  436: "CONFLICT", // id exists
  437: "INVALID_ARGUMENT", // invalid SDP
};

/** Janus's numeric error code carried by a janode error, if any. */
export function janusCode(err: unknown): number | null {
  if (err instanceof AppError) return janusCode(err.cause);
  if (!(err instanceof Error)) return null;
  const own = (err as Error & { _code?: unknown })._code;
  if (typeof own === "number") return own;
  const match = /^(\d{3}) /.exec(err.message);
  return match ? Number(match[1]) : null;
}

/** The feed named by a "428 No such feed (123)" error. */
export function missingFeed(err: unknown): number | null {
  if (janusCode(err) !== 428 || !(err instanceof Error)) return null;
  const match = /No such feed \((\d+)\)/.exec(err instanceof AppError && err.cause instanceof Error ? err.cause.message : err.message);
  return match ? Number(match[1]) : null;
}

/** Turns whatever janode or Janus threw while doing `what` into an AppError. */
export function toAppError(err: unknown, what: string): AppError {
  if (err instanceof AppError) return err;
  const code = janusCode(err);
  const reason = err instanceof Error ? err.message.replace(/^\d{3} /, "") : String(err);
  if (code !== null) {
    return new AppError(CODES[code] ?? "INTERNAL", `Media server refused to ${what}: ${reason}`, { cause: err });
  }
  return new AppError("UNAVAILABLE", `Media server unavailable (could not ${what}: ${reason})`, { cause: err });
}

/** Rejects with UNAVAILABLE if `promise` has not settled after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AppError("UNAVAILABLE", `Media server did not answer in time (${what})`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
