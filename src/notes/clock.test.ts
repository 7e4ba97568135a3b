import { describe, expect, test } from "bun:test";
import * as Y from "yjs";
import { linesWithTimes, recordUpdate, writtenAt, type ClockRuns } from "./clock.ts";
import { NOTES_TEXT } from "./store.ts";

/** A writer whose every edit is delivered to `server` (and recorded as durable) at a time we choose. */
function writer(server: Y.Doc, runs: ClockRuns, clientID: number) {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(server));
  return {
    doc,
    edit(at: number, change: (text: Y.Text) => void) {
      const before = Y.encodeStateVector(doc);
      change(doc.getText(NOTES_TEXT));
      const update = Y.encodeStateAsUpdate(doc, before);
      recordUpdate(runs, update, at);
      Y.applyUpdate(server, update);
    },
  };
}

describe("notes on the meeting's clock", () => {
  test("each line has the time its first character was written; the seed and empty lines have none", () => {
    const server = new Y.Doc();
    server.getText(NOTES_TEXT).insert(0, "Agenda\n"); // Seeded before the meeting: no time kept.
    const runs: ClockRuns = {};
    const ada = writer(server, runs, 1);
    const bob = writer(server, runs, 2);
    ada.edit(10_000, (t) => t.insert(t.length, "Decisions"));
    ada.edit(10_400, (t) => t.insert(t.length, " so far\n\n"));
    Y.applyUpdate(bob.doc, Y.encodeStateAsUpdate(server));
    bob.edit(25_000, (t) => t.insert(t.length, "- [ ] ship it"));
    // Ada prepends to Bob's line later: its first character is hers now.
    Y.applyUpdate(ada.doc, Y.encodeStateAsUpdate(server));
    ada.edit(40_000, (t) => t.insert(t.toString().indexOf("- [ ]"), "> "));
    expect(linesWithTimes(server, runs)).toEqual([
      { line: 1, text: "Agenda", at: null },
      { line: 2, text: "Decisions so far", at: 10_000 },
      { line: 3, text: "", at: null },
      { line: 4, text: "> - [ ] ship it", at: 40_000 },
    ]);
  });

  test("runs keep one entry a second per writer, and look up by clock", () => {
    const runs: ClockRuns = {};
    const server = new Y.Doc();
    const ada = writer(server, runs, 7);
    for (let i = 0; i < 20; i++) ada.edit(1_000 + i * 100, (t) => t.insert(t.length, "x"));
    ada.edit(5_000, (t) => t.insert(t.length, "y"));
    expect(runs["7"]).toEqual([
      [0, 1_000],
      [10, 2_000],
      [20, 5_000],
    ]);
    expect([writtenAt(runs, 7, 0), writtenAt(runs, 7, 9), writtenAt(runs, 7, 15), writtenAt(runs, 7, 20), writtenAt(runs, 8, 0)]).toEqual([1_000, 1_000, 2_000, 5_000, null]);
    // A resend of what is already covered changes nothing.
    expect(recordUpdate(runs, Y.encodeStateAsUpdate(ada.doc), 9_000)).toBe(false);
  });
});
