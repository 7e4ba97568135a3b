import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { schema } from "../../../src/db/index.ts";
import { startTestServer, type TestServer } from "../../helpers/app.ts";
import { eventually } from "../../helpers/eventually.ts";
import { openRoomSocket, wsUrl } from "../../helpers/ws.ts";
import { notesProvider } from "../../helpers/yjs.ts";

describe("the room socket (one node, real Postgres)", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer("postgres", { config: { roomGraceMs: 300 } });
  }, 60_000);
  afterAll(() => t?.close());

  const publicMeeting = async () => (await t.client().post("/api/meetings", { title: "Open call" })).body.meeting as { id: string; code: string };
  const join = async (code: string, name?: string, cookie?: string | null) => {
    const c = await openRoomSocket(wsUrl(t.url, `/ws/meetings/${code}`), { cookie });
    c.send({ type: "hello", ...(name ? { name } : {}) });
    const welcome = await c.next("welcome");
    return Object.assign(c, { welcome, self: welcome.self });
  };

  test("guests join with a name, see each other, chat, change presence and leave", async () => {
    const m = await publicMeeting();
    const ana = await join(m.code, "Ana");
    expect(ana.welcome).toMatchObject({ self: { name: "Ana", userId: null, audioMuted: false, publishing: { camera: false, screen: false } }, participants: [{ name: "Ana" }], chat: [] });
    expect(typeof ana.welcome.resumeToken).toBe("string");

    const ben = await join(m.code, "Ben");
    expect(ben.welcome.participants.map((p: { name: string }) => p.name).sort()).toEqual(["Ana", "Ben"]);
    expect((await ana.next("participant.joined")).participant).toMatchObject({ id: ben.self.id, name: "Ben" });

    ben.send({ type: "presence", id: 7, audioMuted: true, handRaised: true });
    expect(await ben.next("ack")).toEqual({ type: "ack", id: 7 });
    expect((await ana.next("participant.updated")).participant).toMatchObject({ id: ben.self.id, audioMuted: true, handRaised: true });

    ana.send({ type: "chat", text: "  hello there  " });
    const chat = await ben.next("chat");
    expect(chat).toMatchObject({ from: ana.self.id, name: "Ana", text: "hello there" });
    expect(Date.parse(chat.at)).toBeGreaterThan(0);
    // Someone joining later gets the chat so far.
    const cy = await join(m.code, "Cy");
    expect(cy.welcome.chat.map((c: { text: string }) => c.text)).toEqual(["hello there"]);

    ben.send({ type: "presence", name: "Benjamin" });
    expect((await cy.next("participant.updated")).participant.name).toBe("Benjamin");

    ben.send({ type: "leave" });
    expect((await ben.closed).code).toBe(1000);
    expect((await ana.next("participant.left")).participant.id).toBe(ben.self.id);
    cy.close(1001);
    expect((await ana.next("participant.left")).participant.id).toBe(cy.self.id);
    ana.close();
  });

  test("names are normalised and refuse invisible characters; a guest cannot take the name of someone signed in", async () => {
    const member = await t.signedUp("namesake");
    const m = await publicMeeting();
    const bidi = await openRoomSocket(wsUrl(t.url, `/ws/meetings/${m.code}`));
    bidi.send({ type: "hello", id: "h", name: "Eve\u202Egnp" });
    expect(await bidi.next("error")).toMatchObject({ code: "INVALID_ARGUMENT", id: "h" });
    bidi.send({ type: "hello", id: "h2", name: "Zero\u200Bwidth" });
    expect(await bidi.next("error", (e) => e.id === "h2")).toMatchObject({ code: "INVALID_ARGUMENT" });
    const wide = await join(m.code, "\uFF25\uFF56\uFF45");
    expect(wide.self.name).toBe("Eve");

    const ada = await join(m.code, undefined, member.cookie);
    const memberName = ada.self.name as string;
    const impostor = await openRoomSocket(wsUrl(t.url, `/ws/meetings/${m.code}`));
    impostor.send({ type: "hello", id: "i", name: memberName.toUpperCase() });
    expect(await impostor.next("error")).toMatchObject({ code: "CONFLICT", id: "i" });
    wide.send({ type: "presence", id: "p", name: memberName });
    expect(await wide.next("error")).toMatchObject({ code: "CONFLICT", id: "p" });
    wide.send({ type: "presence", id: "q", name: "Eve\u2066x" });
    expect(await wide.next("error", (e) => e.id === "q")).toMatchObject({ code: "INVALID_ARGUMENT" });
    for (const c of [bidi, wide, ada, impostor]) c.close();
  });

  test("a guest must give a name; a signed-in user is named after their account and recorded as a participant", async () => {
    const m = await publicMeeting();
    const guest = await openRoomSocket(wsUrl(t.url, `/ws/meetings/${m.code}`));
    guest.send({ type: "hello", id: "h1" });
    expect(await guest.next("error")).toMatchObject({ code: "INVALID_ARGUMENT", id: "h1" });
    guest.send({ type: "chat", text: "before hello" });
    expect((await guest.next("error")).message).toContain("hello");

    const user = await t.signedUp("roomuser");
    const member = await join(m.code, undefined, user.cookie);
    expect(member.self).toMatchObject({ name: user.user.username, userId: user.user.id });
    const notes = notesProvider(t.url, m.code, { cookie: user.cookie });
    await notes.synced();
    notes.text.insert(0, "minutes");
    await eventually(async () => {
      const rows = await t.database.db.select().from(schema.meetingParticipants).where(eq(schema.meetingParticipants.meetingId, m.id));
      expect(rows.map((r) => r.userId)).toEqual([user.user.id]);
    });
    const [meeting] = await t.database.db.select().from(schema.meetings).where(eq(schema.meetings.id, m.id));
    expect(meeting!.startedAt).not.toBeNull();
    expect(meeting!.endedAt).toBeNull();
    // The participant can read the meeting's notes afterwards.
    notes.destroy();
    member.close();
    guest.close();
    await eventually(async () => {
      const [after] = await t.database.db.select().from(schema.meetings).where(eq(schema.meetings.id, m.id));
      expect(after!.endedAt).not.toBeNull();
    });
    const listed = await user.get("/api/notes");
    expect(listed.body.notes.find((n: { meetingId: string }) => n.meetingId === m.id)?.excerpt).toBe("minutes");
  });

  test("a dropped socket keeps its seat for the grace period and takes it back with its resume token", async () => {
    const m = await publicMeeting();
    const ana = await join(m.code, "Ana");
    const ben = await join(m.code, "Ben");
    ben.send({ type: "presence", handRaised: true });
    await ana.next("participant.updated");
    const mark = ana.messages.length;
    ben.close(4000, "network blip"); // not 1000/1001/1005: counts as a drop
    await ben.closed;
    const back = await openRoomSocket(wsUrl(t.url, `/ws/meetings/${m.code}`));
    back.send({ type: "hello", resume: ben.welcome.resumeToken });
    const welcome = await back.next("welcome");
    expect(welcome.self).toMatchObject({ id: ben.self.id, name: "Ben", handRaised: true });
    expect(welcome.resumeToken).toBe(ben.welcome.resumeToken);
    // Nobody saw Ben leave or join again.
    await Bun.sleep(400);
    expect(ana.messages.slice(mark).filter((x) => x.type === "participant.left" || x.type === "participant.joined")).toEqual([]);

    // Without coming back, the seat ends after the grace period.
    back.close(4000);
    expect((await ana.next("participant.left", undefined, 3000)).participant.id).toBe(ben.self.id);
    ana.close();
  });

  test("team meeting sockets refuse guests (4401), non-members (4403) and unknown codes (4404)", async () => {
    const owner = await t.signedUp("teamowner");
    const outsider = await t.signedUp("outsider");
    const team = (await owner.post("/api/teams", { name: "Private" })).body.team;
    const m = (await owner.post("/api/meetings", { teamId: team.id })).body.meeting;
    for (const path of [`/ws/meetings/${m.code}`, `/ws/meetings/${m.code}/notes`]) {
      const guest = await openRoomSocket(wsUrl(t.url, path));
      expect((await guest.closed).code).toBe(4401);
      const stranger = await openRoomSocket(wsUrl(t.url, path), { cookie: outsider.cookie });
      expect((await stranger.closed).code).toBe(4403);
    }
    const unknown = await openRoomSocket(wsUrl(t.url, "/ws/meetings/zzzz-zzzz-zzzz"));
    expect((await unknown.closed).code).toBe(4404);
    const garbage = await openRoomSocket(wsUrl(t.url, "/ws/meetings/..%2F..%2Fetc"));
    expect((await garbage.closed).code).toBe(4404);
    const foreign = await openRoomSocket(wsUrl(t.url, `/ws/meetings/${m.code}`), { cookie: owner.cookie, origin: "https://evil.example" });
    expect((await foreign.closed).code).toBe(4403);
    const member = await join(m.code, undefined, owner.cookie);
    expect(member.self.userId).toBe(owner.user.id);
    member.close();
  });

  test("a hostile client is refused clearly while a well-behaved one in the same room keeps working", async () => {
    const m = await publicMeeting();
    const good = await join(m.code, "Good");
    const bad = await join(m.code, "Bad");
    for (const frame of ["not json", "{\"type\":42}", "[1,2,3]", JSON.stringify({ type: "chat", text: "x".repeat(3000) }), JSON.stringify({ type: "presence", audioMuted: "yes" }), JSON.stringify({ type: "nope" })]) {
      bad.send(frame);
      expect((await bad.next("error")).code).toBe("INVALID_ARGUMENT");
    }
    bad.send(new Uint8Array([0, 1, 2, 255]));
    expect((await bad.next("error")).message).toContain("JSON");
    // Still up after a few bad frames; repeated abuse closes it.
    for (let i = 0; i < 20; i++) bad.send("garbage");
    expect((await bad.closed).code).toBe(4400);

    const huge = await join(m.code, "Huge");
    huge.send(JSON.stringify({ type: "chat", text: "x".repeat(70 * 1024) }));
    expect((await huge.closed).code).toBe(4413);

    const flood = await join(m.code, "Flood");
    for (let i = 0; i < 500; i++) flood.send({ type: "presence", handRaised: i % 2 === 0 });
    expect((await flood.closed).code).toBe(4429);

    good.send({ type: "chat", text: "still here" });
    expect((await good.next("chat", (c) => c.text === "still here")).from).toBe(good.self.id);
    good.send({ type: "ping", id: 1 });
    expect(await good.next("pong")).toEqual({ type: "pong", id: 1 });
    good.close();
  });

  test("a guest's recording.start is refused with UNAUTHENTICATED", async () => {
    const m = await publicMeeting();
    const guest = await join(m.code, "Guest");
    guest.send({ type: "recording.start", id: "r" });
    expect(await guest.next("error")).toMatchObject({ code: "UNAUTHENTICATED", id: "r" });
    guest.close();
  });
});
