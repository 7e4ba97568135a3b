import * as Y from "yjs";
import { NOTES_TEXT } from "./store.ts";

/**
 * When each piece of the notes was first written, kept beside the document instead of in it: per
 * Yjs client, runs of `[first clock, epoch ms]` — every struct of that client from a run's clock on
 * (until the next run) became durable at that time. A new run starts only when a second has passed,
 * so an hour of one person typing is at most 3,600 runs, and a quiet meeting a handful.
 */
export type ClockRuns = Record<string, [clock: number, at: number][]>;

const RUN_GRANULARITY_MS = 1_000;

/** Records that the structs of `update` became durable at `at` (epoch ms). Returns whether anything changed. */
export function recordUpdate(runs: ClockRuns, update: Uint8Array | ReturnType<typeof Y.decodeUpdate>, at: number): boolean {
  const { structs } = update instanceof Uint8Array ? Y.decodeUpdate(update) : update;
  let changed = false;
  for (const struct of structs) {
    if (!(struct instanceof Y.Item)) continue; // GC and skips carry no text.
    const client = String(struct.id.client);
    const list = (runs[client] ??= []);
    const last = list.at(-1);
    if (last && struct.id.clock < last[0] + 1) continue; // Already covered (a resend, or the same run).
    if (last && at - last[1] < RUN_GRANULARITY_MS) continue; // Within the same second: the run covers it.
    list.push([struct.id.clock, at]);
    changed = true;
  }
  return changed;
}

/**
 * Adds `more` (the runs of a later part of the log, as a folded row carries them) to `runs`. A run
 * already covered (its clock not past the last run's start) adds nothing: the earlier time stands,
 * as recordUpdate keeps it.
 */
export function mergeRuns(runs: ClockRuns, more: ClockRuns): void {
  for (const [client, added] of Object.entries(more)) {
    const list = (runs[client] ??= []);
    for (const run of added) {
      const last = list.at(-1);
      if (last && run[0] < last[0] + 1) continue;
      list.push([run[0], run[1]]);
    }
  }
}

/** When the struct `(client, clock)` was written, or null if before any run (the seed, or unknown). */
export function writtenAt(runs: ClockRuns, client: number, clock: number): number | null {
  const list = runs[String(client)];
  if (!list || list.length === 0 || clock < list[0]![0]) return null;
  let lo = 0;
  let hi = list.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (list[mid]![0] <= clock) lo = mid;
    else hi = mid - 1;
  }
  return list[lo]![1];
}

export interface NotesLine {
  /** 1-based, as an editor shows it. */
  line: number;
  text: string;
  /** When the line's first character was first written (epoch ms); null for an empty line or one written before any time was kept. */
  at: number | null;
}

/** Every line of the notes with when its first character was written. */
export function linesWithTimes(doc: Y.Doc, runs: ClockRuns): NotesLine[] {
  const text = doc.getText(NOTES_TEXT);
  const lines: NotesLine[] = [];
  let current: NotesLine = { line: 1, text: "", at: null };
  let atLineStart = true;
  // Walk the text's items in order: each visible string item, character by character where it matters.
  for (let item = (text as unknown as { _start: Y.Item | null })._start; item !== null; item = item.right) {
    if (item.deleted || !(item.content instanceof Y.ContentString)) continue;
    const str = item.content.str;
    let from = 0;
    for (let i = 0; i < str.length; i++) {
      if (str[i] === "\n") {
        current.text += str.slice(from, i);
        lines.push(current);
        current = { line: current.line + 1, text: "", at: null };
        atLineStart = true;
        from = i + 1;
        continue;
      }
      if (atLineStart) {
        current.at = writtenAt(runs, item.id.client, item.id.clock + i);
        atLineStart = false;
      }
    }
    current.text += str.slice(from);
  }
  lines.push(current);
  return lines;
}
