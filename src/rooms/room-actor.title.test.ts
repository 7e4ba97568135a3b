import { describe, expect, test } from "bun:test";
import { createManualClock } from "../../tests/helpers/clock.ts";
import { createLogger } from "../logger.ts";
import { createNotesWriter } from "../notes/index.ts";
import { createMemoryNotesStore } from "../notes/testing.ts";
import type { Connection, Principal } from "./connection.ts";
import { createRoomActor, type RoomMeeting } from "./room-actor.ts";

const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 0));
};

function fakeConn(id: string) {
  const sent: string[] = [];
  const conn: Connection & { all(type?: string): any[] } = {
    id,
    send: (d) => void (typeof d === "string" && sent.push(d)),
    close: () => {},
    all: (type) => sent.map((d) => JSON.parse(d)).filter((m) => !type || m.type === type),
  };
  return conn;
}

const ANA: Principal = { userId: "u-ana", username: "ana" };
const BEN: Principal = { userId: "u-ben", username: "ben" };
const GUEST: Principal = { userId: null, username: null };

async function room(over: Partial<RoomMeeting> = {}, saveTitle?: (id: string, title: string) => Promise<void>) {
  const store = createMemoryNotesStore();
  const saved: string[] = [];
  const actor = createRoomActor(
    { id: "m", code: "abcd-efgh-jkmn", title: "Ana's meeting", agenda: "", teamId: null, createdBy: "u-ana", ...over },
    {
      clock: createManualClock(),
      graceMs: 1000,
      notesStore: store,
      notesWriter: createNotesWriter(store),
      records: {
        markStarted: async () => {},
        markEnded: async () => {},
        recordParticipant: async () => {},
        saveTitle: saveTitle ?? (async (_id, title) => void saved.push(title)),
      },
      logger: createLogger("silent"),
    },
  );
  await actor.start();
  const open = async (name: string, principal: Principal) => {
    const conn = fakeConn(name);
    const sink = actor.attach("room", conn, principal);
    sink.frame(JSON.stringify({ type: "hello", ...(principal.userId ? {} : { name }) }));
    await settle();
    return {
      conn,
      welcome: conn.all("welcome")[0],
      send: async (m: object) => {
        sink.frame(JSON.stringify(m));
        await settle();
      },
    };
  };
  return { actor, open, saved };
}

describe("renaming the meeting in the room", () => {
  test("the creator renames it: saved, everyone told at once, a later joiner welcomed with the new title", async () => {
    const { actor, open, saved } = await room();
    const ana = await open("ana", ANA);
    const guest = await open("Gus", GUEST);
    expect(ana.welcome.meeting.canRename).toBe(true);
    expect(guest.welcome.meeting.canRename).toBe(false);
    await ana.send({ type: "meeting.rename", id: 1, title: "  Budget review  " });
    expect(saved).toEqual(["Budget review"]);
    expect(ana.conn.all("ack").map((a) => a.id)).toEqual([1]);
    for (const who of [ana, guest]) expect(who.conn.all("meeting.renamed")).toEqual([{ type: "meeting.renamed", title: "Budget review", by: ana.welcome.self.id }]);
    const late = await open("Lou", GUEST);
    expect(late.welcome.meeting.title).toBe("Budget review");
    await actor.dispose();
  });

  test("a guest, a signed-in non-creator and a promoted host are refused with FORBIDDEN; nothing is saved or broadcast", async () => {
    const { actor, open, saved } = await room();
    const ana = await open("ana", ANA);
    const ben = await open("ben", BEN);
    const guest = await open("Gus", GUEST);
    await guest.send({ type: "meeting.rename", id: "g", title: "Mine now" });
    expect(guest.conn.all("error")).toEqual([{ type: "error", code: "FORBIDDEN", message: "Only the person who started this meeting can rename it", id: "g" }]);
    await ana.send({ type: "participant.promote", participantId: ben.welcome.self.id });
    await ben.send({ type: "meeting.rename", id: "b", title: "Ben's now" });
    expect(ben.conn.all("error").at(-1)).toMatchObject({ code: "FORBIDDEN", id: "b" });
    expect(saved).toEqual([]);
    expect(ana.conn.all("meeting.renamed")).toEqual([]);
    await actor.dispose();
  });

  test("a team meeting: any member may rename it", async () => {
    const { actor, open, saved } = await room({ teamId: "t", createdBy: "u-ana" });
    const ben = await open("ben", { ...BEN, teamMember: true });
    expect(ben.welcome.meeting.canRename).toBe(true);
    await ben.send({ type: "meeting.rename", id: 2, title: "Sprint planning" });
    expect(saved).toEqual(["Sprint planning"]);
    await actor.dispose();
  });

  test("a meeting started signed out can be renamed by nobody, not even the host in it", async () => {
    const { actor, open } = await room({ createdBy: null });
    const first = await open("Fay", GUEST);
    expect(first.welcome.self.role).toBe("host");
    expect(first.welcome.meeting.canRename).toBe(false);
    await first.send({ type: "meeting.rename", id: 3, title: "Hello" });
    expect(first.conn.all("error")).toEqual([{ type: "error", code: "FORBIDDEN", message: "This meeting was started without signing in: nobody can rename it", id: 3 }]);
    await actor.dispose();
  });

  test("a blank title is INVALID_ARGUMENT; a failed save is INTERNAL and the title stays", async () => {
    const { actor, open } = await room({}, async () => {
      throw new Error("database down");
    });
    const ana = await open("ana", ANA);
    await ana.send({ type: "meeting.rename", id: 4, title: "   " });
    expect(ana.conn.all("error").at(-1)).toEqual({ type: "error", code: "INVALID_ARGUMENT", message: "Enter a title", id: 4 });
    await ana.send({ type: "meeting.rename", id: 5, title: "New" });
    expect(ana.conn.all("error").at(-1)).toMatchObject({ code: "INTERNAL", id: 5 });
    expect(ana.conn.all("meeting.renamed")).toEqual([]);
    expect((await open("Lou", GUEST)).welcome.meeting.title).toBe("Ana's meeting");
    await actor.dispose();
  });
});
