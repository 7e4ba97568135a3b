import * as Y from "yjs";
import { NOTES_TEXT } from "../notes/index.ts";
import { writtenAt, type ClockRuns } from "../notes/index.ts";

/** A `- [ ] …` line of a meeting's notes, found in its Yjs document. */
export interface NotesItem {
  /** `<client>.<clock>` of the Yjs item holding the line's first character: stable while the text around it changes. */
  key: string;
  text: string;
  done: boolean;
  /** The first `@name` in the line, without the `@`. */
  assignee: string | null;
  /** When the line was first written (epoch ms), or null (seeded, or before times were kept). */
  at: number | null;
  /** Where the box's mark (the space or x between the brackets) sits in the text now. */
  markIndex: number;
}

const ITEM = /^(\s*[-*+] \[)([ xX])(\]\s+)(.*\S)\s*$/;
const ASSIGNEE = /(?:^|\s)@([\p{L}\p{N}_.-]*[\p{L}\p{N}_])/u;

interface RawLine {
  text: string;
  start: number;
  first: { client: number; clock: number } | null;
}

/** Every line of the notes with its index in the text and the Yjs id of its first character. */
function rawLines(doc: Y.Doc): RawLine[] {
  const text = doc.getText(NOTES_TEXT);
  const lines: RawLine[] = [];
  let current: RawLine = { text: "", start: 0, first: null };
  let index = 0;
  for (let item = (text as unknown as { _start: Y.Item | null })._start; item !== null; item = item.right) {
    if (item.deleted || !(item.content instanceof Y.ContentString)) {
      if (!item.deleted) index += item.length;
      continue;
    }
    const str = item.content.str;
    let from = 0;
    for (let i = 0; i < str.length; i++) {
      if (current.first === null && str[i] !== "\n" && current.text.length === 0 && i === from) current.first = { client: item.id.client, clock: item.id.clock + i };
      if (str[i] === "\n") {
        current.text += str.slice(from, i);
        lines.push(current);
        current = { text: "", start: index + i + 1, first: null };
        from = i + 1;
      }
    }
    current.text += str.slice(from);
    index += str.length;
  }
  lines.push(current);
  return lines;
}

/** The action items of a notes document, in the order they appear. */
export function itemsOf(doc: Y.Doc, runs: ClockRuns): NotesItem[] {
  const items: NotesItem[] = [];
  for (const line of rawLines(doc)) {
    const m = ITEM.exec(line.text);
    if (!m || !line.first) continue;
    const body = m[4]!;
    items.push({
      key: `${line.first.client}.${line.first.clock}`,
      text: body,
      done: m[2] !== " ",
      assignee: ASSIGNEE.exec(body)?.[1] ?? null,
      at: writtenAt(runs, line.first.client, line.first.clock),
      markIndex: line.start + m[1]!.length,
    });
  }
  return items;
}

/**
 * Ticks (or unticks) the item `key` in `doc` as an editor would: the mark between the brackets is
 * replaced. Returns the Yjs update it made, null when the item is already so, or "missing" when the
 * notes hold no such item any more.
 */
export function tick(doc: Y.Doc, key: string, done: boolean): Uint8Array | null | "missing" {
  const item = itemsOf(doc, {}).find((i) => i.key === key);
  if (!item) return "missing";
  if (item.done === done) return null;
  const updates: Uint8Array[] = [];
  const onUpdate = (u: Uint8Array) => void updates.push(u);
  doc.on("update", onUpdate);
  try {
    doc.transact(() => {
      const text = doc.getText(NOTES_TEXT);
      text.delete(item.markIndex, 1);
      text.insert(item.markIndex, done ? "x" : " ");
    });
  } finally {
    doc.off("update", onUpdate);
  }
  return Y.mergeUpdates(updates);
}
