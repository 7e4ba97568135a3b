/**
 * The types of the live notes editor part (client/lazy/notes-editor.ts), apart from it so that the
 * app can name them without pulling CodeMirror and Yjs into the pages' bundle. Load the part with
 * `loadLazy<NotesEditorPart>("notes-editor")`.
 */

/** Where the editor's socket stands: `disconnected` after a refusal stays so (no more retries). */
export type NotesEditorStatus = "connecting" | "connected" | "disconnected";

export interface NotesEditorOptions {
  /** The meeting's code; the editor syncs with `/ws/meetings/<code>/notes`. */
  code: string;
  /** Shown to the others beside this person's cursor. */
  name: string;
  /**
   * This person's room seat token, read at every (re)connect and sent as `?seat=`: a guest the
   * lobby held gets the notes only with the seat a host let them in to.
   */
  seat?: () => string | null;
  /** This person's cursor colour as `#rrggbb` (default: one picked from the name). */
  color?: string;
  /**
   * The socket's state: `connected` once the server has answered with the notes (so access was
   * granted), `disconnected` when the socket drops (it retries, reporting `connecting`) or the
   * server refused it (401, 403, 404, or an update too large: it does not retry).
   */
  onStatus?(status: NotesEditorStatus): void;
  /** The notes have been loaded from the server (called once). */
  onSynced?(): void;
}

export interface NotesEditor {
  /** Closes the socket and frees the editor, its document and every timer it started. */
  destroy(): void;
  focus(): void;
}

/** What the part registers as `globalThis.__dictateLazy["notes-editor"]`. */
export interface NotesEditorPart {
  /** Renders a live editor for the meeting's notes into `parent`. */
  mount(parent: HTMLElement, options: NotesEditorOptions): NotesEditor;
}
