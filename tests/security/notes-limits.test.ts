/**
 * What one hostile editor can do to a meeting's notes, against the real server on real Postgres,
 * with the stock y-websocket provider as the bystanders. Pins what was found by hand: the document
 * had no size limit (25 updates of 900 KB were accepted, relayed to everyone, and grew the server by
 * ~200 MB), and awareness states were relayed unread — a guest could set `user.color` to CSS that
 * the editor writes into everyone's `style` attribute, and overwrite another client's cursor name.
 */
import { afterAll, describe, expect, test } from "bun:test";
import * as encoding from "lib0/encoding";
import * as Y from "yjs";
import { DEFAULT_ROOM_LIMITS } from "../../src/rooms/index.ts";
import { startTestServer, type TestServer } from "../helpers/app.ts";
import { eventually } from "../helpers/eventually.ts";
import { openRoomSocket, wsUrl } from "../helpers/ws.ts";
import { notesProvider, updateFrame, type NotesClient } from "../helpers/yjs.ts";

const MAX_DOC = 256 * 1024;


/** An update inserting `text` into the notes, from a document of its own (a client nobody knows). */
function insertUpdate(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText("notes").insert(0, text);
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}

/** A y-websocket awareness frame setting the given states (`null` removes a client). */
function awarenessFrame(entries: { clientId: number; clock: number; state: unknown }[]): Uint8Array {
  const update = encoding.createEncoder();
  encoding.writeVarUint(update, entries.length);
  for (const e of entries) {
    encoding.writeVarUint(update, e.clientId);
    encoding.writeVarUint(update, e.clock);
    encoding.writeVarString(update, JSON.stringify(e.state));
  }
  const frame = encoding.createEncoder();
  encoding.writeVarUint(frame, 1);
  encoding.writeVarUint8Array(frame, encoding.toUint8Array(update));
  return encoding.toUint8Array(frame);
}

const statesAt = (c: NotesClient) => c.provider.awareness.getStates() as Map<number, { user?: { name?: string; color?: string } }>;

describe("one hostile editor cannot hurt the notes or the other editors", () => {
  const servers: TestServer[] = [];
  const clients: NotesClient[] = [];

  /** A server with these notes limits, one meeting, and two well-behaved editors on it. */
  async function meeting(limits: Partial<typeof DEFAULT_ROOM_LIMITS>) {
    const t = await startTestServer("postgres", { config: { roomGraceMs: 200 }, roomLimits: { ...DEFAULT_ROOM_LIMITS, ...limits } });
    servers.push(t);
    const owner = await t.signedUp("notes-owner");
    const code = (await owner.post("/api/meetings", { title: "Limits" })).body.meeting.code as string;
    const writer = notesProvider(t.url, code, { cookie: owner.cookie, name: "Owner" });
    const bystander = notesProvider(t.url, code, { name: "Bystander" });
    clients.push(writer, bystander);
    await Promise.all([writer.synced(), bystander.synced()]);
    /** What the server holds: a new editor's first sync. */
    const serverText = async () => {
      const fresh = notesProvider(t.url, code);
      await fresh.synced();
      const text = fresh.text.toString();
      fresh.destroy();
      return text;
    };
    return { writer, bystander, serverText, hostile: () => openRoomSocket(wsUrl(t.url, `/ws/meetings/${code}/notes`)) };
  }

  afterAll(async () => {
    for (const c of clients) c.destroy();
    for (const t of servers) await t.close();
  });

  test("past the document cap an update is refused with 4413: nothing written, the others untouched and still editing", async () => {
    const m = await meeting({ notesMaxDocBytes: MAX_DOC });
    m.writer.text.insert(m.writer.text.length, "a".repeat(100_000));
    await eventually(() => expect(m.bystander.text.length).toBeGreaterThanOrEqual(100_000));
    const hostile = await m.hostile();
    hostile.send(updateFrame(insertUpdate("HOSTILE-BIG " + "x".repeat(200_000))));
    expect((await hostile.closed).code).toBe(4413);
    m.writer.text.insert(0, "still here ");
    await eventually(() => expect(m.bystander.text.toString().startsWith("still here ")).toBe(true));
    expect(m.bystander.text.toString()).not.toContain("HOSTILE-BIG");
    expect(m.writer.text.toString()).not.toContain("HOSTILE-BIG");
    const held = await m.serverText();
    expect(held.startsWith("still here ")).toBe(true);
    expect(held).not.toContain("HOSTILE-BIG");
  });

  test("a flood of large updates is refused with 4429 before it is written or relayed", async () => {
    const m = await meeting({ notesBytesPerSecond: 32 * 1024, notesBytesBurst: 128 * 1024 });
    const hostile = await m.hostile();
    let sent = 0;
    for (let i = 0; i < 40 && hostile.ws.readyState === WebSocket.OPEN; i++) {
      hostile.send(updateFrame(insertUpdate(`FLOOD-${i}-` + "y".repeat(40 * 1024))));
      sent++;
    }
    expect((await hostile.closed).code).toBe(4429);
    m.writer.text.insert(0, "after the flood ");
    await eventually(() => expect(m.bystander.text.toString()).toContain("after the flood "));
    // At most the burst got through (three 40 KB updates of 128 KB); the rest was never relayed nor kept.
    const seen = (m.bystander.text.toString().match(/FLOOD-\d+-/g) ?? []).length;
    expect(seen).toBeLessThanOrEqual(3);
    expect(((await m.serverText()).match(/FLOOD-\d+-/g) ?? []).length).toBe(seen);
  });

  test("an awareness state with CSS in its colour is dropped, not relayed; a valid one is relayed", async () => {
    const m = await meeting({});
    const hostile = await m.hostile();
    hostile.send(awarenessFrame([{ clientId: 424_242, clock: 1, state: { user: { name: "Eve", color: "red;position:fixed;inset:0;background:url(https://example.invalid/x)" } } }]));
    hostile.send(awarenessFrame([{ clientId: 424_243, clock: 1, state: { user: { name: "Eve\u202Eevil", color: "#aabbcc" } } }]));
    hostile.send(awarenessFrame([{ clientId: 424_244, clock: 1, state: { user: { name: "Eve", color: "#aabbcc" }, extra: "x".repeat(2000) } }]));
    hostile.send(awarenessFrame([{ clientId: 424_245, clock: 1, state: { user: { name: "Eve", color: "#aabbcc" } } }]));
    // The valid one arrives; those sent before it on the same socket would have arrived first.
    await eventually(() => expect(statesAt(m.bystander).get(424_245)?.user?.name).toBe("Eve"));
    expect(statesAt(m.bystander).has(424_242)).toBe(false);
    expect(statesAt(m.bystander).has(424_243)).toBe(false);
    expect(statesAt(m.bystander).has(424_244)).toBe(false);
    hostile.close();
  });

  test("a socket cannot set or remove another client's awareness entry (no forged name on someone else's cursor)", async () => {
    const m = await meeting({});
    const ownerId = m.writer.doc.clientID;
    await eventually(() => expect(statesAt(m.bystander).get(ownerId)?.user?.name).toBe("Owner"));
    const hostile = await m.hostile();
    hostile.send(awarenessFrame([{ clientId: ownerId, clock: 1_000_000, state: { user: { name: "Forged", color: "#000000" } } }]));
    hostile.send(awarenessFrame([{ clientId: ownerId, clock: 1_000_001, state: null }]));
    hostile.send(awarenessFrame([{ clientId: 515_151, clock: 1, state: { user: { name: "Marker", color: "#123456" } } }]));
    await eventually(() => expect(statesAt(m.bystander).get(515_151)?.user?.name).toBe("Marker"));
    expect(statesAt(m.bystander).get(ownerId)?.user?.name).toBe("Owner");
    hostile.close();
    // Its own entry goes with it.
    await eventually(() => expect(statesAt(m.bystander).has(515_151)).toBe(false));
  });
});
