import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestServer, type TestServer } from "../../helpers/app.ts";
import { DB_KINDS } from "../../helpers/db.ts";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { eventually } from "../../helpers/eventually.ts";
import { openRoomSocket, wsUrl } from "../../helpers/ws.ts";
import { cookieWebSocket } from "../../helpers/yjs.ts";

for (const kind of DB_KINDS) {
  describe(`meeting control over the real room socket (${kind})`, () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer(kind, { config: { roomGraceMs: 300 } });
    }, 60_000);
    afterAll(() => t?.close());

    const socket = (code: string, cookie?: string | null) => openRoomSocket(wsUrl(t.url, `/ws/meetings/${code}`), { cookie });
    const join = async (code: string, name?: string, cookie?: string | null, extra: object = {}) => {
      const c = await socket(code, cookie);
      c.send({ type: "hello", ...(name ? { name } : {}), ...extra });
      const welcome = await c.next("welcome");
      return Object.assign(c, { welcome, self: welcome.self });
    };
    /** The notes socket as the browser opens it: the stock provider, with the room's seat token when it has one. */
    const notes = (code: string, { cookie = null, seat }: { cookie?: string | null; seat?: string } = {}) => {
      const doc = new Y.Doc();
      const closes: number[] = [];
      const provider = new WebsocketProvider(wsUrl(t.url, `/ws/meetings/${code}`), "notes", doc, {
        WebSocketPolyfill: cookieWebSocket(cookie),
        disableBc: true,
        ...(seat ? { params: { seat } } : {}),
      });
      provider.on("connection-close", (e) => e && closes.push(e.code));
      return {
        doc,
        text: doc.getText("notes"),
        closes,
        synced: () => eventually(() => expect(provider.synced).toBe(true), { timeoutMs: 10_000 }),
        refused: () => eventually(() => expect(closes.length).toBeGreaterThan(0), { timeoutMs: 10_000 }).then(() => closes[0]),
        destroy() {
          provider.destroy();
          doc.destroy();
        },
      };
    };
    const knock = async (code: string, name?: string, cookie?: string | null, extra: object = {}) => {
      const c = await socket(code, cookie);
      c.send({ type: "hello", ...(name ? { name } : {}), ...extra });
      await c.next("lobby.waiting");
      return c;
    };

    test("settings: a scheduled team meeting has its lobby on, an instant one off; the creator changes them with PATCH, others may not", async () => {
      const ana = await t.signedUp("ctl-ana");
      const team = (await ana.post("/api/teams", { name: "Control" })).body.team;
      const startsAt = new Date(Date.now() + 86_400_000).toISOString();
      const scheduled = (await ana.post("/api/meetings", { teamId: team.id, title: "Plan", startsAt })).body.meeting;
      expect(scheduled).toMatchObject({ lobby: true, selfUnmute: true });
      const instant = (await ana.post("/api/meetings", {})).body.meeting;
      expect(instant).toMatchObject({ lobby: false, selfUnmute: true });
      const chosen = (await ana.post("/api/meetings", { lobby: true, selfUnmute: false })).body.meeting;
      expect(chosen).toMatchObject({ lobby: true, selfUnmute: false });

      const patched = await ana.patch(`/api/meetings/${instant.code}`, { lobby: true, selfUnmute: false });
      expect(patched.status).toBe(200);
      expect(patched.body.meeting).toMatchObject({ lobby: true, selfUnmute: false });
      expect((await ana.get(`/api/meetings/${instant.code}`)).body.meeting).toMatchObject({ lobby: true, selfUnmute: false });
      const eve = await t.signedUp("ctl-eve");
      expect((await eve.patch(`/api/meetings/${instant.code}`, { lobby: false })).status).toBe(403);
      expect((await ana.patch(`/api/meetings/${instant.code}`, { lobby: "yes" })).status).toBe(422);
    });

    test("a guest sending every host message gets FORBIDDEN for each, and changes nothing", async () => {
      const ana = await t.signedUp("ctl-host");
      const m = (await ana.post("/api/meetings", {})).body.meeting;
      const host = await join(m.code, undefined, ana.cookie);
      expect(host.self.role).toBe("host");
      const gus = await join(m.code, "Gus");
      expect(gus.self.role).toBe("guest");
      await host.next("participant.joined");
      host.send({ type: "presence", handRaised: true });
      await host.next("participant.updated");
      const messages = [
        { type: "lobby.admit", participantId: host.self.id },
        { type: "lobby.deny", participantId: host.self.id },
        { type: "lobby.admit-all" },
        { type: "meeting.settings", lobby: true, locked: true, selfUnmute: false },
        { type: "participant.mute", participantId: host.self.id },
        { type: "participant.mute", all: true },
        { type: "participant.remove", participantId: host.self.id },
        { type: "participant.promote", participantId: gus.self.id },
        { type: "media.unmute-request", participantId: host.self.id },
        { type: "hands.lower-all" },
        { type: "meeting.end" },
      ];
      const before = host.messages.length;
      for (const [i, msg] of messages.entries()) {
        gus.send({ ...msg, id: i });
        expect(await gus.next("error", (e) => e.id === i)).toMatchObject({ code: "FORBIDDEN" });
      }
      // A newcomer sees the meeting exactly as before.
      const zed = await join(m.code, "Zed");
      expect(zed.welcome.settings).toEqual({ lobby: false, locked: false, selfUnmute: true });
      expect(zed.welcome.participants.find((p: { id: string }) => p.id === host.self.id)).toMatchObject({ role: "host", audioMuted: false, audioMutedBy: null, handRaised: true });
      expect(zed.welcome.participants.find((p: { id: string }) => p.id === gus.self.id)).toMatchObject({ role: "guest" });
      await host.next("participant.joined", (x) => x.participant.id === zed.self.id);
      expect(host.messages.slice(before).map((x) => x.type)).toEqual(["participant.joined"]);
      for (const c of [host, gus, zed]) c.close();
    });

    test("lobby: a host admits one guest and denies another; lock keeps a third out; a removed guest's token only knocks", async () => {
      const ana = await t.signedUp("ctl-lobby");
      const m = (await ana.post("/api/meetings", { lobby: true })).body.meeting;
      const host = await join(m.code, undefined, ana.cookie);
      expect(host.welcome.settings.lobby).toBe(true);
      const gus = await knock(m.code, "Gus");
      const eve = await knock(m.code, "Eve");
      const k1 = await host.next("lobby.knock");
      const k2 = await host.next("lobby.knock");
      expect([k1.entry.name, k2.entry.name]).toEqual(["Gus", "Eve"]);
      host.send({ type: "lobby.admit", participantId: k1.entry.id });
      const welcome = await gus.next("welcome");
      expect(welcome.self).toMatchObject({ name: "Gus", role: "guest" });
      host.send({ type: "lobby.deny", participantId: k2.entry.id });
      expect(await eve.closed).toEqual({ code: 4403, reason: "denied" });

      host.send({ type: "meeting.settings", locked: true, id: "lock" });
      expect((await gus.next("meeting.updated")).settings.locked).toBe(true);
      const cy = await socket(m.code);
      cy.send({ type: "hello", name: "Cy" });
      expect(await cy.closed).toEqual({ code: 4423, reason: "locked" });
      host.send({ type: "meeting.settings", locked: false });

      host.send({ type: "participant.remove", participantId: welcome.self.id });
      expect(await gus.closed).toEqual({ code: 4403, reason: "removed by a host" });
      const again = await knock(m.code, "Gus", null, { resume: welcome.resumeToken });
      const k3 = await host.next("lobby.knock");
      expect(k3.entry).toMatchObject({ name: "Gus", removedBefore: true });
      again.close();
      host.close();
    });

    test("a team meeting's outsider is refused with the lobby off, knocks with it on and is let in by a member", async () => {
      const ana = await t.signedUp("ctl-team");
      const out = await t.signedUp("ctl-out");
      const team = (await ana.post("/api/teams", { name: "Door" })).body.team;
      const m = (await ana.post("/api/meetings", { teamId: team.id })).body.meeting;
      expect(m.lobby).toBe(false);
      const refused = await socket(m.code, out.cookie);
      expect((await refused.closed).code).toBe(4403);
      const guest = await socket(m.code, null);
      expect((await guest.closed).code).toBe(4401);

      await ana.patch(`/api/meetings/${m.code}`, { lobby: true });
      expect((await out.get(`/api/meetings/${m.code}`)).body.meeting).toMatchObject({ knock: true, title: "", agenda: "", canEdit: false });
      const host = await join(m.code, undefined, ana.cookie);
      const waiting = await knock(m.code, undefined, out.cookie);
      const k = await host.next("lobby.knock");
      expect(k.entry).toMatchObject({ signedIn: true });
      host.send({ type: "lobby.admit", participantId: k.entry.id });
      expect((await waiting.next("welcome")).self.role).toBe("member");
      waiting.close();
      host.close();
    });

    test("notes: a guest waiting in the lobby cannot open them; once admitted (seat token) they can; a removed guest's notes close and stay shut", async () => {
      const ana = await t.signedUp("ctl-notes");
      const m = (await ana.post("/api/meetings", { lobby: true, agenda: "secret agenda" })).body.meeting;
      const host = await join(m.code, undefined, ana.cookie);
      const hostNotes = notes(m.code, { cookie: ana.cookie });
      await hostNotes.synced();
      expect(hostNotes.text.toString()).toContain("secret agenda");

      const gus = await knock(m.code, "Gus");
      const waitingNotes = notes(m.code);
      expect(await waitingNotes.refused()).toBe(4403);
      expect(waitingNotes.text.toString()).toBe("");
      waitingNotes.destroy();

      const k = await host.next("lobby.knock");
      host.send({ type: "lobby.admit", participantId: k.entry.id });
      const welcome = await gus.next("welcome");
      const forged = notes(m.code, { seat: `${welcome.self.id}.not-the-signature` });
      expect(await forged.refused()).toBe(4403);
      forged.destroy();
      const gusNotes = notes(m.code, { seat: welcome.resumeToken });
      await gusNotes.synced();
      expect(gusNotes.text.toString()).toContain("secret agenda");

      host.send({ type: "participant.remove", participantId: welcome.self.id });
      expect(await gus.closed).toEqual({ code: 4403, reason: "removed by a host" });
      expect(await gusNotes.refused()).toBe(4403);
      gusNotes.destroy();
      const again = notes(m.code, { seat: welcome.resumeToken });
      expect(await again.refused()).toBe(4403);
      again.destroy();
      hostNotes.destroy();
      host.close();
    }, 30_000);

    test("notes: a signed-out guest admitted into a team meeting gets them (was 4401); without a seat they do not", async () => {
      const ana = await t.signedUp("ctl-tnotes");
      const team = (await ana.post("/api/teams", { name: "Notes door" })).body.team;
      const m = (await ana.post("/api/meetings", { teamId: team.id, lobby: true, agenda: "team agenda" })).body.meeting;
      const host = await join(m.code, undefined, ana.cookie);
      const gus = await knock(m.code, "Gus");
      const early = notes(m.code);
      expect(await early.refused()).toBe(4403);
      early.destroy();
      const k = await host.next("lobby.knock");
      host.send({ type: "lobby.admit", participantId: k.entry.id });
      const welcome = await gus.next("welcome");
      const gusNotes = notes(m.code, { seat: welcome.resumeToken });
      await gusNotes.synced();
      expect(gusNotes.text.toString()).toContain("team agenda");
      gusNotes.destroy();
      gus.close();
      host.close();
    }, 30_000);

    test("the lock, promotions and removals are saved on the meeting while it is live, and forgotten when it ends", async () => {
      const ana = await t.signedUp("ctl-keep");
      const m = (await ana.post("/api/meetings", {})).body.meeting;
      const host = await join(m.code, undefined, ana.cookie);
      const gus = await join(m.code, "Gus");
      const dan = await join(m.code, "Dan");
      host.send({ type: "participant.promote", participantId: dan.self.id });
      host.send({ type: "participant.remove", participantId: gus.self.id });
      host.send({ type: "meeting.settings", locked: true });
      await eventually(async () =>
        expect(await t.services.meetings.loadControl(m.id)).toMatchObject({
          locked: true,
          control: { promotedIds: [dan.self.id], promotedUsers: [], removedIds: [gus.self.id], removedUsers: [] },
        }),
      );
      host.send({ type: "meeting.end" });
      await host.closed;
      await eventually(async () => expect(await t.services.meetings.loadControl(m.id)).toMatchObject({ locked: false, control: null }));
    });
  });
}
