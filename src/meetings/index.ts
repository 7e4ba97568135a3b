export { createMeetings, NOT_FOUND_MESSAGES, type Meetings, type MeetingView, type MeetingInput, type MeetingRow, type Viewer } from "./meetings.ts";
export { renderCalendar } from "./ics.ts";
export { meetingReadableBy, notesWritten } from "./access.ts";
export { instantMeetingTitle, requireTimeZone, shortDateTime } from "./titles.ts";
