import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as Y from "yjs";
import { startTestServer, type TestServer } from "../../helpers/app.ts";
import { eventually } from "../../helpers/eventually.ts";
import { openRoomSocket, wsUrl } from "../../helpers/ws.ts";
import { notesProvider, updateFrame } from "../../helpers/yjs.ts";


describe.each(["pglite", "postgres"] as const)("live notes through the stock y-websocket provider on %s", (kind) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(kind, { config: { roomGraceMs: 200 } });
  }, 60_000);
  afterAll(() => t?.close());

  test("seeded from the agenda; concurrent edits converge; the notes are readable and exportable afterwards", async () => {
    const owner = await t.signedUp("notes");
    const m = (await owner.post("/api/meetings", { title: "Planning", agenda: "1. Budget\n2. Hiring" })).body.meeting;
    const a = notesProvider(t.url, m.code, { cookie: owner.cookie, name: "Owner" });
    const b = notesProvider(t.url, m.code);
    await Promise.all([a.synced(), b.synced()]);
    expect(a.text.toString()).toBe("1. Budget\n2. Hiring\n");
    expect(b.text.toString()).toBe("1. Budget\n2. Hiring\n");

    // Both type at once, many small edits each.
    for (let i = 0; i < 30; i++) {
      a.text.insert(a.text.length, `a${i} `);
      b.text.insert(0, `b${i} `);
    }
    await eventually(() => {
      expect(a.text.toString()).toBe(b.text.toString());
      for (let i = 0; i < 30; i++) expect(a.text.toString()).toContain(`a${i} `);
      for (let i = 0; i < 30; i++) expect(a.text.toString()).toContain(`b${i} `);
    });
    // Awareness (names for cursors) reaches the other editor.
    await eventually(() => {
      const names = [...b.provider.awareness.getStates().values()].map((s) => (s as { user?: { name: string } }).user?.name);
      expect(names).toContain("Owner");
    });
    const finalText = a.text.toString();
    a.destroy();
    b.destroy();

    // The room saves and closes after the grace period; the participant reads the notes.
    await eventually(async () => {
      const list = await owner.get("/api/notes");
      const note = list.body.notes.find((n: { meetingId: string }) => n.meetingId === m.id);
      expect(note).toBeDefined();
      const full = await owner.get(`/api/notes/${note.id}`);
      expect(full.body.note.text).toBe(finalText);
    });
    const note = (await owner.get("/api/notes")).body.notes.find((n: { meetingId: string }) => n.meetingId === m.id);
    const md = await owner.get(`/api/notes/${note.id}/export.md`);
    expect(md.text).toContain(finalText.trimEnd());

    // A new session loads them back.
    const c = notesProvider(t.url, m.code);
    await c.synced();
    expect(c.text.toString()).toBe(finalText);
    c.destroy();
  });

  test("an invalid update or one over 1 MB closes only that socket; the document and the other editor are untouched", async () => {
    const m = (await t.client().post("/api/meetings", { agenda: "keep me" })).body.meeting;
    const good = notesProvider(t.url, m.code);
    await good.synced();
    good.text.insert(good.text.length, "typed;");
    await Bun.sleep(50);

    const hostile = await openRoomSocket(wsUrl(t.url, `/ws/meetings/${m.code}/notes`));
    hostile.send(updateFrame(new Uint8Array([1, 2, 3, 4, 5, 250, 251])));
    expect((await hostile.closed).code).toBe(4400);

    const random = await openRoomSocket(wsUrl(t.url, `/ws/meetings/${m.code}/notes`));
    random.send(crypto.getRandomValues(new Uint8Array(64)).map((x, i) => (i === 0 ? 0 : x)));
    expect([4400]).toContain((await random.closed).code);

    const text = await openRoomSocket(wsUrl(t.url, `/ws/meetings/${m.code}/notes`));
    text.send("hello");
    expect((await text.closed).code).toBe(4400);

    const big = new Y.Doc();
    big.getText("notes").insert(0, "x".repeat(1_100_000));
    const huge = await openRoomSocket(wsUrl(t.url, `/ws/meetings/${m.code}/notes`));
    huge.send(updateFrame(Y.encodeStateAsUpdate(big)));
    expect((await huge.closed).code).toBe(4413);

    const flood = await openRoomSocket(wsUrl(t.url, `/ws/meetings/${m.code}/notes`));
    const empty = updateFrame(Y.encodeStateAsUpdate(new Y.Doc()));
    for (let i = 0; i < 400; i++) flood.send(empty);
    expect((await flood.closed).code).toBe(4429);

    good.text.insert(good.text.length, "still editing");
    const other = notesProvider(t.url, m.code);
    await other.synced();
    await eventually(() => expect(other.text.toString()).toBe("keep me\ntyped;still editing"));
    good.destroy();
    other.destroy();
  });

  test("a second owner of the same notes fences the first: what the first acknowledged is kept, it writes no more", async () => {
    const m = (await t.client().post("/api/meetings", {})).body.meeting;
    const a = notesProvider(t.url, m.code);
    const b = notesProvider(t.url, m.code);
    await Promise.all([a.synced(), b.synced()]);
    a.text.insert(0, "acknowledged;");
    await eventually(() => expect(b.text.toString()).toBe("acknowledged;"));

    // Another node loads the same room from the database (as after a lost lease).
    const other = await startTestServer(kind, { database: t.database, config: { roomGraceMs: 200 } });
    try {
      const c = notesProvider(other.url, m.code);
      await c.synced();
      expect(c.text.toString()).toBe("acknowledged;");
      // The first node's room notices on its next write and sends its sockets away to reconnect.
      const closes: number[] = [];
      a.provider.on("connection-close", (event: CloseEvent | null) => closes.push(event?.code ?? 0));
      a.text.insert(a.text.length, "late;");
      await eventually(() => expect(closes).toContain(1012));
      c.destroy();
    } finally {
      a.destroy();
      b.destroy();
      await other.app.stop(true);
      await other.services.rooms.shutdown();
    }
  });
});
