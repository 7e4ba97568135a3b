import { describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { schema } from "../../../src/db/index.ts";
import { useTestApp } from "../../helpers/app.ts";
import { DB_KINDS } from "../../helpers/db.ts";

describe.each(DB_KINDS)("notes and recordings resources on %s", (kind) => {
  const t = useTestApp(kind);

  /** A team meeting with notes and a ready recording, and a public one a participant took part in. */
  async function world() {
    const owner = await t.signedUp("owner");
    const member = await t.signedUp("member");
    const participant = await t.signedUp("participant");
    const stranger = await t.signedUp("stranger");
    const team = (await owner.post("/api/teams", { name: "Research" })).body.team;
    await member.post("/api/teams/join", { code: team.code });
    const teamMeeting = (await owner.post("/api/meetings", { teamId: team.id, title: "Sprint review" })).body.meeting;
    const publicMeeting = (await t.client().post("/api/meetings", { title: "Open office hours" })).body.meeting;
    const db = t.database.db;
    await db.insert(schema.meetingParticipants).values({ meetingId: publicMeeting.id, userId: participant.user.id });
    const [teamNote] = await db
      .insert(schema.notes)
      .values({ meetingId: teamMeeting.id, title: "Sprint review notes", text: "# Decisions\n\n- Ship *it*\n" })
      .returning();
    const [publicNote] = await db.insert(schema.notes).values({ meetingId: publicMeeting.id, title: "Office hours", text: "Questions" }).returning();
    await t.blobs.put(`recordings/${teamMeeting.id}.webm`, new Uint8Array([1, 2, 3, 4]), "video/webm");
    const [recording] = await db
      .insert(schema.recordings)
      .values({
        meetingId: teamMeeting.id,
        title: "Sprint review recording",
        status: "ready",
        blobKey: `recordings/${teamMeeting.id}.webm`,
        mime: "video/webm",
        bytes: 4,
        durationMs: 6000,
        startedBy: owner.user.id,
        stoppedAt: new Date(),
      })
      .returning();
    const [processing] = await db
      .insert(schema.recordings)
      .values({ meetingId: publicMeeting.id, title: "Office hours recording", status: "processing", progress: 0.4 })
      .returning();
    return { owner, member, participant, stranger, team, teamMeeting, publicMeeting, teamNote: teamNote!, publicNote: publicNote!, recording: recording!, processing: processing! };
  }

  test("team members and participants see their meetings' notes and recordings; strangers see nothing", async () => {
    const w = await world();
    const ids = (list: { id: string }[]) => list.map((x) => x.id).sort();

    expect(ids((await w.member.get("/api/notes")).body.notes)).toEqual([w.teamNote.id]);
    expect(ids((await w.participant.get("/api/notes")).body.notes)).toEqual([w.publicNote.id]);
    expect((await w.stranger.get("/api/notes")).body.notes).toEqual([]);
    expect((await w.stranger.get(`/api/notes/${w.teamNote.id}`)).status).toBe(404);
    expect((await t.client().get("/api/notes")).status).toBe(401);

    const note = await w.member.get(`/api/notes/${w.teamNote.id}`);
    expect(note.status).toBe(200);
    expect(note.body.note).toMatchObject({ title: "Sprint review notes", meetingCode: w.teamMeeting.code, teamId: w.team.id, text: "# Decisions\n\n- Ship *it*\n" });

    const filtered = await w.owner.get(`/api/notes?teamId=${w.team.id}`);
    expect(ids(filtered.body.notes)).toEqual([w.teamNote.id]);

    const recordings = await w.member.get("/api/recordings");
    expect(ids(recordings.body.recordings)).toEqual([w.recording.id]);
    expect(recordings.body.recordings[0]).toMatchObject({ status: "ready", durationMs: 6000, bytes: 4, progress: null, mime: "video/webm" });
    const processing = await w.participant.get(`/api/recordings/${w.processing.id}`);
    expect(processing.body.recording).toMatchObject({ status: "processing", progress: 0.4, durationMs: null });
    expect((await w.stranger.get(`/api/recordings/${w.recording.id}`)).status).toBe(404);
    // Filtering by a team one is not in is refused like any look at that team.
    expect((await w.participant.get(`/api/recordings?teamId=${w.team.id}`)).status).toBe(404);
    expect((await w.participant.get(`/api/notes?teamId=${w.team.id}`)).status).toBe(404);
  });

  test("rename and export notes as Markdown; delete them", async () => {
    const w = await world();
    const renamed = await w.member.patch(`/api/notes/${w.teamNote.id}`, { title: "Sprint 12 — review" });
    expect(renamed.status).toBe(200);
    expect(renamed.body.note.title).toBe("Sprint 12 — review");
    expect((await w.stranger.patch(`/api/notes/${w.teamNote.id}`, { title: "x" })).status).toBe(404);

    const md = await w.owner.get(`/api/notes/${w.teamNote.id}/export.md`);
    expect(md.status).toBe(200);
    expect(md.headers.get("content-type")).toContain("text/markdown");
    expect(md.headers.get("content-disposition")).toBe('attachment; filename="sprint-12-review.md"');
    expect(md.text.startsWith("# Sprint 12 — review\n")).toBe(true);
    expect(md.text).toContain("# Decisions\n\n- Ship *it*\n");

    expect((await w.stranger.del(`/api/notes/${w.teamNote.id}`)).status).toBe(404);
    expect((await w.owner.del(`/api/notes/${w.teamNote.id}`)).status).toBe(204);
    expect((await w.member.get(`/api/notes/${w.teamNote.id}`)).status).toBe(404);
  });

  test("rename a recording; deleting it deletes its file; a meeting with resources cannot be cancelled", async () => {
    const w = await world();
    const renamed = await w.member.patch(`/api/recordings/${w.recording.id}`, { title: "Review, take 2" });
    expect(renamed.body.recording.title).toBe("Review, take 2");

    expect((await w.owner.del(`/api/meetings/${w.teamMeeting.code}`)).status).toBe(409);

    expect(await t.blobs.head(w.recording.blobKey!)).not.toBeNull();
    expect((await w.stranger.del(`/api/recordings/${w.recording.id}`)).status).toBe(404);
    expect(await t.blobs.head(w.recording.blobKey!)).not.toBeNull();
    expect((await w.member.del(`/api/recordings/${w.recording.id}`)).status).toBe(204);
    expect(await t.blobs.head(w.recording.blobKey!)).toBeNull();
    const [row] = await t.database.db.select().from(schema.recordings).where(eq(schema.recordings.id, w.recording.id));
    expect(row).toBeUndefined();

    expect((await w.owner.del(`/api/notes/${w.teamNote.id}`)).status).toBe(204);
    expect((await w.owner.del(`/api/meetings/${w.teamMeeting.code}`)).status).toBe(204);
  });

  test("a live room's recording: begun as `recording`, finished as `processing` with a durable job", async () => {
    const w = await world();
    const begun = await t.services.recordings.begin(w.teamMeeting.id, w.owner.user.id, "Sprint review — live");
    expect((await w.member.get(`/api/recordings/${begun.id}`)).body.recording).toMatchObject({ status: "recording", progress: null, stoppedAt: null });
    await t.services.recordings.finish(begun.id);
    const after = (await w.member.get(`/api/recordings/${begun.id}`)).body.recording;
    expect(after).toMatchObject({ status: "processing", progress: 0 });
    expect(after.stoppedAt).not.toBeNull();
    const jobs = await t.database.db.select().from(schema.recordingJobs).where(eq(schema.recordingJobs.recordingId, begun.id));
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.attempts).toBe(0);
  });

  test("the media endpoint serves the file with Range requests; only to those who may see it; not before it is ready", async () => {
    const w = await world();
    const url = `/api/recordings/${w.recording.id}/media`;
    const whole = await w.member.get(url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get("accept-ranges")).toBe("bytes");
    expect(whole.headers.get("content-type")).toBe("video/webm");
    expect([...new TextEncoder().encode(whole.text)]).toEqual([1, 2, 3, 4]);
    const part = await w.member.get(url, { headers: { range: "bytes=1-2" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe("bytes 1-2/4");
    expect([...new TextEncoder().encode(part.text)]).toEqual([2, 3]);
    const open = await w.member.get(url, { headers: { range: "bytes=2-" } });
    expect(open.headers.get("content-range")).toBe("bytes 2-3/4");
    const suffix = await w.member.get(url, { headers: { range: "bytes=-1" } });
    expect(suffix.headers.get("content-range")).toBe("bytes 3-3/4");
    const outside = await w.member.get(url, { headers: { range: "bytes=10-" } });
    expect(outside.status).toBe(416);
    expect(outside.headers.get("content-range")).toBe("bytes */4");
    expect(outside.body.error.code).toBe("INVALID_ARGUMENT");
    expect((await w.member.get(url, { headers: { range: "bytes=0-1,2-3" } })).status).toBe(200);
    expect((await w.stranger.get(url)).status).toBe(404);
    expect((await t.client().get(url)).status).toBe(401);
    const processing = await w.participant.get(`/api/recordings/${w.processing.id}/media`);
    expect(processing.status).toBe(409);
    expect(processing.body.error.code).toBe("CONFLICT");
  });
});
