/**
 * The calendar's and the resources' calls to the server (DESIGN.md §4) and the shapes they answer
 * with. Errors arrive as `ApiError` from client/lib/api.ts.
 */
import { api, type Meeting } from "./api.ts";


// The server's JSON views, as types only (erased from the bundle): one definition for both sides.
/** A meeting as the calendar lists it (with `canEdit`: whether I may reschedule or cancel it). */
import type { MeetingView as CalendarMeeting, MeetingInput } from "../../src/meetings/index.ts";
import type { NoteView as Note, NoteWithText } from "../../src/notes/index.ts";
import type { RecordingView as Recording } from "../../src/recordings/index.ts";
import type { TeamView as Team } from "../../src/teams/index.ts";

export type { CalendarMeeting, MeetingInput, Note, NoteWithText, Recording, Team };
export type RecordingStatus = Recording["status"];

const id = (value: string) => encodeURIComponent(value);
const query = (params: Record<string, string | undefined>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
};

export const listTeams = () => api<{ teams: Team[] }>("GET", "/api/teams").then((r) => r.teams);

/** My meetings and my teams' overlapping `[from, to)`, optionally one team's only. */
export const listMeetings = (range: { from: Date; to: Date; teamId?: string }) =>
  api<{ meetings: CalendarMeeting[] }>(
    "GET",
    `/api/meetings${query({ from: range.from.toISOString(), to: range.to.toISOString(), teamId: range.teamId })}`,
  ).then((r) => r.meetings);

export const scheduleMeeting = (input: MeetingInput) => api<{ meeting: CalendarMeeting }>("POST", "/api/meetings", input).then((r) => r.meeting);

export const updateMeeting = (code: string, input: MeetingInput) =>
  api<{ meeting: CalendarMeeting }>("PATCH", `/api/meetings/${id(code)}`, input).then((r) => r.meeting);

/** The meeting as an iCalendar file to import (one event, times in UTC). */
export const invitationUrl = (code: string) => `/api/meetings/${id(code)}/invite.ics`;

/** 409 when the meeting left notes or recordings. */
export const cancelMeeting = (code: string) => api<void>("DELETE", `/api/meetings/${id(code)}`);

export const listNotes = (teamId?: string) => api<{ notes: Note[] }>("GET", `/api/notes${query({ teamId })}`).then((r) => r.notes);
export const getNote = (noteId: string) => api<{ note: NoteWithText }>("GET", `/api/notes/${id(noteId)}`).then((r) => r.note);
export const renameNote = (noteId: string, title: string) => api<{ note: Note }>("PATCH", `/api/notes/${id(noteId)}`, { title }).then((r) => r.note);
export const deleteNote = (noteId: string) => api<void>("DELETE", `/api/notes/${id(noteId)}`);
export const noteExportUrl = (noteId: string) => `/api/notes/${id(noteId)}/export.md`;

export const listRecordings = (teamId?: string) =>
  api<{ recordings: Recording[] }>("GET", `/api/recordings${query({ teamId })}`).then((r) => r.recordings);
export const renameRecording = (recordingId: string, title: string) =>
  api<{ recording: Recording }>("PATCH", `/api/recordings/${id(recordingId)}`, { title }).then((r) => r.recording);
export const deleteRecording = (recordingId: string) => api<void>("DELETE", `/api/recordings/${id(recordingId)}`);
export const recordingMediaUrl = (recordingId: string) => `/api/recordings/${id(recordingId)}/media`;
