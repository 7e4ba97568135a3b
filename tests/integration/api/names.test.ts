import { describe, expect, test } from "bun:test";
import { useTestApp } from "../../helpers/app.ts";
import { DB_KINDS } from "../../helpers/db.ts";
import { newUser } from "../../helpers/http.ts";

/** A right-to-left override, a zero-width space, a control character, a line separator. */
const BAD = [
  ["RLO", "\u202E"],
  ["ZWSP", "\u200B"],
  ["BEL", "\u0007"],
  ["LSEP", "\u2028"],
] as const;

const tomorrow = () => new Date(Date.now() + 86_400_000);

describe.each(DB_KINDS)("names on %s", (kind) => {
  const t = useTestApp(kind);

  const expectFieldError = (res: { status: number; body: any }, field: string) => {
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("INVALID_ARGUMENT");
    expect(typeof res.body.error.fields?.[field]).toBe("string");
    expect(res.body.error.fields[field].length).toBeGreaterThan(0);
  };

  test.each(BAD)("sign-up and profile edit refuse a username with %s", async (_label, ch) => {
    const data = newUser("bad");
    expectFieldError(await t.client().post("/api/auth/signup", { ...data, username: `ab${ch}cd` }), "username");
    const a = await t.signedUp("badedit");
    expectFieldError(await a.patch("/api/me", { username: `ab${ch}cd` }), "username");
    expect((await a.get("/api/me")).body.user.username).toBe(a.credentials.username);
  });

  test.each(BAD)("team create refuses a name with %s", async (_label, ch) => {
    const a = await t.signedUp("badteam");
    expectFieldError(await a.post("/api/teams", { name: `Design${ch}Team` }), "name");
    expect((await a.get("/api/teams")).body.teams).toEqual([]);
  });

  test.each(BAD)("meeting create and patch refuse a title with %s", async (_label, ch) => {
    const a = await t.signedUp("badmeeting");
    expectFieldError(await a.post("/api/meetings", { title: `Review${ch}` }), "title");
    expectFieldError(await t.client().post("/api/meetings", { title: `${ch}Review` }), "title");
    const ok = await a.post("/api/meetings", { title: "Review", startsAt: tomorrow().toISOString() });
    expect(ok.status).toBe(201);
    expectFieldError(await a.patch(`/api/meetings/${ok.body.meeting.code}`, { title: `Re${ch}view` }), "title");
    expect((await a.get(`/api/meetings/${ok.body.meeting.code}`)).body.meeting.title).toBe("Review");
  });

  test("full-width and compatibility forms are stored NFKC-normalised and trimmed", async () => {
    const data = newUser("nfkc");
    const suffix = data.username.slice(-6);
    // Full-width Latin letters and digits.
    const fullWidth = [..."ｎｆｋｃ"].join("") + suffix;
    const signup = await t.client().post("/api/auth/signup", { ...data, username: fullWidth });
    expect(signup.status).toBe(201);
    expect(signup.body.user.username).toBe(`nfkc${suffix}`);

    const a = await t.signedUp("nfkcedit");
    const edited = await a.patch("/api/me", { username: `ｅｄ${suffix}` });
    expect(edited.status).toBe(200);
    expect(edited.body.user.username).toBe(`ed${suffix}`);

    // The "ﬁ" ligature and a full-width space become "fi" and a plain space; the ends are trimmed.
    const team = await a.post("/api/teams", { name: "\u3000 ﬁnance　team " });
    expect(team.status).toBe(201);
    expect(team.body.team.name).toBe("finance team");

    const meeting = await a.post("/api/meetings", { title: " Ｑ３ planning ", startsAt: tomorrow().toISOString() });
    expect(meeting.status).toBe(201);
    expect(meeting.body.meeting.title).toBe("Q3 planning");
    const patched = await a.patch(`/api/meetings/${meeting.body.meeting.code}`, { title: "Ⅳ review" });
    expect(patched.status).toBe(200);
    expect(patched.body.meeting.title).toBe("IV review");
  });

  test("a username that becomes forbidden once normalised is refused (full-width solidus is a slash)", async () => {
    expectFieldError(await t.client().post("/api/auth/signup", { ...newUser("slash"), username: "ab／cd" }), "username");
  });
});
