import { describe, expect, test } from "bun:test";
import { chooseLayer, sameChoice } from "./layers.ts";

describe("chooseLayer", () => {
  const tile = (height: number, extra: Partial<Parameters<typeof chooseLayer>[1]> = {}) => ({ visible: true, width: Math.round((height * 16) / 9), height, ...extra });

  test("a small tile gets the low layer, a medium one the middle, a large one the top, all at full frame rate", () => {
    expect(chooseLayer("camera", tile(120))).toEqual({ send: true, substream: 0, temporal: 2 });
    expect(chooseLayer("camera", tile(240))).toEqual({ send: true, substream: 0, temporal: 2 });
    expect(chooseLayer("camera", tile(241))).toEqual({ send: true, substream: 1, temporal: 2 });
    expect(chooseLayer("camera", tile(480))).toEqual({ send: true, substream: 1, temporal: 2 });
    expect(chooseLayer("camera", tile(481))).toEqual({ send: true, substream: 2, temporal: 2 });
    expect(chooseLayer("camera", tile(1440))).toEqual({ send: true, substream: 2, temporal: 2 });
  });

  test("the stage and a screen share get the top layer whatever their size", () => {
    expect(chooseLayer("camera", tile(150, { stage: true }))).toEqual({ send: true, substream: 2, temporal: 2 });
    expect(chooseLayer("screen", tile(150))).toEqual({ send: true, substream: 2, temporal: 2 });
  });

  test("a tile that is not visible, or has no size, gets no video", () => {
    expect(chooseLayer("camera", tile(720, { visible: false }))).toEqual({ send: false });
    expect(chooseLayer("camera", tile(720, { visible: false, stage: true }))).toEqual({ send: false });
    expect(chooseLayer("screen", tile(720, { visible: false }))).toEqual({ send: false });
    expect(chooseLayer("camera", { visible: true, width: 0, height: 0 })).toEqual({ send: false });
  });

  test("the receiver's cap bounds every camera, the stage too, but not a screen share", () => {
    expect(chooseLayer("camera", tile(720, { stage: true }), 0)).toEqual({ send: true, substream: 0, temporal: 2 });
    expect(chooseLayer("camera", tile(300), 1)).toEqual({ send: true, substream: 1, temporal: 2 });
    expect(chooseLayer("camera", tile(120), 1)).toEqual({ send: true, substream: 0, temporal: 2 });
    expect(chooseLayer("screen", tile(720), 0)).toEqual({ send: true, substream: 2, temporal: 2 });
    expect(chooseLayer("camera", tile(720, { visible: false }), 2)).toEqual({ send: false });
  });

  test("sameChoice tells a change from a repeat", () => {
    expect(sameChoice(undefined, { send: false })).toBe(false);
    expect(sameChoice({ send: true, substream: 1, temporal: 2 }, { send: true, substream: 1, temporal: 2 })).toBe(true);
    expect(sameChoice({ send: true, substream: 1, temporal: 2 }, { send: true, substream: 0, temporal: 2 })).toBe(false);
  });
});
