import { describe, expect, test } from "bun:test";
import * as Y from "yjs";
import { itemsOf, tick } from "./action-items.ts";

function notes(text: string) {
  const doc = new Y.Doc();
  doc.getText("notes").insert(0, text);
  return doc;
}

describe("action items in the notes", () => {
  test("`- [ ]` and `- [x]` lines are items; @name assigns; other lines are not", () => {
    const doc = notes("# Sync\n- [ ] Send the budget @ana\n- plain bullet\n  * [x] Book the room\n- [ ]\n");
    const items = itemsOf(doc, {});
    expect(items.map((i) => [i.text, i.done, i.assignee])).toEqual([
      ["Send the budget @ana", false, "ana"],
      ["Book the room", true, null],
    ]);
  });

  test("an item's key stays while lines above it change, and a tick lands in the other editor's copy", () => {
    const a = notes("Intro\n- [ ] Write the plan @ben\n");
    const b = new Y.Doc();
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    const key = itemsOf(a, {})[0]!.key;
    b.getText("notes").insert(0, "Added later\n\n");
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    expect(itemsOf(a, {})[0]!.key).toBe(key);
    const update = tick(a, key, true);
    expect(update).toBeInstanceOf(Uint8Array);
    Y.applyUpdate(b, update as Uint8Array);
    expect(b.getText("notes").toString()).toBe("Added later\n\nIntro\n- [x] Write the plan @ben\n");
    expect(itemsOf(b, {})[0]).toMatchObject({ key, done: true });
    expect(tick(b, key, true)).toBeNull();
    expect(tick(b, "1.2", true)).toBe("missing");
  });
});
