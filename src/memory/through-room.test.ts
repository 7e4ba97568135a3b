import { describe, expect, test } from "bun:test";
import * as Y from "yjs";
import { AppError } from "../errors.ts";
import { editThroughRoom } from "./through-room.ts";

describe("editing notes through the room", () => {
  test("a room that refuses the socket (4403) is FORBIDDEN, not a timeout", async () => {
    const err = await editThroughRoom(
      async (conn) => {
        conn.close(4403, "Wait until a host lets you in");
        return { frame: () => undefined, closed: () => undefined };
      },
      () => null,
      { timeoutMs: 2_000 },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("FORBIDDEN");
  });

  test("a room that never answers is UNAVAILABLE once the time is up", async () => {
    const err = await editThroughRoom(async () => ({ frame: () => undefined, closed: () => undefined }), () => null, { timeoutMs: 200 }).catch((e) => e);
    expect((err as AppError).code).toBe("UNAVAILABLE");
  });

  test("an edit the room does not need (already so) sends nothing and closes the socket", async () => {
    const sent: Uint8Array[] = [];
    let closed = 0;
    const room = new Y.Doc();
    room.getText("notes").insert(0, "- [x] Done\n");
    const doc = await editThroughRoom(
      async (conn) => ({
        frame: (data) => {
          sent.push(data as Uint8Array);
          // Answer sync step 1 with everything (y-websocket's step 2).
          const state = Y.encodeStateAsUpdate(room);
          conn.send(new Uint8Array([0, 1, ...varUint(state.length), ...state]));
        },
        closed: () => void closed++,
      }),
      () => null,
    );
    expect(doc.getText("notes").toString()).toBe("- [x] Done\n");
    expect(sent).toHaveLength(1);
    expect(closed).toBe(1);
  });
});

function varUint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n >>>= 7;
  }
  out.push(n);
  return out;
}
