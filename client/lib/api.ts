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
import type { MeetingView } from "../../src/meetings/index.ts";

export type Meeting = MeetingView;
/** Who is signed in (GET /api/me answers more: see `Account` in account-api.ts). */
export type User = Pick<UserView, "id" | "email" | "username">;

export const createMeeting = () => api<{ meeting: Meeting }>("POST", "/api/meetings", {}).then((r) => r.meeting);
export const getMeeting = (code: string) => api<{ meeting: Meeting }>("GET", `/api/meetings/${encodeURIComponent(code)}`).then((r) => r.meeting);

/** The signed-in user, or null for a guest. */
export async function getMe(): Promise<User | null> {
  try {
    return (await api<{ user: User }>("GET", "/api/me")).user;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}
