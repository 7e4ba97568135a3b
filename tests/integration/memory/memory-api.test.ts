/**
 * The meeting's memory over HTTP against the real server (issue 16): the timeline (attendance from
 * the room, talk time from segments, notes lines on the meeting's clock), the team's action items,
 * a tick from the team page landing in a live editor's notes, a new team meeting seeded with the
 * open items, a tick on a meeting nobody is in, the Markdown export, and who may read what.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { schema } from "../../../src/db/index.ts";
import { startTestServer, type TestServer } from "../../helpers/app.ts";
import { DB_KINDS } from "../../helpers/db.ts";
import { eventually } from "../../helpers/eventually.ts";
import { openRoomSocket, wsUrl } from "../../helpers/ws.ts";
import { notesProvider } from "../../helpers/yjs.ts";

describe.each(DB_KINDS)("meeting memory API on %s", (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind, { config: { roomGraceMs: 300 } });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  test("timeline, action items ticked into a live editor, agenda seeded, export, access", async () => {
    const ana = await server.signedUp("ana");
    const ben = await server.signedUp("ben");
    const eve = await server.signedUp("eve");
    const team = (await ana.post("/api/teams", { name: "Planning" })).body.team;
    await ben.post("/api/teams/join", { code: team.code });
    const meeting = (await ana.post("/api/meetings", { teamId: team.id, title: "Weekly plan" })).body.meeting;

    const room = await openRoomSocket(wsUrl(server.url, `/ws/meetings/${meeting.code}`), { cookie: ana.cookie });
    room.send({ type: "hello" });
    const welcome = await room.next("welcome");
    const editor = notesProvider(server.url, meeting.code, { cookie: ana.cookie });
    await editor.synced();
    const typedAt = Date.now();
    editor.text.insert(editor.text.length, "Budget talk\n- [ ] Send the budget @ben\n");
    const items = await eventually(async () => {
      const r = await ben.get(`/api/teams/${team.id}/action-items?done=false`);
      expect(r.status).toBe(200);
      expect(r.body.actionItems).toHaveLength(1);
      return r.body.actionItems;
    }, { timeoutMs: 10_000 });
    expect(items[0]).toMatchObject({ text: "Send the budget @ben", done: false, assignee: "ben", meetingCode: meeting.code, meetingTitle: "Weekly plan" });
    expect(items[0].id).toStartWith(`${meeting.code}.`);

    // The next team meeting starts with the open item in its agenda.
    const next = (await ben.post("/api/meetings", { teamId: team.id, title: "Next week", startsAt: new Date(Date.now() + 86_400_000).toISOString() })).body.meeting;
    expect(next.agenda).toContain("- [ ] Send the budget @ben");
    // Carried over, the item still counts once.
    expect((await ben.get(`/api/teams/${team.id}/action-items?done=false`)).body.actionItems).toHaveLength(1);

    // Ticked on the team page (by id of the item in the first meeting): the live editor has it at once.
    const ticked = await ben.patch(`/api/action-items/${items[0].id}`, { done: true });
    expect(ticked.status).toBe(200);
    expect(ticked.body.actionItem).toMatchObject({ id: items[0].id, done: true });
    await eventually(() => expect(editor.text.toString()).toContain("- [x] Send the budget @ben"), { timeoutMs: 5_000 });
    // The next meeting's notes, opened (seeded with its agenda's open copy), do not reopen it.
    const nextNotes = notesProvider(server.url, next.code, { cookie: ben.cookie });
    await nextNotes.synced();
    expect(nextNotes.text.toString()).toContain("- [ ] Send the budget @ben");
    nextNotes.destroy();
    await eventually(async () => expect((await ben.get(`/api/teams/${team.id}/action-items?done=false`)).body.actionItems).toEqual([]), { timeoutMs: 5_000 });
    expect((await ben.get(`/api/teams/${team.id}/action-items?done=true`)).body.actionItems).toMatchObject([{ id: items[0].id, done: true }]);

    // Validation, one error shape, and outsiders.
    const bad = await ben.patch(`/api/action-items/${items[0].id}`, { done: "yes" });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe("INVALID_ARGUMENT");
    expect((await ben.patch(`/api/action-items/${meeting.code}.1.2`, { done: true })).body.error.code).toBe("NOT_FOUND");
    expect((await ben.patch(`/api/action-items/nonsense`, { done: true })).status).toBe(404);
    expect((await eve.patch(`/api/action-items/${items[0].id}`, { done: false })).status).toBe(404);
    expect((await eve.get(`/api/teams/${team.id}/action-items`)).status).toBe(404);
    expect((await eve.get(`/api/meetings/${meeting.code}/timeline`)).status).toBe(404);
    expect((await server.client().get(`/api/meetings/${meeting.code}/timeline`)).status).toBe(401);
    expect((await ben.get(`/api/teams/${team.id}/action-items?done=maybe`)).status).toBe(422);

    // Everyone leaves; the room saves and goes (attendance is written as it disposes).
    room.send({ type: "leave" });
    await room.closed;
    editor.destroy();
    await eventually(async () => expect(await server.services.rooms.directory.isLive(meeting.code)).toBe(false), { timeoutMs: 10_000 });

    // Segments as the room writes them (the SFU is not part of this test): Ana 4 s in two turns, Ben 2 s.
    const start = (await ana.get(`/api/meetings/${meeting.code}/timeline`)).body.timeline.startedAt;
    const t0 = Date.parse(start);
    await server.database.db.insert(schema.speakerSegments).values([
      { meetingId: meeting.id, participantId: welcome.self.id, userId: ana.user.id, name: "Ana", startedAt: new Date(t0 + 1_000), endedAt: new Date(t0 + 4_000) },
      { meetingId: meeting.id, participantId: "p-ben", userId: ben.user.id, name: "Ben", startedAt: new Date(t0 + 5_000), endedAt: new Date(t0 + 7_000) },
      { meetingId: meeting.id, participantId: welcome.self.id, userId: ana.user.id, name: "Ana", startedAt: new Date(t0 + 8_000), endedAt: new Date(t0 + 9_000) },
    ]);
    const timeline = (await ben.get(`/api/meetings/${meeting.code}/timeline`)).body.timeline;
    expect(timeline.participants.map((p: any) => p.id)).toContain(welcome.self.id);
    const anaStay = timeline.participants.find((p: any) => p.id === welcome.self.id);
    expect(anaStay.userId).toBe(ana.user.id);
    expect(anaStay.leftAt).not.toBeNull();
    expect(timeline.segments.map((s: any) => [s.participantId, s.startMs, s.endMs])).toEqual([
      [welcome.self.id, 1_000, 4_000],
      ["p-ben", 5_000, 7_000],
      [welcome.self.id, 8_000, 9_000],
    ]);
    expect(timeline.talk).toEqual([
      { participantId: welcome.self.id, ms: 4_000, share: 4 / 6, turns: 2 },
      { participantId: "p-ben", ms: 2_000, share: 2 / 6, turns: 1 },
    ]);
    const line = timeline.lines.find((l: any) => l.text === "- [x] Send the budget @ben");
    expect(line).toBeDefined();
    // Written a moment after the test typed it (durable, then stamped): within 2 s of the test's clock.
    expect(Math.abs(line.atMs - (typedAt - t0))).toBeLessThan(2_000);
    expect(timeline.actionItems).toMatchObject([{ id: items[0].id, done: true }]);

    // Unticked while nobody is in the meeting: the room is loaded for it, and the notes keep it.
    const undone = await ana.patch(`/api/action-items/${items[0].id}`, { done: false });
    expect(undone.status).toBe(200);
    expect(undone.body.actionItem.done).toBe(false);
    expect((await ana.get(`/api/teams/${team.id}/action-items?done=false`)).body.actionItems).toHaveLength(1);

    const md = await ana.get(`/api/meetings/${meeting.code}/export.md`);
    expect(md.status).toBe(200);
    expect(md.headers.get("content-type")).toContain("text/markdown");
    expect(md.text).toContain("# Weekly plan");
    expect(md.text).toContain("## Talk time");
    expect(md.text).toContain("- [ ] Send the budget @ben");
    expect((await eve.get(`/api/meetings/${meeting.code}/export.md`)).status).toBe(404);

    const docs = await server.client().get("/api/docs/json");
    expect(Object.keys(docs.body.paths)).toEqual(expect.arrayContaining(["/api/meetings/{code}/timeline", "/api/teams/{id}/action-items", "/api/action-items/{id}"]));
  }, 60_000);
});
