/**
 * Hostile frames on the room and notes sockets, against the real server process (its own event
 * loop, production mode, real Postgres): a frame costs what it weighs, and one guest's bad frames
 * never stall another meeting. Pins what was found by hand: a 64 KB text frame of nested arrays froze
 * the whole process for ~1 s per frame (parsed and serialised again before any check), so a ping in
 * another room waited that long.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTrackedDatabase } from "../helpers/db.ts";
import { startServer, type RunningServer } from "../helpers/server.ts";
import { openRoomSocket, wsUrl, type RoomClient } from "../helpers/ws.ts";

let server: RunningServer;

async function newMeeting(): Promise<string> {
  const res = await fetch(`${server.url}/api/meetings`, { method: "POST", headers: { "content-type": "application/json", origin: server.url }, body: "{}" });
  return ((await res.json()) as { meeting: { code: string } }).meeting.code;
}

async function joinAs(code: string, name: string): Promise<RoomClient> {
  const c = await openRoomSocket(wsUrl(server.url, `/ws/meetings/${code}`));
  c.send({ type: "hello", name });
  await c.next("welcome");
  return c;
}

/** Round-trip times of pings sent every 20 ms for `ms`, on a bystander's socket. */
async function pingTimes(c: RoomClient, ms: number): Promise<number[]> {
  const times: number[] = [];
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) {
    const id = `p${n++}`;
    const sent = performance.now();
    c.send({ type: "ping", id });
    await c.next("pong", (m) => m.id === id, 10_000);
    times.push(performance.now() - sent);
    await Bun.sleep(20);
  }
  return times;
}

const nested = (bytes: number) => "[".repeat(bytes / 2) + "]".repeat(bytes / 2);

beforeAll(async () => {
  const url = await createTrackedDatabase(`dictate_frames_${Date.now()}_${process.pid}`);
  server = await startServer({ DATABASE_URL: url, DATA_DIR: "/tmp/dictate-frames-unused" });
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe("hostile frames cost what they weigh", () => {
  test("64 KB frames of nested arrays on the room socket: a bystander's pings in another meeting stay quick, the attacker gets errors", async () => {
    const bystander = await joinAs(await newMeeting(), "Bystander");
    const attacker = await joinAs(await newMeeting(), "Attacker");
    const quiet = await pingTimes(bystander, 300);
    const frame = nested(64 * 1024 - 2);
    const attack = (async () => {
      for (let i = 0; i < 8; i++) {
        attacker.send(frame);
        await Bun.sleep(40);
      }
    })();
    const underAttack = await pingTimes(bystander, 600);
    await attack;
    // Each bad frame got the ordinary error reply (too deep), and the socket is still open for 8 of them.
    const errors = await attacker.next("error", () => true, 5_000);
    expect(errors).toMatchObject({ type: "error", code: "INVALID_ARGUMENT" });
    expect(attacker.ws.readyState).toBe(WebSocket.OPEN);
    // Today's code: ~1 s per frame. Generous bound: several times a healthy ping on this machine.
    expect(Math.max(...underAttack)).toBeLessThan(Math.max(250, 5 * Math.max(...quiet)));
    bystander.close();
    attacker.close();
  }, 30_000);

  test("repeated bad frames close only the attacker's socket, with 4400", async () => {
    const bystander = await joinAs(await newMeeting(), "Bystander");
    const attacker = await joinAs(await newMeeting(), "Attacker");
    for (let i = 0; i < 40 && attacker.ws.readyState === WebSocket.OPEN; i++) attacker.send(nested(2000));
    expect((await attacker.closed).code).toBe(4400);
    bystander.send({ type: "ping", id: "still" });
    expect(await bystander.next("pong", (m) => m.id === "still")).toMatchObject({ id: "still" });
    bystander.close();
  });

  test("a text frame over 64 KB closes that socket with 4413; a text frame on the notes socket closes it with 4400", async () => {
    const code = await newMeeting();
    const big = await joinAs(code, "Big");
    big.send(JSON.stringify({ type: "chat", text: "x".repeat(70_000) }));
    expect((await big.closed).code).toBe(4413);
    const notes = await openRoomSocket(wsUrl(server.url, `/ws/meetings/${code}/notes`));
    notes.send(nested(60_000));
    expect((await notes.closed).code).toBe(4400);
  });
});
