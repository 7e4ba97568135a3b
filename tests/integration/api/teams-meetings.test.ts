import { describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import ICAL from "ical.js";
import { schema } from "../../../src/db/index.ts";
import { NOT_FOUND_MESSAGES } from "../../../src/meetings/index.ts";
import { useTestApp } from "../../helpers/app.ts";
import { DB_KINDS } from "../../helpers/db.ts";

const CODE = /^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$/;
const DAY = 86_400_000;

function tomorrowAt(hour: number) {
  const d = new Date(Date.now() + DAY);
  d.setUTCHours(hour, 0, 0, 0);
  return d;
}

/** A [from, to) range holding `d`: its month, as the calendar asks. */
function monthOf(d: Date) {
  const from = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
  const to = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
  return `from=${from.toISOString()}&to=${to.toISOString()}`;
}

describe.each(DB_KINDS)("teams, meetings and calendar on %s", (kind) => {
  const t = useTestApp(kind);

  test("the whole team flow: create, join by code, schedule, see it, outsiders see nothing, ICS, leave", async () => {
    const a = await t.signedUp("alice");
    const b = await t.signedUp("bob");
    const c = await t.signedUp("carol");

    const created = await a.post("/api/teams", { name: "Design" });
    expect(created.status).toBe(201);
    const team = created.body.team;
    expect(team.code).toMatch(CODE);

    const joined = await b.post("/api/teams/join", { code: team.code.toUpperCase().replace(/-/g, " ") });
    expect(joined.status).toBe(200);
    expect(joined.body.team).toMatchObject({ id: team.id, memberCount: 2 });
    expect((await b.post("/api/teams/join", { code: team.code })).status).toBe(409);
    expect((await b.post("/api/teams/join", { code: "zzzz-zzzz-zzzz" })).status).toBe(404);

    const startsAt = tomorrowAt(10);
    const endsAt = tomorrowAt(11);
    const scheduled = await a.post("/api/meetings", {
      teamId: team.id,
      title: "Weekly design review",
      agenda: "1. Onboarding flow\n2. Icons",
      startsAt: startsAt.toISOString(),
      endsAt: endsAt.toISOString(),
      // Its lobby off: with it on (the default for scheduled team meetings), outsiders may knock (tests/integration/rooms/meeting-control.test.ts).
      lobby: false,
    });
    expect(scheduled.status).toBe(201);
    const meeting = scheduled.body.meeting;
    expect(meeting).toMatchObject({
      teamId: team.id,
      title: "Weekly design review",
      startsAt: startsAt.toISOString(),
      endsAt: endsAt.toISOString(),
      startedAt: null,
      endedAt: null,
      url: `http://localhost:3000/m/${meeting.code}`,
    });
    expect(meeting.code).toMatch(CODE);

    for (const who of [a, b]) {
      const list = await who.get(`/api/meetings?${monthOf(startsAt)}`);
      expect(list.status).toBe(200);
      expect(list.body.meetings.map((m: { id: string }) => m.id)).toContain(meeting.id);
    }
    // The calendar's rows are built in SQL: they must be exactly the meeting's own view.
    const listed = (await b.get(`/api/meetings?${monthOf(startsAt)}`)).body.meetings.find((m: { id: string }) => m.id === meeting.id);
    // The list carries the same view; one meeting read alone also says whether it is being recorded now.
    expect({ ...listed, recording: false }).toEqual((await b.get(`/api/meetings/${meeting.code}`)).body.meeting);
    const filtered = await b.get(`/api/meetings?${monthOf(startsAt)}&teamId=${team.id}`);
    expect(filtered.body.meetings.map((m: { id: string }) => m.id)).toEqual([meeting.id]);

    const detail = await b.get(`/api/teams/${team.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.team.members.map((m: { username: string }) => m.username).sort()).toEqual(
      [a.user.username, b.user.username].sort(),
    );
    expect(detail.body.team.upcomingMeetings.map((m: { id: string }) => m.id)).toEqual([meeting.id]);

    // The outsider learns nothing but that it is a team's meeting (as the room socket's 4403 says):
    // 404 for the team and the meeting, no title, nothing in the calendar.
    expect((await c.get(`/api/teams/${team.id}`)).status).toBe(404);
    const outsiderMeeting = await c.get(`/api/meetings/${meeting.code}`);
    expect(outsiderMeeting.status).toBe(404);
    expect(outsiderMeeting.body.error).toEqual({ code: "NOT_FOUND", message: NOT_FOUND_MESSAGES.teamOnly });
    expect(outsiderMeeting.text).not.toContain("Weekly design review");
    expect((await c.get(`/api/meetings?${monthOf(startsAt)}`)).body.meetings).toEqual([]);
    expect((await c.get(`/api/meetings?${monthOf(startsAt)}&teamId=${team.id}`)).status).toBe(404);
    expect((await c.patch(`/api/meetings/${meeting.code}`, { title: "hijack" })).status).toBe(404);
    expect((await t.client().get(`/api/meetings/${meeting.code}`)).status).toBe(401);

    const feed = await t.client().get(new URL(a.user.calendarUrl).pathname + new URL(a.user.calendarUrl).search);
    expect(feed.status).toBe(200);
    expect(feed.headers.get("content-type")).toContain("text/calendar");
    const events = new ICAL.Component(ICAL.parse(feed.text)).getAllSubcomponents("vevent").map((e) => new ICAL.Event(e));
    const event = events.find((e) => e.summary === "Weekly design review");
    expect(event).toBeDefined();
    expect(event!.startDate.toJSDate().toISOString()).toBe(startsAt.toISOString());
    expect(event!.uid).toContain(meeting.id);
    expect(feed.text).toContain(`DTSTART:${startsAt.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "")}`);
    expect((await t.client().get("/api/calendar.ics?token=not-a-real-token-at-all")).status).toBe(404);

    expect((await b.post(`/api/teams/${team.id}/leave`)).status).toBe(204);
    expect((await b.get(`/api/teams/${team.id}`)).status).toBe(404);
    expect((await a.get(`/api/teams/${team.id}`)).body.team.memberCount).toBe(1);
    expect((await a.post(`/api/teams/${team.id}/leave`)).status).toBe(204);
    expect((await a.get(`/api/teams/${team.id}`)).status).toBe(404);
    expect((await a.get("/api/teams")).body.teams).toEqual([]);
    // The team is gone: its code joins nothing any more.
    expect((await c.post("/api/teams/join", { code: team.code })).status).toBe(404);
  });

  test("an instant public meeting: anyone may create and open it; only a signed-in creator may change it", async () => {
    const guest = t.client();
    const anonymous = await guest.post("/api/meetings", {});
    expect(anonymous.status).toBe(201);
    expect(anonymous.body.meeting).toMatchObject({ teamId: null, title: "Instant meeting", startsAt: null, canEdit: false });
    const code = anonymous.body.meeting.code;
    expect((await t.client().get(`/api/meetings/${code}`)).status).toBe(200);
    expect((await guest.patch(`/api/meetings/${code}`, { title: "mine?" })).status).toBe(401);
    const someone = await t.signedUp("someone");
    expect((await someone.patch(`/api/meetings/${code}`, { title: "mine?" })).status).toBe(403);
    expect((await someone.del(`/api/meetings/${code}`)).status).toBe(403);

    const owner = await t.signedUp("owner");
    const own = await owner.post("/api/meetings", { title: "Quick chat" });
    expect(own.body.meeting.canEdit).toBe(true);
    const ownCode = own.body.meeting.code;
    expect((await someone.get(`/api/meetings/${ownCode}`)).body.meeting.canEdit).toBe(false);
    const renamed = await owner.patch(`/api/meetings/${ownCode}`, { title: "Quick chat about icons" });
    expect(renamed.status).toBe(200);
    expect(renamed.body.meeting.title).toBe("Quick chat about icons");
    expect((await owner.del(`/api/meetings/${ownCode}`)).status).toBe(204);
    expect((await t.client().get(`/api/meetings/${ownCode}`)).status).toBe(404);
  });

  test("a cancelled meeting's code says it was cancelled, to those who could see it; a team's code says it is one", async () => {
    const owner = await t.signedUp("canceller");
    const member = await t.signedUp("member");
    const outsider = await t.signedUp("bystander");
    const team = (await owner.post("/api/teams", { name: "Plans" })).body.team;
    expect((await member.post("/api/teams/join", { code: team.code })).status).toBe(200);

    // A public meeting: anyone opening its link is told it was cancelled, in any spelling of the code.
    const open = (await owner.post("/api/meetings", { title: "Public offsite" })).body.meeting;
    expect((await owner.del(`/api/meetings/${open.code}`)).status).toBe(204);
    for (const who of [t.client(), outsider, owner]) {
      const res = await who.get(`/api/meetings/${open.code.toUpperCase().replaceAll("-", "")}`);
      expect(res.status).toBe(404);
      expect(res.body.error).toEqual({ code: "NOT_FOUND", message: NOT_FOUND_MESSAGES.cancelled });
      expect(res.text).not.toContain("Public offsite");
    }
    // Changing or cancelling it again says the same.
    expect((await owner.patch(`/api/meetings/${open.code}`, { title: "again" })).body.error.message).toBe(NOT_FOUND_MESSAGES.cancelled);
    expect((await owner.del(`/api/meetings/${open.code}`)).status).toBe(404);

    // A team meeting: its members are told; signed out must sign in first; outsiders only learn it is a team's.
    const closed = (await owner.post("/api/meetings", { teamId: team.id, title: "Reorg" })).body.meeting;
    expect((await member.del(`/api/meetings/${closed.code}`)).status).toBe(204);
    const asMember = await member.get(`/api/meetings/${closed.code}`);
    expect(asMember.body.error).toEqual({ code: "NOT_FOUND", message: NOT_FOUND_MESSAGES.cancelled });
    const asOutsider = await outsider.get(`/api/meetings/${closed.code}`);
    expect(asOutsider.status).toBe(404);
    expect(asOutsider.body.error.message).toBe(NOT_FOUND_MESSAGES.teamOnly);
    expect(asOutsider.text).not.toContain("Reorg");
    expect((await t.client().get(`/api/meetings/${closed.code}`)).status).toBe(401);

    // An unknown code is plain "not found"; the room socket's refusal for a cancelled one is unchanged.
    const unknown = await outsider.get("/api/meetings/zzzz-zzzz-zzzz");
    expect(unknown.body.error).toEqual({ code: "NOT_FOUND", message: "Meeting not found" });

    // A team's code typed as a meeting's gets a hint (whoever holds it may join the team with it).
    const teamCode = await outsider.get(`/api/meetings/${team.code}`);
    expect(teamCode.status).toBe(404);
    expect(teamCode.body.error.message).toBe(NOT_FOUND_MESSAGES.teamCode);
    expect(teamCode.text).not.toContain("Plans");
    // Once the team is gone, its code is nothing.
    expect((await owner.post(`/api/teams/${team.id}/leave`)).status).toBe(204);
    expect((await member.post(`/api/teams/${team.id}/leave`)).status).toBe(204);
    expect((await outsider.get(`/api/meetings/${team.code}`)).body.error.message).toBe("Meeting not found");
    expect((await outsider.get(`/api/meetings/${closed.code}`)).body.error.message).toBe("Meeting not found");
  });

  test("team meetings: only members may create them; reschedule keeps the length; the team cannot change", async () => {
    const a = await t.signedUp("sched");
    const outsider = await t.signedUp("outsider");
    const team = (await a.post("/api/teams", { name: "Ops" })).body.team;
    const other = (await a.post("/api/teams", { name: "Other" })).body.team;
    expect((await outsider.post("/api/meetings", { teamId: team.id })).status).toBe(404);
    expect((await t.client().post("/api/meetings", { teamId: team.id })).status).toBe(401);

    const start = tomorrowAt(9);
    const m = (await a.post("/api/meetings", { teamId: team.id, startsAt: start.toISOString(), endsAt: new Date(start.getTime() + 30 * 60_000).toISOString() })).body.meeting;
    const later = new Date(start.getTime() + 2 * 3_600_000);
    const moved = await a.patch(`/api/meetings/${m.code}`, { startsAt: later.toISOString() });
    expect(moved.status).toBe(200);
    expect(moved.body.meeting.startsAt).toBe(later.toISOString());
    expect(moved.body.meeting.endsAt).toBe(new Date(later.getTime() + 30 * 60_000).toISOString());
    const teamChange = await a.patch(`/api/meetings/${m.code}`, { teamId: other.id });
    expect(teamChange.status).toBe(422);
    expect(teamChange.body.error.fields.teamId).toBeDefined();
    const backwards = await a.patch(`/api/meetings/${m.code}`, { endsAt: start.toISOString() });
    expect(backwards.status).toBe(422);
    expect(backwards.body.error.fields.endsAt).toBeDefined();
    // Only startsAt given: an hour by default.
    const hour = (await a.post("/api/meetings", { teamId: team.id, startsAt: start.toISOString() })).body.meeting;
    expect(Date.parse(hour.endsAt) - Date.parse(hour.startsAt)).toBe(3_600_000);
  });

  test("the calendar shows meetings overlapping the range, and an instant meeting while it runs", async () => {
    const a = await t.signedUp("cal");
    const team = (await a.post("/api/teams", { name: "Cal" })).body.team;
    const mk = async (start: string, end: string) =>
      (await a.post("/api/meetings", { teamId: team.id, title: start, startsAt: start, endsAt: end })).body.meeting.id as string;
    const inside = await mk("2031-03-10T10:00:00.000Z", "2031-03-10T11:00:00.000Z");
    const spanning = await mk("2031-02-28T23:00:00.000Z", "2031-03-01T01:00:00.000Z");
    await mk("2031-04-01T00:00:00.000Z", "2031-04-01T01:00:00.000Z");
    await mk("2031-02-10T10:00:00.000Z", "2031-02-10T11:00:00.000Z");
    const march = await a.get("/api/meetings?from=2031-03-01T00:00:00Z&to=2031-04-01T00:00:00Z");
    expect(march.status).toBe(200);
    expect(march.body.meetings.map((m: { id: string }) => m.id)).toEqual([spanning, inside]);

    // An instant meeting that has started shows in the current month until it ends.
    const instant = (await a.post("/api/meetings", { title: "Now" })).body.meeting;
    await t.database.db.update(schema.meetings).set({ startedAt: new Date() }).where(eq(schema.meetings.id, instant.id));
    const now = await a.get("/api/meetings");
    const listedInstant = now.body.meetings.find((m: { id: string }) => m.id === instant.id);
    expect({ ...listedInstant, recording: false }).toEqual((await a.get(`/api/meetings/${instant.code}`)).body.meeting);
    expect(listedInstant.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});
