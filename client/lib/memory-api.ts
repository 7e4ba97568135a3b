/** The meeting's memory afterwards (GET /api/meetings/:code/timeline) and the team's action items. */
import { api } from "./api.ts";
import type { ActionItem, Timeline } from "../../src/memory/index.ts";

export type { ActionItem, Timeline };

export const getTimeline = (code: string) => api<{ timeline: Timeline }>("GET", `/api/meetings/${encodeURIComponent(code)}/timeline`).then((r) => r.timeline);
export const getTeamActionItems = (teamId: string) =>
  api<{ actionItems: ActionItem[] }>("GET", `/api/teams/${encodeURIComponent(teamId)}/action-items?done=false`).then((r) => r.actionItems);
export const setActionItemDone = (id: string, done: boolean) =>
  api<{ actionItem: ActionItem }>("PATCH", `/api/action-items/${encodeURIComponent(id)}`, { done }).then((r) => r.actionItem);
export const exportUrl = (code: string) => `/api/meetings/${encodeURIComponent(code)}/export.md`;
export const recordingMediaUrl = (id: string) => `/api/recordings/${encodeURIComponent(id)}/media`;

/** `m:ss`, or `h:mm:ss` from an hour on. */
export function formatOffset(ms: number): string {
  const total = Math.floor(Math.abs(ms) / 1000);
  // A join a few milliseconds before the meeting was marked started reads 0:00, not -0:00.
  const sign = ms < 0 && total > 0 ? "-" : "";
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${sign}${h}:${String(m).padStart(2, "0")}:${s}` : `${sign}${m}:${s}`;
}
