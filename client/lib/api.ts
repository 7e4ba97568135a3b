/** JSON calls to the server's /api, with its error shape (DESIGN.md §4) turned into `ApiError`. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: Record<string, string>,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export async function api<T>(method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(0, "UNAVAILABLE", "Cannot reach the server; check your connection");
  }
  if (response.status === 204) return undefined as T;
  const data = (await response.json().catch(() => null)) as { error?: { code: string; message: string; fields?: Record<string, string> } } | null;
  if (!response.ok) {
    const e = data?.error;
    throw new ApiError(response.status, e?.code ?? "INTERNAL", e?.message ?? `The server answered ${response.status}`, e?.fields);
  }
  return data as T;
}

// The server's JSON views, as types only (erased from the bundle): one definition for both sides.
import type { UserView } from "../../src/accounts/index.ts";
import type { NOT_FOUND_MESSAGES } from "../../src/meetings/index.ts";
import type { MeetingView } from "../../src/meetings/index.ts";

export type Meeting = MeetingView;
/** Who is signed in (GET /api/me answers more: see `Account` in account-api.ts). */
export type User = Pick<UserView, "id" | "email" | "username" | "displayName">;

/**
 * This browser's IANA time zone, sent when starting a meeting so that its default title gives the
 * local time ("Ada's meeting, 2 Dec 18:14"); undefined where the browser does not say.
 */
export function browserTimeZone(): string | undefined {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || undefined;
  } catch {
    return undefined;
  }
}

/** An instant meeting, titled after whoever starts it (signed in) at this browser's local time. */
export const createMeeting = () => api<{ meeting: Meeting }>("POST", "/api/meetings", { timeZone: browserTimeZone() }).then((r) => r.meeting);
export const getMeeting = (code: string) => api<{ meeting: Meeting }>("GET", `/api/meetings/${encodeURIComponent(code)}`).then((r) => r.meeting);

/** The server's reasons for a 404 on a meeting's code (src/meetings: NOT_FOUND_MESSAGES); the types keep them in step. */
const MISSING: { [K in keyof typeof NOT_FOUND_MESSAGES]: (typeof NOT_FOUND_MESSAGES)[K] } = {
  cancelled: "This meeting was cancelled",
  teamOnly: "This is a team meeting: only its team's members can open it",
  teamCode: "That is a team code, not a meeting code: join the team on the Teams page",
};

/**
 * Why getMeeting found nothing: `cancelled`, `team-only` (a signed-in non-member), `team-code` (the
 * code is a team's), `unknown`; null when the error is not a 404.
 */
export function whyNoMeeting(err: unknown): "cancelled" | "team-only" | "team-code" | "unknown" | null {
  if (!(err instanceof ApiError) || err.status !== 404) return null;
  return err.message === MISSING.cancelled ? "cancelled" : err.message === MISSING.teamOnly ? "team-only" : err.message === MISSING.teamCode ? "team-code" : "unknown";
}

/** The signed-in user, or null for a guest. */
export async function getMe(): Promise<User | null> {
  try {
    return (await api<{ user: User }>("GET", "/api/me")).user;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}
