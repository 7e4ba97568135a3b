export { createNotes, fileSlug, type Notes, type NoteView, type NoteWithText } from "./notes.ts";
export { createNotesStore, NOTES_TEXT, type NotesStore, type LoadedNotes } from "./store.ts";
export { createNotesWriter, type NotesWriter } from "./writer.ts";
