/**
 * The live notes editor, loaded lazily (client/lib/lazy.ts): CodeMirror 6 bound to the meeting's
 * Y.Text "notes" (Markdown) through y-codemirror.next, synced over `/ws/meetings/<code>/notes` with
 * y-websocket's provider. Awareness carries `user: {name, color, colorLight}`, the convention
 * y-codemirror.next draws others' cursors and selections from. The app imports only the types, from
 * ./notes-editor-types.ts.
 */
import { defaultKeymap } from "@codemirror/commands";
import { markdownKeymap, markdownLanguage } from "@codemirror/lang-markdown";
import { EditorState } from "@codemirror/state";
import { EditorView, keymap, placeholder } from "@codemirror/view";
// Both come with @codemirror/lang-markdown; the language needs a highlight style to show at all.
import { HighlightStyle, LanguageSupport, syntaxHighlighting } from "@codemirror/language";
import { tags } from "@lezer/highlight";
import { yCollab, yUndoManagerKeymap } from "y-codemirror.next";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import type { NotesEditor, NotesEditorOptions, NotesEditorPart, NotesEditorStatus } from "./notes-editor-types.ts";

export type { NotesEditor, NotesEditorOptions, NotesEditorPart, NotesEditorStatus };

/**
 * Close codes after which reconnecting cannot help: no session (4401), not a member (4403), no such
 * meeting (4404), and an update over the server's limit (4413), which a new socket would only send
 * again. Anything else (a restart, 4429, a dropped network) is retried with backoff.
 */
const FINAL_CLOSE_CODES = new Set([4401, 4403, 4404, 4413]);

/** Cursor colours dark enough for the white name label on them. */
const CURSOR_COLORS = ["#b91c1c", "#c2410c", "#a16207", "#15803d", "#0f766e", "#0369a1", "#1d4ed8", "#6d28d9", "#a21caf", "#be185d"];

function colorFor(name: string): string {
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.codePointAt(0)!) >>> 0;
  return CURSOR_COLORS[hash % CURSOR_COLORS.length]!;
}

/** The selection tint others see: the cursor colour at a quarter strength. */
function lightOf(color: string): string {
  return /^#[0-9a-f]{6}$/i.test(color) ? `${color}40` : `color-mix(in srgb, ${color} 25%, transparent)`;
}

const theme = EditorView.theme({
  "&": {
    color: "var(--fg)",
    backgroundColor: "var(--bg)",
    border: "1px solid var(--border)",
    borderRadius: "0.5rem",
    height: "100%",
    minHeight: "12rem",
  },
  "&.cm-focused": { outline: "3px solid var(--focus, var(--accent))", outlineOffset: "2px" },
  ".cm-scroller": { fontFamily: "inherit", lineHeight: "1.6", borderRadius: "inherit" },
  // Room above the first line for a remote cursor's name label.
  ".cm-content": { padding: "1.25rem 0 1rem", caretColor: "var(--fg)" },
  ".cm-line": { padding: "0 1rem" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--fg)" },
  ".cm-placeholder": { color: "var(--muted, var(--border))" },
  // y-codemirror.next shows a name only while the caret is hovered; in a meeting, who is writing
  // where is the point, so the label stays.
  ".cm-ySelectionInfo": {
    opacity: "1",
    top: "-1.45em",
    left: "-1px",
    padding: "0 0.35em",
    borderRadius: "0.25rem 0.25rem 0.25rem 0",
    fontFamily: "system-ui, sans-serif",
    fontSize: "0.7rem",
    lineHeight: "1.45",
    fontWeight: "600",
  },
  ".cm-ySelectionCaretDot": { display: "none" },
});

const markdownStyle = HighlightStyle.define([
  { tag: tags.heading1, fontSize: "1.35em", fontWeight: "700" },
  { tag: tags.heading2, fontSize: "1.18em", fontWeight: "700" },
  { tag: [tags.heading3, tags.heading4, tags.heading5, tags.heading6], fontWeight: "700" },
  { tag: tags.strong, fontWeight: "700" },
  { tag: tags.emphasis, fontStyle: "italic" },
  { tag: tags.strikethrough, textDecoration: "line-through" },
  { tag: [tags.link, tags.url], color: "var(--accent)" },
  { tag: tags.url, textDecoration: "underline" },
  { tag: tags.monospace, fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace", fontSize: "0.92em" },
  { tag: tags.quote, fontStyle: "italic" },
  // The markup itself (#, *, >, list marks, fences): there, but quieter than the words.
  { tag: [tags.processingInstruction, tags.contentSeparator, tags.labelName, tags.meta], color: "var(--muted, var(--fg))" },
]);

function mount(parent: HTMLElement, options: NotesEditorOptions): NotesEditor {
  const doc = new Y.Doc();
  const ytext = doc.getText("notes");
  const url = `${location.origin.replace(/^http/, "ws")}/ws/meetings/${encodeURIComponent(options.code)}`;
  // The provider builds its URL from `params` at every connect: the seat is read afresh each time.
  const params: Record<string, string> = {};
  if (options.seat) Object.defineProperty(params, "seat", { enumerable: true, get: () => options.seat?.() ?? "" });
  const provider = new WebsocketProvider(url, "notes", doc, {
    params,
    // Connects once the listeners below are on: the first "connecting" is emitted synchronously.
    connect: false,
    // Every editor goes through the server, so each tab is held to the socket's access rules.
    disableBc: true,
    shouldReconnect: (event) => !FINAL_CLOSE_CODES.has(event.code),
  });
  const awareness = provider.awareness;
  const color = options.color ?? colorFor(options.name);
  awareness.setLocalStateField("user", { name: options.name, color, colorLight: lightOf(color) });

  let destroyed = false;
  let status: NotesEditorStatus | null = null;
  let synced = false;
  const report = (next: NotesEditorStatus) => {
    if (destroyed || next === status) return;
    status = next;
    options.onStatus?.(next);
  };
  // The socket opens before the server has checked access (a refusal closes an open socket), so
  // "connected" waits for the server's sync reply.
  provider.on("status", ({ status: s }) => {
    if (s !== "connected") report(s);
  });
  provider.on("sync", (isSynced) => {
    if (!isSynced) return;
    report("connected");
    if (!synced && !destroyed) {
      synced = true;
      options.onSynced?.();
    }
  });
  provider.on("closed", () => {
    provider.shouldConnect = false;
    report("disconnected");
  });

  provider.connect();

  const undoManager = new Y.UndoManager(ytext);
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: ytext.toString(),
      extensions: [
        keymap.of([...markdownKeymap, ...yUndoManagerKeymap, ...defaultKeymap]),
        new LanguageSupport(markdownLanguage),
        syntaxHighlighting(markdownStyle),
        EditorView.lineWrapping,
        placeholder("Write the meeting's notes here…"),
        EditorView.contentAttributes.of({ "aria-label": "Meeting notes" }),
        theme,
        yCollab(ytext, awareness, { undoManager }),
      ],
    }),
  });

  return {
    focus: () => view.focus(),
    destroy() {
      if (destroyed) return;
      destroyed = true;
      view.destroy();
      // Tells the others this cursor is gone, while the socket is still open.
      awareness.setLocalState(null);
      // Closes the socket here rather than through provider.disconnect(), which would leave a
      // reconnect timer behind (a no-op, but a timer).
      const ws = provider.ws;
      provider.shouldConnect = false;
      if (ws) {
        provider.ws = null;
        ws.onopen = ws.onmessage = ws.onclose = null;
        ws.onerror = () => {};
        ws.close(1000);
      }
      provider.destroy();
      awareness.destroy();
      undoManager.destroy();
      doc.destroy();
    },
  };
}

const part: NotesEditorPart = { mount };
const registry = ((globalThis as { __dictateLazy?: Record<string, unknown> }).__dictateLazy ??= {});
registry["notes-editor"] = part;
