export { createNotes, fileSlug, type Notes, type NoteView, type NoteWithText } from "./notes.ts";
export { createNotesStore, EMBEDDED_VACUUM_AFTER_DELETED_ROWS, NOTES_TEXT, type NotesStore, type LoadedNotes } from "./store.ts";
export { createNotesWriter, type NotesWriter } from "./writer.ts";
export { readNotesWithClock } from "./store.ts";
export { linesWithTimes, writtenAt, type ClockRuns, type NotesLine } from "./clock.ts";
