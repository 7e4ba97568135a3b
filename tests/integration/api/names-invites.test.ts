/**
 * Issue 17's names and order, and the meeting invitation: display names with spaces, instant
 * meetings titled after their starter in the starter's time zone, renaming, ended instant meetings
 * that can no longer be moved, the per-meeting .ics, and Resources that leave out notes nobody wrote.
 */
import { describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import ICAL from "ical.js";
import { schema } from "../../../src/db/index.ts";
import { useTestApp } from "../../helpers/app.ts";
import { DB_KINDS } from "../../helpers/db.ts";
import { newUser, type HttpReply } from "../../helpers/http.ts";

function expectError(res: HttpReply, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/json");
  expect(res.body.error.code).toBe(code);
  expect(typeof res.body.error.message).toBe("string");
  expect(res.text).not.toContain("    at ");
}

/** "2 Dec 18:14" for `at` in `timeZone`, the way the titles write it. */
function localShort(at: Date, timeZone: string) {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone, day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
      .formatToParts(at)
      .map((x) => [x.type, x.value]),
  );
  return `${p.day} ${p.month} ${p.hour}:${p.minute}`;
}

describe.each(DB_KINDS)("names, renaming and invitations on %s", (kind) => {
  const t = useTestApp(kind);

  test("a display name may hold spaces; the username keeps its handle rules", async () => {
    const c = t.client();
    const data = newUser("ada");
    const created = await c.post("/api/auth/signup", { ...data, displayName: "  Ada   Lovelace " });
    expect(created.status).toBe(201);
    expect(created.body.user).toMatchObject({ username: data.username, displayName: "Ada Lovelace" });
    expect((await c.get("/api/me")).body.user.displayName).toBe("Ada Lovelace");

    // Without one, the username stands in.
    const plain = await t.signedUp("plain");
    expect(plain.user).toMatchObject({ displayName: plain.user.username });

    const renamed = await c.patch("/api/me", { displayName: "Augusta Ada King" });
    expect(renamed.status).toBe(200);
    expect(renamed.body.user.displayName).toBe("Augusta Ada King");

    for (const bad of ["", "   ", "Ada\u202ELovelace", "Ada\nLovelace", "x".repeat(61), 42, null]) {
      const res = await c.patch("/api/me", { displayName: bad });
      expectError(res, 422, "INVALID_ARGUMENT");
      expect(res.body.error.fields.displayName).toBeString();
    }
    const spaced = await c.patch("/api/me", { username: "ada lovelace" });
    expectError(spaced, 422, "INVALID_ARGUMENT");
    expect(spaced.body.error.fields.username).toBeString();
    const badSignup = await t.client().post("/api/auth/signup", { ...newUser("bad"), displayName: "a\u200Bb" });
    expectError(badSignup, 422, "INVALID_ARGUMENT");
    expect(badSignup.body.error.fields.displayName).toBeString();

    // Teammates see the display name, beside the handle.
    const team = (await c.post("/api/teams", { name: "Engines" })).body.team;
    await plain.post("/api/teams/join", { code: team.code });
    const members = (await plain.get(`/api/teams/${team.id}`)).body.team.members;
    expect(members.find((m: { username: string }) => m.username === data.username)).toMatchObject({ displayName: "Augusta Ada King" });
  });

  test("an instant meeting is titled after whoever starts it, at their local time; the time zone is checked", async () => {
    const c = t.client();
    await c.post("/api/auth/signup", { ...newUser("grace"), displayName: "Grace Hopper" });
    const before = Date.now();
    const started = await c.post("/api/meetings", { timeZone: "Asia/Tokyo" });
    expect(started.status).toBe(201);
    const title: string = started.body.meeting.title;
    const expected = [before, Date.now()].map((at) => `Grace Hopper's meeting, ${localShort(new Date(at), "Asia/Tokyo")}`);
    expect(expected).toContain(title);

    const utc = await c.post("/api/meetings", {});
    expect(utc.body.meeting.title).toMatch(/^Grace Hopper's meeting, \d{1,2} [A-Z][a-z]{2} \d\d:\d\d UTC$/);

    // A team's instant meeting too; a titled or scheduled one keeps what it was given; signed out stays generic.
    const team = (await c.post("/api/teams", { name: "Navy" })).body.team;
    expect((await c.post("/api/meetings", { teamId: team.id, timeZone: "Europe/Berlin" })).body.meeting.title).toStartWith("Grace Hopper's meeting, ");
    expect((await c.post("/api/meetings", { title: "Compilers", timeZone: "Europe/Berlin" })).body.meeting.title).toBe("Compilers");
    const startsAt = new Date(Date.now() + 86_400_000).toISOString();
    expect((await c.post("/api/meetings", { startsAt, timeZone: "Europe/Berlin" })).body.meeting.title).toBe("Meeting");
    expect((await t.client().post("/api/meetings", { timeZone: "Europe/Berlin" })).body.meeting.title).toBe("Instant meeting");

    for (const bad of ["Mars/Olympus", "Europe/Nowhere", "'; drop table meetings; --", "../../etc/localtime", "x".repeat(65), "", 5, null]) {
      const res = await c.post("/api/meetings", { timeZone: bad });
      expectError(res, 422, "INVALID_ARGUMENT");
      expect(res.body.error.fields.timeZone).toBeString();
    }
    // A NUL is refused for any text field, before the field is looked at.
    expectError(await c.post("/api/meetings", { timeZone: "Europe/Berlin\u0000" }), 422, "INVALID_ARGUMENT");
  });

  test("renaming: the creator, or a team meeting's members; nobody else; an ended instant meeting is renamed, not moved", async () => {
    const owner = await t.signedUp("owner");
    const member = await t.signedUp("member");
    const stranger = await t.signedUp("stranger");
    const mine = (await owner.post("/api/meetings", {})).body.meeting;
    const renamed = await owner.patch(`/api/meetings/${mine.code}`, { title: "Roadmap chat" });
    expect(renamed.status).toBe(200);
    expect(renamed.body.meeting.title).toBe("Roadmap chat");
    expectError(await stranger.patch(`/api/meetings/${mine.code}`, { title: "Mine now" }), 403, "FORBIDDEN");
    expectError(await t.client().patch(`/api/meetings/${mine.code}`, { title: "Mine now" }), 401, "UNAUTHENTICATED");
    const bad = await owner.patch(`/api/meetings/${mine.code}`, { title: "a\u202Eb" });
    expectError(bad, 422, "INVALID_ARGUMENT");
    expect(bad.body.error.fields.title).toBeString();
    expectError(await owner.patch(`/api/meetings/${mine.code}`, { title: "x".repeat(201) }), 422, "INVALID_ARGUMENT");

    const team = (await owner.post("/api/teams", { name: "Crew" })).body.team;
    await member.post("/api/teams/join", { code: team.code });
    const teamMeeting = (await owner.post("/api/meetings", { teamId: team.id })).body.meeting;
    expect((await member.patch(`/api/meetings/${teamMeeting.code}`, { title: "Crew standup" })).body.meeting.title).toBe("Crew standup");
    expectError(await stranger.patch(`/api/meetings/${teamMeeting.code}`, { title: "x" }), 404, "NOT_FOUND");

    // The instant meeting ran and ended.
    await t.database.db
      .update(schema.meetings)
      .set({ startedAt: new Date(Date.now() - 3_600_000), endedAt: new Date(Date.now() - 600_000) })
      .where(eq(schema.meetings.id, mine.id));
    const moved = await owner.patch(`/api/meetings/${mine.code}`, { startsAt: new Date(Date.now() + 86_400_000).toISOString() });
    expectError(moved, 409, "CONFLICT");
    const late = await owner.patch(`/api/meetings/${mine.code}`, { title: "Roadmap chat (done)" });
    expect(late.status).toBe(200);
    expect(late.body.meeting).toMatchObject({ title: "Roadmap chat (done)", startsAt: null });
    expect(late.body.meeting.endedAt).not.toBeNull();
  });

  test("a meeting's invitation is one iCalendar event, for whoever may open the meeting", async () => {
    const owner = await t.signedUp("host");
    const stranger = await t.signedUp("outsider");
    // A month ahead, inside the feed's window.
    const startsAt = new Date(Date.now() + 30 * 86_400_000);
    startsAt.setUTCHours(9, 30, 0, 0);
    const endsAt = new Date(startsAt.getTime() + 45 * 60_000);
    const meeting = (
      await owner.post("/api/meetings", { title: "Pi day, planning", agenda: "1. Pie\n2. More pie", startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() })
    ).body.meeting;

    // Public: anyone with the code may have it, signed in or not, however the code was typed.
    const res = await t.client().get(`/api/meetings/${meeting.code.toUpperCase()}/invite.ics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/calendar");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="pi-day-planning-${meeting.code}.ics"`);
    const calendar = new ICAL.Component(ICAL.parse(res.text));
    const events = calendar.getAllSubcomponents("vevent").map((e) => new ICAL.Event(e));
    expect(events).toHaveLength(1);
    const event = events[0]!;
    expect(event.summary).toBe("Pi day, planning");
    expect(event.startDate.toJSDate().toISOString()).toBe(startsAt.toISOString());
    expect(event.endDate.toJSDate().toISOString()).toBe(endsAt.toISOString());
    expect(event.uid).toContain(meeting.id);
    expect(event.description).toContain("1. Pie\n2. More pie");
    expect(event.description).toContain(meeting.url);
    expect(event.location).toBe(meeting.url);
    expect(res.text).toContain(`DTSTART:${startsAt.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "")}`);
    // The same UID as the feed gives, so importing both does not make two events.
    const feedUrl = new URL((await owner.get("/api/me")).body.user.calendarUrl);
    const feed = await owner.get(feedUrl.pathname + feedUrl.search);
    expect(feed.text).toContain(`UID:${event.uid}`);

    // A team meeting's: members only.
    const team = (await owner.post("/api/teams", { name: "Bakers" })).body.team;
    const teamMeeting = (await owner.post("/api/meetings", { teamId: team.id, title: "Bakers' sync" })).body.meeting;
    expect((await owner.get(`/api/meetings/${teamMeeting.code}/invite.ics`)).status).toBe(200);
    expectError(await t.client().get(`/api/meetings/${teamMeeting.code}/invite.ics`), 401, "UNAUTHENTICATED");
    expectError(await stranger.get(`/api/meetings/${teamMeeting.code}/invite.ics`), 404, "NOT_FOUND");
    expectError(await owner.get("/api/meetings/zzzz-zzzz-zzzz/invite.ics"), 404, "NOT_FOUND");
    expectError(await owner.get(`/api/meetings/${"x".repeat(65)}/invite.ics`), 422, "INVALID_ARGUMENT");
    // Cancelled: says so.
    expect((await owner.del(`/api/meetings/${meeting.code}`)).status).toBe(204);
    const gone = await owner.get(`/api/meetings/${meeting.code}/invite.ics`);
    expectError(gone, 404, "NOT_FOUND");
    expect(gone.body.error.message).toMatch(/cancelled/);
  });

  test("Resources leave out notes nobody wrote in, and date every item by its meeting", async () => {
    const owner = await t.signedUp("writer");
    const db = t.database.db;
    const empty = (await owner.post("/api/meetings", { title: "Opened, never typed" })).body.meeting;
    const agendaOnly = (await owner.post("/api/meetings", { title: "Agenda only", agenda: "1. Intro\n2. Plans" })).body.meeting;
    const written = (await owner.post("/api/meetings", { title: "Written", agenda: "1. Intro" })).body.meeting;
    await db.insert(schema.notes).values([
      { meetingId: empty.id, title: "Opened — notes", text: " \n" },
      { meetingId: agendaOnly.id, title: "Agenda only — notes", text: "1. Intro\n2. Plans\n" },
      { meetingId: written.id, title: "Written — notes", text: "1. Intro\n- we agreed\n" },
    ]);
    const startedAt = new Date(Date.now() - 7_200_000);
    await db.update(schema.meetings).set({ startedAt }).where(eq(schema.meetings.id, written.id));
    const [recording] = await db
      .insert(schema.recordings)
      .values({ meetingId: written.id, title: "Written — recording", status: "processing", progress: 0.5 })
      .returning();

    const notes = (await owner.get("/api/notes")).body.notes;
    expect(notes.map((n: { title: string }) => n.title)).toEqual(["Written — notes"]);
    expect(notes[0]).toMatchObject({ meetingId: written.id, meetingTitle: "Written", meetingAt: startedAt.toISOString() });
    const recordings = (await owner.get("/api/recordings")).body.recordings;
    expect(recordings.find((r: { id: string }) => r.id === recording!.id)).toMatchObject({ meetingId: written.id, meetingAt: startedAt.toISOString() });

    // Unwritten notes do not hold their meeting back from being cancelled; written ones do.
    expect((await owner.del(`/api/meetings/${empty.code}`)).status).toBe(204);
    expect((await owner.del(`/api/meetings/${agendaOnly.code}`)).status).toBe(204);
    expectError(await owner.del(`/api/meetings/${written.code}`), 409, "CONFLICT");
  });
});
