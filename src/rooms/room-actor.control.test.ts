import { describe, expect, test } from "bun:test";
import { createManualClock } from "../../tests/helpers/clock.ts";
import { createLogger } from "../logger.ts";
import { createFakeMediaServer } from "../media/testing.ts";
import { createNotesWriter } from "../notes/index.ts";
import { createMemoryNotesStore } from "../notes/testing.ts";
import type { Connection, Principal } from "./connection.ts";
import { createRoomActor, type RoomMeeting, type RoomRecords } from "./room-actor.ts";

const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 0));
};
const SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n";
const CODE = "abcd-efgh-jkmn";

function fakeConn(id: string) {
  const sent: string[] = [];
  let closed: { code: number; reason: string } | null = null;
  const conn: Connection & { all(type?: string): any[]; closedWith(): typeof closed; clear(): void } = {
    id,
    send: (d) => void (typeof d === "string" && sent.push(d)),
    close: (code, reason) => void (closed ??= { code, reason }),
    all: (type) => sent.map((d) => JSON.parse(d)).filter((m) => !type || m.type === type),
    closedWith: () => closed,
    clear: () => void sent.splice(0),
  };
  return conn;
}

const ANA: Principal = { userId: "u-ana", username: "ana" };
const BEN: Principal = { userId: "u-ben", username: "ben" };
const GUEST: Principal = { userId: null, username: null };

async function room(over: Partial<RoomMeeting> = {}, seatKey = "s".repeat(32), records: Partial<RoomRecords> = {}) {
  const clock = createManualClock();
  const media = createFakeMediaServer();
  const store = createMemoryNotesStore();
  const calls: string[] = [];
  const actor = createRoomActor(
    { id: "m", code: CODE, title: "T", agenda: "", teamId: null, createdBy: "u-ana", ...over },
    {
      clock,
      graceMs: 1000,
      seatKey,
      notesStore: store,
      notesWriter: createNotesWriter(store),
      records: {
        markStarted: async () => {},
        markEnded: async () => void calls.push("ended"),
        recordParticipant: async () => {},
        saveSettings: async (_id, s) => void calls.push(`saved ${JSON.stringify(s)}`),
        ...records,
      },
      logger: createLogger("silent"),
      media,
    },
  );
  await actor.start();
  /** Opens a socket and says hello; `welcome` is set if it got a seat. */
  const open = async (name: string, principal: Principal = GUEST, extra: object = {}) => {
    const conn = fakeConn(name);
    const sink = actor.attach("room", conn, principal);
    sink.frame(JSON.stringify({ type: "hello", ...(principal.userId ? {} : { name }), ...extra }));
    await settle();
    const welcome = conn.all("welcome")[0];
    let id: string | undefined = welcome?.self.id;
    return {
      conn,
      sink,
      welcome,
      get id(): string {
        return (id ??= conn.all("welcome")[0]?.self.id);
      },
      send: async (m: object) => {
        sink.frame(JSON.stringify(m));
        await settle();
      },
      last: (type?: string) => conn.all(type).at(-1),
    };
  };
  const fake = () => media.room(CODE)!;
  return { actor, open, fake, calls, clock };
}

describe("meeting control: who hosts", () => {
  test("the signed-in creator hosts; other signed-in people are members, the rest guests; welcome says so with the settings", async () => {
    const { actor, open } = await room();
    const ana = await open("ana", ANA);
    const ben = await open("ben", BEN);
    const gus = await open("Gus");
    expect(ana.welcome.self.role).toBe("host");
    expect(ana.welcome.settings).toEqual({ lobby: false, locked: false, selfUnmute: true });
    expect(ana.welcome.lobby).toEqual([]);
    expect(ben.welcome.self.role).toBe("member");
    expect(ben.welcome.lobby).toBeUndefined();
    expect(gus.welcome.self).toMatchObject({ role: "guest", audioMutedBy: null });
    await actor.dispose();
  });

  test("every member of a team meeting's team hosts it", async () => {
    const { actor, open } = await room({ teamId: "t-1", createdBy: "u-ana" });
    const ben = await open("ben", { ...BEN, teamMember: true });
    expect(ben.welcome.self.role).toBe("host");
    await actor.dispose();
  });

  test("a meeting started signed out is hosted by whoever is in it: the first in, then the next when they go", async () => {
    const { actor, open } = await room({ createdBy: null });
    const a = await open("A");
    const b = await open("B");
    expect(a.welcome.self.role).toBe("host");
    expect(b.welcome.self.role).toBe("guest");
    await a.send({ type: "leave" });
    expect(b.conn.all("participant.updated").at(-1).participant).toMatchObject({ id: b.id, role: "host" });
    await actor.dispose();
  });

  test("a host promotes a guest, who then hosts (and sees who is waiting)", async () => {
    const { actor, open } = await room({ lobby: true });
    const ana = await open("ana", ANA);
    const gus = await ana.send({ type: "lobby.admit-all" }).then(() => open("Gus"));
    await ana.send({ type: "lobby.admit", participantId: ana.last("lobby.knock").entry.id });
    const wes = await open("Wes");
    await ana.send({ type: "participant.promote", participantId: gus.id, id: 1 });
    expect(ana.last("ack")).toEqual({ type: "ack", id: 1 });
    expect(gus.last("participant.updated").participant).toMatchObject({ id: gus.id, role: "host" });
    expect(gus.last("lobby.knock").entry).toMatchObject({ name: "Wes" });
    await gus.send({ type: "lobby.admit", participantId: gus.last("lobby.knock").entry.id, id: 2 });
    expect(gus.last("ack")).toEqual({ type: "ack", id: 2 });
    expect(wes.conn.all("welcome")).toHaveLength(1);
    await actor.dispose();
  });
});

describe("meeting control: a guest may use none of it", () => {
  const HOST_MESSAGES = (target: string) => [
    { type: "lobby.admit", participantId: target },
    { type: "lobby.deny", participantId: target },
    { type: "lobby.admit-all" },
    { type: "meeting.settings", lobby: true, locked: true, selfUnmute: false },
    { type: "participant.mute", participantId: target },
    { type: "participant.mute", all: true },
    { type: "participant.remove", participantId: target },
    { type: "participant.promote", participantId: target },
    { type: "media.unmute-request", participantId: target },
    { type: "hands.lower-all" },
    { type: "meeting.end" },
  ];

  test("a guest (and a signed-in member) sending every host message gets FORBIDDEN for each, and nothing changes", async () => {
    const { actor, open, fake, calls } = await room();
    const ana = await open("ana", ANA);
    const ben = await open("ben", BEN);
    const gus = await open("Gus");
    await ana.send({ type: "presence", handRaised: true });
    await ana.send({ type: "media.publish", kind: "camera", sdp: SDP });
    ana.conn.clear();
    for (const attacker of [gus, ben]) {
      const messages = HOST_MESSAGES(ana.id);
      for (const [i, m] of messages.entries()) await attacker.send({ ...m, id: `x${i}` });
      const errors = attacker.conn.all("error");
      expect(errors.map((e) => [e.id, e.code])).toEqual(messages.map((_, i) => [`x${i}`, "FORBIDDEN"]));
    }
    // Nobody else heard of it; the host is neither muted, removed, demoted nor lowered.
    expect(ana.conn.all()).toEqual([]);
    expect(ana.conn.closedWith()).toBeNull();
    expect(fake().audioMuted.size).toBe(0);
    expect(calls).toEqual([]);
    expect(actor.state).toBe("live");
    const check = await open("check", { userId: "u-zed", username: "zed" });
    const anaNow = check.welcome.participants.find((p: { id: string }) => p.id === ana.id);
    expect(anaNow).toMatchObject({ role: "host", audioMuted: false, audioMutedBy: null, handRaised: true });
    expect(check.welcome.settings).toEqual({ lobby: false, locked: false, selfUnmute: true });
    await actor.dispose();
  });

  test("control messages are checked: unknown targets, bad emoji and extra fields are refused", async () => {
    const { actor, open } = await room();
    const ana = await open("ana", ANA);
    await ana.send({ type: "participant.mute", participantId: "nobody", id: 1 });
    await ana.send({ type: "reaction", emoji: "💩", id: 2 });
    await ana.send({ type: "participant.mute", all: false, id: 3 });
    await ana.send({ type: "participant.remove", participantId: ana.id, id: 4 });
    expect(ana.conn.all("error").map((e) => [e.id, e.code])).toEqual([
      [1, "NOT_FOUND"],
      [2, "INVALID_ARGUMENT"],
      [3, "INVALID_ARGUMENT"],
      [4, "INVALID_ARGUMENT"],
    ]);
    await actor.dispose();
  });
});

describe("meeting control: the lobby", () => {
  test("with the lobby on a guest waits; the host hears the knock, admits one and denies another", async () => {
    const { actor, open } = await room({ lobby: true });
    const ana = await open("ana", ANA);
    const gus = await open("Gus");
    const eve = await open("Eve");
    expect(gus.welcome).toBeUndefined();
    expect(gus.conn.all()).toEqual([{ type: "lobby.waiting" }]);
    const knocks = ana.conn.all("lobby.knock").map((m) => m.entry);
    expect(knocks).toMatchObject([
      { name: "Gus", signedIn: false, removedBefore: false },
      { name: "Eve", signedIn: false, removedBefore: false },
    ]);
    expect(typeof knocks[0].since).toBe("string");
    // Waiting, one may only wait: nothing else reaches the room.
    await gus.send({ type: "chat", text: "let me in", id: 7 });
    await gus.send({ type: "reaction", emoji: "👍", id: 8 });
    expect(gus.conn.all("error").map((e) => [e.id, e.code])).toEqual([
      [7, "FORBIDDEN"],
      [8, "FORBIDDEN"],
    ]);
    expect(ana.conn.all("chat")).toEqual([]);

    await ana.send({ type: "lobby.admit", participantId: knocks[0].id, id: "a" });
    expect(gus.last("welcome").self).toMatchObject({ id: knocks[0].id, name: "Gus", role: "guest" });
    expect(ana.conn.all("participant.joined").at(-1).participant.name).toBe("Gus");
    expect(ana.last("lobby.left")).toEqual({ type: "lobby.left", id: knocks[0].id, outcome: "admitted" });

    await ana.send({ type: "lobby.deny", participantId: knocks[1].id, id: "d" });
    expect(eve.conn.closedWith()).toEqual({ code: 4403, reason: "denied" });
    expect(eve.conn.all("welcome")).toEqual([]);
    expect(ana.last("lobby.left")).toEqual({ type: "lobby.left", id: knocks[1].id, outcome: "denied" });
    await actor.dispose();
  });

  test("with no host in the meeting knocking guests wait; a host who arrives finds them listed; a knock that goes is taken off", async () => {
    const { actor, open } = await room({ lobby: true });
    const gus = await open("Gus");
    const eve = await open("Eve");
    expect(gus.conn.all()).toEqual([{ type: "lobby.waiting" }]);
    const ana = await open("ana", ANA);
    expect(ana.welcome.lobby.map((e: { name: string }) => e.name)).toEqual(["Gus", "Eve"]);
    eve.sink.closed(1001);
    await settle();
    expect(ana.last("lobby.left")).toMatchObject({ outcome: "left" });
    await ana.send({ type: "lobby.admit-all", id: 1 });
    expect(gus.conn.all("welcome")).toHaveLength(1);
    await actor.dispose();
  });

  test("team members never wait; signed-in members of a public meeting's creator list do not need to", async () => {
    const { actor, open } = await room({ teamId: "t-1", lobby: true });
    const ben = await open("ben", { ...BEN, teamMember: true });
    expect(ben.welcome.self.role).toBe("host");
    await actor.dispose();
  });

  test("a team meeting's outsiders: refused (4401/4403) with the lobby off; knock with it on, and their notes wait too", async () => {
    const off = await room({ teamId: "t-1", lobby: false });
    const g = fakeConn("g");
    off.actor.attach("room", g, GUEST);
    expect(g.closedWith()?.code).toBe(4401);
    const o = fakeConn("o");
    off.actor.attach("room", o, { userId: "u-out", username: "out", teamMember: false });
    expect(o.closedWith()?.code).toBe(4403);
    await off.actor.dispose();

    const on = await room({ teamId: "t-1", lobby: true });
    const ben = await on.open("ben", { ...BEN, teamMember: true });
    const out = await on.open("out", { userId: "u-out", username: "out", teamMember: false });
    expect(out.conn.all()).toEqual([{ type: "lobby.waiting" }]);
    const notes = fakeConn("n");
    on.actor.attach("notes", notes, { userId: "u-out", username: "out", teamMember: false });
    expect(notes.closedWith()?.code).toBe(4403);
    await ben.send({ type: "lobby.admit", participantId: ben.last("lobby.knock").entry.id });
    expect(out.last("welcome").self.role).toBe("member");
    const notes2 = fakeConn("n2");
    on.actor.attach("notes", notes2, { userId: "u-out", username: "out", teamMember: false });
    expect(notes2.closedWith()).toBeNull();
    await on.actor.dispose();
  });

  test("a host turning the lobby on is heard by everyone and saved", async () => {
    const { actor, open, calls } = await room();
    const ana = await open("ana", ANA);
    const gus = await open("Gus");
    await ana.send({ type: "meeting.settings", lobby: true, id: 1 });
    expect(gus.last("meeting.updated")).toEqual({ type: "meeting.updated", settings: { lobby: true, locked: false, selfUnmute: true } });
    expect(calls).toEqual([`saved ${JSON.stringify({ lobby: true, selfUnmute: true })}`]);
    const eve = await open("Eve");
    expect(eve.conn.all()).toEqual([{ type: "lobby.waiting" }]);
    await actor.dispose();
  });
});

describe("meeting control: lock", () => {
  test("a locked meeting keeps newcomers out with 4423 (not its hosts, nor a dropped seat coming back); those waiting stay waiting", async () => {
    const { actor, open } = await room({ lobby: true });
    const ana = await open("ana", ANA);
    const gus = await open("Gus");
    await ana.send({ type: "lobby.admit", participantId: ana.last("lobby.knock").entry.id });
    const wes = await open("Wes");
    await ana.send({ type: "meeting.settings", locked: true });
    const eve = await open("Eve");
    expect(eve.conn.closedWith()).toEqual({ code: 4423, reason: "locked" });
    const ben = await open("ben", BEN);
    expect(ben.conn.closedWith()?.code).toBe(4423);
    expect(wes.conn.closedWith()).toBeNull();
    // Gus drops and comes back with his token: he is no newcomer.
    const token = gus.welcome?.resumeToken ?? gus.last("welcome").resumeToken;
    gus.sink.closed(1006);
    await settle();
    const back = await open("Gus", GUEST, { resume: token });
    expect(back.welcome.self.id).toBe(gus.id);
    // The creator still gets in, and may still admit who waits.
    const ana2 = await open("ana", ANA);
    expect(ana2.welcome.self.role).toBe("host");
    await ana.send({ type: "lobby.admit", participantId: ana.last("lobby.knock").entry.id });
    expect(wes.conn.all("welcome")).toHaveLength(1);
    await actor.dispose();
  });
});

describe("meeting control: remove", () => {
  test("a removed guest is closed with 4403; their resume token (in this room or signed) only lets them knock again", async () => {
    const { actor, open } = await room();
    const ana = await open("ana", ANA);
    const gus = await open("Gus");
    const token = gus.welcome.resumeToken;
    await ana.send({ type: "participant.remove", participantId: gus.id, id: 1 });
    expect(gus.conn.closedWith()).toEqual({ code: 4403, reason: "removed by a host" });
    expect(ana.last("participant.left").participant.id).toBe(gus.id);
    const again = await open("Gus", GUEST, { resume: token });
    expect(again.welcome).toBeUndefined();
    expect(again.conn.all()).toEqual([{ type: "lobby.waiting" }]);
    expect(ana.last("lobby.knock").entry).toMatchObject({ name: "Gus", removedBefore: true });
    // A host may admit them again; then the token works as before.
    await ana.send({ type: "lobby.admit", participantId: ana.last("lobby.knock").entry.id });
    expect(again.last("welcome").self.id).toBe(gus.id);
    await actor.dispose();
  });

  test("a removed signed-in person knocks when they come back, even with the lobby off; the creator cannot be removed", async () => {
    const { actor, open } = await room();
    const ana = await open("ana", ANA);
    const ben = await open("ben", BEN);
    await ana.send({ type: "participant.promote", participantId: ben.id });
    await ben.send({ type: "participant.remove", participantId: ana.id, id: 9 });
    expect(ben.last("error")).toMatchObject({ id: 9, code: "FORBIDDEN" });
    await ana.send({ type: "participant.remove", participantId: ben.id });
    expect(ben.conn.closedWith()?.code).toBe(4403);
    const back = await open("ben", BEN);
    expect(back.conn.all()).toEqual([{ type: "lobby.waiting" }]);
    await actor.dispose();
  });

  test("a token signed by an earlier room of the meeting is void once that participant was removed here", async () => {
    const first = await room();
    const gus = await first.open("Gus");
    const token = gus.welcome.resumeToken;
    await first.actor.dispose();
    const second = await room();
    const ana = await second.open("ana", ANA);
    const back = await second.open("Gus", GUEST, { resume: token });
    expect(back.welcome.self.id).toBe(gus.id);
    await ana.send({ type: "participant.remove", participantId: gus.id });
    back.sink.closed(4403);
    const third = await second.open("Gus", GUEST, { resume: token });
    expect(third.conn.all()).toEqual([{ type: "lobby.waiting" }]);
    await second.actor.dispose();
  });
});

describe("meeting control: mute", () => {
  test("a host's mute is enforced in the SFU; the muted person cannot unmute until asked (self-unmute off), then can", async () => {
    const { actor, open, fake } = await room({ selfUnmute: false });
    const ana = await open("ana", ANA);
    const gus = await open("Gus");
    await gus.send({ type: "media.publish", kind: "camera", sdp: SDP });
    await ana.send({ type: "participant.mute", participantId: gus.id, id: 1 });
    expect(fake().audioMuted.has(gus.id)).toBe(true);
    expect(gus.last("participant.updated").participant).toMatchObject({ id: gus.id, audioMuted: true, audioMutedBy: ana.id });
    await gus.send({ type: "presence", audioMuted: false, id: 2 });
    expect(gus.last("error")).toMatchObject({ id: 2, code: "FORBIDDEN" });
    expect(fake().audioMuted.has(gus.id)).toBe(true);
    await ana.send({ type: "media.unmute-request", participantId: gus.id, id: 3 });
    expect(gus.last("media.unmute-request")).toEqual({ type: "media.unmute-request", from: ana.id });
    await gus.send({ type: "presence", audioMuted: false, id: 4 });
    expect(gus.last("ack")).toEqual({ type: "ack", id: 4 });
    expect(fake().audioMuted.has(gus.id)).toBe(false);
    expect(ana.last("participant.updated").participant).toMatchObject({ id: gus.id, audioMuted: false, audioMutedBy: null });
    await actor.dispose();
  });

  test("with self-unmute on (the default) the muted may unmute at once; mute-all spares hosts", async () => {
    const { actor, open, fake } = await room();
    const ana = await open("ana", ANA);
    const ben = await open("ben", BEN);
    const gus = await open("Gus");
    await ana.send({ type: "participant.mute", all: true, id: 1 });
    expect([...fake().audioMuted].sort()).toEqual([ben.id, gus.id].sort());
    await gus.send({ type: "presence", audioMuted: false, id: 2 });
    expect(gus.last("ack")).toEqual({ type: "ack", id: 2 });
    expect([...fake().audioMuted]).toEqual([ben.id]);
    await actor.dispose();
  });

  test("hands.lower-all lowers every raised hand", async () => {
    const { actor, open } = await room();
    const ana = await open("ana", ANA);
    const gus = await open("Gus");
    const wes = await open("Wes");
    await gus.send({ type: "presence", handRaised: true });
    await wes.send({ type: "presence", handRaised: true });
    await ana.send({ type: "hands.lower-all", id: 1 });
    const check = await open("Zed");
    expect(check.welcome.participants.filter((p: { handRaised: boolean }) => p.handRaised)).toEqual([]);
    await actor.dispose();
  });
});

describe("meeting control: end and reactions", () => {
  test("ending the meeting tells everyone (and those waiting), closes every socket with 1000 and ends the room", async () => {
    const { actor, open, calls } = await room({ lobby: true });
    const ana = await open("ana", ANA);
    const gus = await open("Gus");
    await ana.send({ type: "meeting.end", id: 1 });
    await settle();
    for (const c of [ana, gus]) {
      expect(c.conn.all("meeting.ended")).toEqual([{ type: "meeting.ended", by: ana.id }]);
      expect(c.conn.closedWith()?.code).toBe(1000);
    }
    expect(actor.state).toBe("disposed");
    expect(calls).toContain("ended");
  });

  test("reactions reach everyone, and are rate-limited", async () => {
    const { actor, open, clock } = await room();
    const ana = await open("ana", ANA);
    const gus = await open("Gus");
    for (let i = 0; i < 6; i++) await gus.send({ type: "reaction", emoji: "🎉", id: i });
    expect(ana.conn.all("reaction")).toHaveLength(5);
    expect(ana.last("reaction")).toEqual({ type: "reaction", participantId: gus.id, emoji: "🎉" });
    expect(gus.last("error")).toMatchObject({ id: 5, code: "RATE_LIMITED" });
    clock.advance(1000);
    await gus.send({ type: "reaction", emoji: "❤️" });
    expect(ana.last("reaction").emoji).toBe("❤️");
    await actor.dispose();
  });
});

describe("meeting control: kept while the room moves or restarts", () => {
  test("the lock, a promotion and a removal are saved; a room loaded afresh keeps them; they are forgotten once the meeting empties", async () => {
    let stored: Parameters<NonNullable<RoomRecords["saveControl"]>>[1] = null;
    const records: Partial<RoomRecords> = {
      loadControl: async () => ({ createdBy: "u-ana", lobby: false, selfUnmute: true, locked: stored?.locked ?? false, control: stored }),
      saveControl: async (_id, state) => void (stored = state),
    };
    const first = await room({}, undefined, records);
    const ana = await first.open("ana", ANA);
    const gus = await first.open("Gus");
    const ben = await first.open("ben", BEN);
    expect(ben.welcome.self.role).toBe("member");
    await ana.send({ type: "participant.promote", participantId: ben.id });
    await ana.send({ type: "participant.remove", participantId: gus.id });
    await ana.send({ type: "meeting.settings", locked: true });
    await settle();
    expect(stored).toMatchObject({ locked: true, promotedIds: [ben.id], promotedUsers: ["u-ben"], removedIds: [gus.id], removedUsers: [] });
    // The room moves to another node (its owner lost the lease): the state stays saved.
    await first.actor.dispose("fenced");
    expect(stored).toMatchObject({ locked: true });

    const second = await room({}, undefined, records);
    const ben2 = await second.open("ben", BEN);
    expect(ben2.welcome.self.role).toBe("host");
    expect(ben2.welcome.settings.locked).toBe(true);
    const cy = await second.open("Cy");
    expect(cy.conn.closedWith()).toEqual({ code: 4423, reason: "locked" });
    await ben2.send({ type: "meeting.settings", locked: false });
    const back = await second.open("Gus", GUEST, { resume: gus.welcome.resumeToken });
    expect(back.welcome).toBeUndefined();
    expect(back.conn.all()).toEqual([{ type: "lobby.waiting" }]);
    expect(ben2.last("lobby.knock").entry).toMatchObject({ name: "Gus", removedBefore: true });
    back.sink.closed(1000);
    ben2.sink.closed(1000);
    await settle();
    // Everyone left and the room closed: the next meeting here starts afresh.
    await second.actor.dispose("empty");
    expect(stored).toBeNull();
  });
});
