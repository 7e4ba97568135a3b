import { describe, expect, test } from "bun:test";
import { arrangeTiles, holdPlaces, nextStageSpeaker, type LayoutTile } from "./layout.ts";

const cam = (id: string, isSelf = false): LayoutTile => ({ key: `${id}:camera`, kind: "camera", isSelf, participant: { id } });
const screen = (id: string): LayoutTile => ({ key: `${id}:screen`, kind: "screen", isSelf: false, participant: { id } });
const keys = (ts: LayoutTile[]) => ts.map((t) => t.key);
const me = cam("me", true);
const ana = cam("ana");
const ben = cam("ben");

describe("arranging the tiles", () => {
  test("grid view: every camera in the grid, you first", () => {
    const a = arrangeTiles([me, ana, ben], { view: "grid", pinned: null, speakerId: "ben" });
    expect(a).toEqual({ mode: "grid", grid: [me, ana, ben] });
  });

  test("speaker view: the active speaker on the stage, the others in the strip", () => {
    const a = arrangeTiles([me, ana, ben], { view: "speaker", pinned: null, speakerId: "ben" });
    expect(a.mode).toBe("stage");
    if (a.mode !== "stage") return;
    expect(a.why).toBe("speaker");
    expect(keys(a.stage)).toEqual(["ben:camera"]);
    expect(keys(a.strip)).toEqual(["me:camera", "ana:camera"]);
  });

  test("speaker view before anyone spoke, or when the speaker left: the first of the others", () => {
    for (const speakerId of [null, "gone", "me"]) {
      const a = arrangeTiles([me, ana, ben], { view: "speaker", pinned: null, speakerId });
      expect(a.mode === "stage" && keys(a.stage)).toEqual(["ana:camera"]);
    }
  });

  test("speaker view alone is just your tile", () => {
    expect(arrangeTiles([me], { view: "speaker", pinned: null, speakerId: null })).toEqual({ mode: "grid", grid: [me] });
  });

  test("a pinned tile is the stage in either view, even your own, and beats a shared screen", () => {
    for (const view of ["grid", "speaker"] as const) {
      const a = arrangeTiles([me, ana, ben, screen("ana")], { view, pinned: "me:camera", speakerId: "ben" });
      expect(a.mode === "stage" && [a.why, keys(a.stage), keys(a.strip)]).toEqual(["pinned", ["me:camera"], ["ana:camera", "ben:camera", "ana:screen"]]);
    }
  });

  test("a pin whose tile went away is ignored", () => {
    expect(arrangeTiles([me, ana], { view: "grid", pinned: "ben:camera", speakerId: null }).mode).toBe("grid");
  });

  test("a shared screen takes the stage when nothing is pinned", () => {
    const a = arrangeTiles([me, ana, screen("ana")], { view: "grid", pinned: null, speakerId: null });
    expect(a.mode === "stage" && [a.why, keys(a.stage), keys(a.strip)]).toEqual(["screen", ["ana:screen"], ["me:camera", "ana:camera"]]);
  });
});

describe("who speaker view shows", () => {
  test("someone else speaking takes the stage; your own voice keeps the one before", () => {
    expect(nextStageSpeaker("ana", "me", null)).toBe("ana");
    expect(nextStageSpeaker("me", "me", "ana")).toBe("ana");
    expect(nextStageSpeaker(null, "me", "ben")).toBe("ben");
    expect(nextStageSpeaker("ben", "me", "ana")).toBe("ben");
  });
});

describe("holding the places while a tile is full screen", () => {
  test("a new speaker does not move the stage tile out of its place", () => {
    const before = arrangeTiles([me, ana, ben], { view: "speaker", pinned: null, speakerId: "ana" });
    const held = holdPlaces(before, [me, ana, ben]);
    expect(held).toEqual(before);
    // What arrangeTiles would have done: Ben on the stage, Ana (full screen) out of it.
    const moved = arrangeTiles([me, ana, ben], { view: "speaker", pinned: null, speakerId: "ben" });
    expect(moved.mode === "stage" && keys(moved.stage)).toEqual(["ben:camera"]);
  });

  test("the tiles are today's; newcomers join the strip or the grid; those who left are dropped", () => {
    const before = arrangeTiles([me, ana, ben], { view: "speaker", pinned: null, speakerId: "ana" });
    const ana2 = { ...ana, participant: { id: "ana" }, extra: 1 } as LayoutTile;
    const cy = cam("cy");
    const held = holdPlaces(before, [me, ana2, cy, screen("cy")]);
    expect(held.mode === "stage" && [held.stage[0], keys(held.strip)]).toEqual([ana2, ["me:camera", "cy:camera", "cy:screen"]]);
    const grid = holdPlaces(arrangeTiles([me, ana], { view: "grid", pinned: null, speakerId: null }), [ana, cy]);
    expect(grid).toEqual({ mode: "grid", grid: [ana, cy] });
  });
});
