/**
 * The account and team calls of the HTTP API (DESIGN.md §4) for the sign-up, log-in, profile and
 * team pages, with the shapes the server answers, and helpers those pages share: `safeNext()` for
 * the `?next=` redirect and `focusFirstError()`.
 */
import { api, ApiError, browserTimeZone, type Meeting, type User } from "./api.ts";

// The server's JSON views, as types only (erased from the bundle): one definition for both sides.
import type { ProfileChanges, SignupInput, UserView as Account } from "../../src/accounts/index.ts";
import type { TeamMemberView as TeamMember, TeamView as Team } from "../../src/teams/index.ts";

export type { Account, ProfileChanges, SignupInput, Team, TeamMember };

/** One team as its members see it. */
export interface TeamDetail extends Team {
  members: TeamMember[];
  upcomingMeetings: Meeting[];
}

export const signUp = (input: SignupInput) => api<{ user: Account }>("POST", "/api/auth/signup", input).then((r) => r.user);

/**
 * Logs in. Goes around `api()` for one reason: after repeated failures the server answers 429 with
 * a Retry-After header, and the message should say how long to wait.
 */
export async function logIn(email: string, password: string): Promise<Account> {
  let response: Response;
  try {
    response = await fetch("/api/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password }),
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(0, "UNAVAILABLE", "Cannot reach the server; check your connection");
  }
  const data = (await response.json().catch(() => null)) as {
    user?: Account;
    error?: { code: string; message: string; fields?: Record<string, string> };
  } | null;
  if (response.ok && data?.user) return data.user;
  const e = data?.error;
  let message = e?.message ?? `The server answered ${response.status}`;
  if (response.status === 429) message = `Too many failed attempts. ${retryIn(Number(response.headers.get("retry-after")))}`;
  throw new ApiError(response.status, e?.code ?? "INTERNAL", message, e?.fields);
}

function retryIn(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return "Try again later.";
  if (seconds < 90) return `Try again in ${Math.ceil(seconds)} seconds.`;
  return `Try again in ${Math.ceil(seconds / 60)} minutes.`;
}

export const getAccount = () => api<{ user: Account }>("GET", "/api/me").then((r) => r.user);
export const updateAccount = (changes: ProfileChanges) => api<{ user: Account }>("PATCH", "/api/me", changes).then((r) => r.user);
export const deleteAccount = () => api<void>("DELETE", "/api/me");
/** A new calendar feed address; the old one stops working. */
export const rotateCalendarToken = () => api<{ user: Account }>("POST", "/api/me/calendar-token").then((r) => r.user);

export const listTeams = () => api<{ teams: Team[] }>("GET", "/api/teams").then((r) => r.teams);
export const createTeam = (name: string) => api<{ team: Team }>("POST", "/api/teams", { name }).then((r) => r.team);
export const joinTeam = (code: string) => api<{ team: Team }>("POST", "/api/teams/join", { code }).then((r) => r.team);
export const getTeam = (id: string) => api<{ team: TeamDetail }>("GET", `/api/teams/${encodeURIComponent(id)}`).then((r) => r.team);
export const leaveTeam = (id: string) => api<void>("POST", `/api/teams/${encodeURIComponent(id)}/leave`);
/** An instant team meeting (members only), to go to at once. */
export const startTeamMeeting = (teamId: string) =>
  api<{ meeting: Meeting }>("POST", "/api/meetings", { teamId, timeZone: browserTimeZone() }).then((r) => r.meeting);

/**
 * Where to go after signing in: the `next` query parameter when it is a path on this site (one
 * leading "/", not "//host" nor "/\host", which browsers treat as another origin), else `fallback`.
 */
export function safeNext(search: string, fallback = "/calendar"): string {
  const next = new URLSearchParams(search).get("next");
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return fallback;
  try {
    const url = new URL(next, location.origin);
    return url.origin === location.origin ? url.pathname + url.search + url.hash : fallback;
  } catch {
    return fallback;
  }
}

/**
 * Moves focus to the first of `order`'s fields that has an error (ids `field-<name>`, as `Field`
 * gives them), so a screen reader reads the field with its message.
 */
export function focusFirstError(order: readonly string[], errors: Record<string, string | undefined>) {
  const first = order.find((name) => errors[name]);
  if (!first) return;
  // After the render that shows the message, so it is in the field's description when focus lands;
  // a field that already has focus (Enter pressed in it) is left and re-entered so it is read again.
  setTimeout(() => {
    const field = document.getElementById(`field-${first}`);
    if (document.activeElement === field) field?.blur();
    field?.focus();
  }, 0);
}
