/**
 * Per-address caps against the real server process (production mode, real Postgres), each test from
 * its own address through X-Forwarded-For behind one trusted proxy. Before, one address could open
 * sockets without end, hold 40 Janus rooms, and seat 150 guests in one meeting.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTrackedDatabase } from "../helpers/db.ts";
import { startServer, type RunningServer } from "../helpers/server.ts";
import { openRoomSocket, wsUrl, type RoomClient } from "../helpers/ws.ts";

let server: RunningServer;
let n = 0;
/** A fresh client address for each test. */
const nextAddress = () => `198.51.100.${++n}`;

async function newMeeting(address: string) {
  const res = await fetch(`${server.url}/api/meetings`, { method: "POST", headers: { "content-type": "application/json", origin: server.url, "x-forwarded-for": address }, body: "{}" });
  return res;
}

async function guest(code: string, address: string, name: string): Promise<RoomClient & { first: any }> {
  const c = await openRoomSocket(wsUrl(server.url, `/ws/meetings/${code}`), { headers: { "x-forwarded-for": address } });
  c.send({ type: "hello", name, id: "hello" });
  const first = await Promise.race([c.next("welcome"), c.next("error"), c.closed.then((x) => ({ type: "closed", ...x }))]);
  return Object.assign(c, { first });
}

beforeAll(async () => {
  const url = await createTrackedDatabase(`dictate_caps_${Date.now()}_${process.pid}`);
  server = await startServer({
    DATABASE_URL: url,
    DATA_DIR: "/tmp/dictate-caps-unused",
    TRUST_PROXY: "1",
    SIGNUPS_PER_HOUR: "3",
    MEETINGS_PER_HOUR: "5",
    SOCKETS_PER_MINUTE: "96", // so 8 in any 5 s
    GUEST_ROOMS_PER_ADDRESS: "2",
    MAX_SEATS_PER_ROOM: "3",
  });
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe("per-address caps", () => {
  test("sign-ups and new meetings past the cap answer 429 with Retry-After; another address still may", async () => {
    const address = nextAddress();
    const signup = (i: number, from = address) =>
      fetch(`${server.url}/api/auth/signup`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: server.url, "x-forwarded-for": from },
        body: JSON.stringify({ email: `cap${n}-${i}@example.test`, username: `cap${n}_${i}`, password: "a long enough password" }),
      });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await signup(i)).status);
    expect(statuses).toEqual([201, 201, 201, 429]);
    const refused = await signup(9);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMITED");
    expect((await signup(10, nextAddress())).status).toBe(201);

    const meetings = [];
    for (let i = 0; i < 6; i++) meetings.push((await newMeeting(address)).status);
    expect(meetings).toEqual([201, 201, 201, 201, 201, 429]);
    expect((await newMeeting(nextAddress())).status).toBe(201);
  });

  test("socket opens past the cap (a twelfth of the minute's in any 5 s) are refused with 429 and Retry-After; another address is not affected", async () => {
    const address = nextAddress();
    const code = ((await (await newMeeting(address)).json()) as { meeting: { code: string } }).meeting.code;
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${server.url}/ws/meetings/${code}`, {
        headers: { connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": btoa("0123456789abcdef"), "x-forwarded-for": address },
      });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get("retry-after");
      await res.body?.cancel();
    }
    expect(statuses.slice(0, 8).every((s) => s === 101)).toBe(true);
    expect(statuses.slice(8)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    const other = await guest(code, nextAddress(), "Someone else");
    expect(other.first.type).toBe("welcome");
    other.close();
  });

  test("a meeting seats at most MAX_SEATS_PER_ROOM people; the next is told it is full", async () => {
    const code = ((await (await newMeeting(nextAddress())).json()) as { meeting: { code: string } }).meeting.code;
    const seated = [];
    for (let i = 0; i < 3; i++) seated.push(await guest(code, nextAddress(), `Guest ${i}`));
    expect(seated.map((c) => c.first.type)).toEqual(["welcome", "welcome", "welcome"]);
    const fourth = await guest(code, nextAddress(), "Guest 4");
    expect(fourth.first).toMatchObject({ type: "error", code: "RATE_LIMITED" });
    expect(fourth.first.message).toContain("full");
    seated[0]!.send({ type: "leave" });
    await seated[0]!.closed;
    const fifth = await guest(code, nextAddress(), "Guest 5");
    expect(fifth.first.type).toBe("welcome");
    for (const c of [...seated, fourth, fifth]) c.close();
  });

  test("one address may be a guest in GUEST_ROOMS_PER_ADDRESS meetings at once", async () => {
    const address = nextAddress();
    const codes: string[] = [];
    for (let i = 0; i < 3; i++) codes.push(((await (await newMeeting(nextAddress())).json()) as { meeting: { code: string } }).meeting.code);
    const a = await guest(codes[0]!, address, "Roamer");
    const b = await guest(codes[1]!, address, "Roamer");
    const c = await guest(codes[2]!, address, "Roamer");
    expect([a.first.type, b.first.type]).toEqual(["welcome", "welcome"]);
    expect(c.first).toMatchObject({ type: "closed", code: 4429 });
    // A second socket in a room it is already in is fine; leaving one frees a place.
    const again = await guest(codes[0]!, address, "Roamer again");
    expect(again.first.type).toBe("welcome");
    b.send({ type: "leave" });
    await b.closed;
    const d = await guest(codes[2]!, address, "Roamer");
    expect(d.first.type).toBe("welcome");
    for (const x of [a, again, d]) x.close();
  });
});
