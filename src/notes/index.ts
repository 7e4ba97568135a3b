export { createNotes, fileSlug, type Notes, type NoteView, type NoteWithText } from "./notes.ts";
