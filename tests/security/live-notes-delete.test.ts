/**
 * Deleting the notes of a meeting that is still going on, on one node and across two over Redis.
 * Pins what was found by hand: the delete fenced the live room — every socket of the meeting was
 * closed with 1012 "Room moved" — and the editors wrote the notes back under a new id, so the delete
 * was undone and everyone was kicked. Now it answers 409 and nothing in the meeting moves.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { startTestServer, type TestServer } from "../helpers/app.ts";
import { eventually } from "../helpers/eventually.ts";
import { testRedis } from "../helpers/redis.ts";
import { openRoomSocket, wsUrl } from "../helpers/ws.ts";
import { notesProvider } from "../helpers/yjs.ts";

describe("the notes of a live meeting", () => {
  const servers: TestServer[] = [];
  afterAll(async () => {
    for (const t of servers) await t.close();
  });

  async function liveMeeting(t: TestServer, owner: Awaited<ReturnType<TestServer["signedUp"]>>, editorUrl = t.url) {
    const meeting = (await owner.post("/api/meetings", { title: "Live" })).body.meeting as { id: string; code: string };
    const room = await openRoomSocket(wsUrl(t.url, `/ws/meetings/${meeting.code}`), { cookie: owner.cookie });
    room.send({ type: "hello" });
    await room.next("welcome");
    const editor = notesProvider(editorUrl, meeting.code, { cookie: owner.cookie, name: "Owner" });
    await editor.synced();
    editor.text.insert(0, "decisions so far");
    const noteId = await eventually(async () => {
      const note = (await owner.get("/api/notes")).body.notes.find((n: { meetingId: string }) => n.meetingId === meeting.id);
      expect(note).toBeDefined();
      return note.id as string;
    });
    return { meeting, room, editor, noteId };
  }

  test("one node: 409 while the meeting is live, nobody is disconnected; once it has ended the delete works and stays done", async () => {
    const t = await startTestServer("postgres", { config: { roomGraceMs: 200 } });
    servers.push(t);
    const owner = await t.signedUp("live-notes");
    const { meeting, room, editor, noteId } = await liveMeeting(t, owner);

    const refused = await owner.del(`/api/notes/${noteId}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: "CONFLICT" });
    expect(refused.body.error.message).toContain("in progress");
    // Nothing moved: the room socket answers, the editor is still connected and its notes are kept.
    room.send({ type: "ping", id: "after" });
    expect(await room.next("pong", (m) => m.id === "after")).toMatchObject({ id: "after" });
    editor.text.insert(editor.text.length, " and more");
    await eventually(async () => expect((await owner.get(`/api/notes/${noteId}`)).body.note?.text ?? "").toContain("and more"), { timeoutMs: 15_000 });
    expect(editor.provider.wsconnected).toBe(true);

    room.send({ type: "leave" });
    editor.destroy();
    await room.closed;
    await eventually(async () => expect((await owner.del(`/api/notes/${noteId}`)).status).toBe(204), { timeoutMs: 10_000 });
    await Bun.sleep(300);
    const left = (await owner.get("/api/notes")).body.notes.filter((n: { meetingId: string }) => n.meetingId === meeting.id);
    expect(left).toEqual([]);
  });

  test("two nodes over Redis: the node that does not hold the room refuses too", async () => {
    const r = await testRedis();
    const a = await startTestServer("postgres", { config: { roomGraceMs: 200, redisPrefix: r.prefix }, cluster: { redis: r.redis, prefix: r.prefix, nodeId: "node-a" } });
    const b = await startTestServer("postgres", { database: a.database, config: { roomGraceMs: 200, redisPrefix: r.prefix }, cluster: { redis: r.redis, prefix: r.prefix, nodeId: "node-b" } });
    try {
      const owner = await a.signedUp("live-notes-2");
      const { room, editor, noteId } = await liveMeeting(a, owner);
      // The same person, through the other node (it shares the database, not the room).
      const atB = await b.app.handle(new Request(`http://localhost/api/notes/${noteId}`, { method: "DELETE", headers: { cookie: owner.cookie! } }));
      expect(atB.status).toBe(409);
      room.close();
      editor.destroy();
    } finally {
      await b.close();
      await a.close();
      await r.cleanup();
    }
  });
});
