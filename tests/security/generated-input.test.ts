/**
 * Generated hostile input against the real server process, on PGlite and on Postgres: for every
 * endpoint family and every room socket message type (and the notes socket's binary frames), at
 * least 1,000 cases made by fast-check from a printed seed — wrong types, deep nesting, huge strings,
 * Unicode edge cases (lone surrogates, bidi overrides, NUL), unknown fields, forged ids. What must
 * hold: no answer is a 500, every error has the one error shape, the process never dies or closes a
 * socket with 1011, and afterwards /healthz is 200 and a bystander meeting's chat still arrives.
 * Re-run a failure with FUZZ_SEED=<seed>.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClientMessage } from "../../src/rooms/protocol.ts";
import { createTrackedDatabase } from "../helpers/db.ts";
import { startServer, type RunningServer } from "../helpers/server.ts";
import { openRoomSocket, wsUrl, type RoomClient } from "../helpers/ws.ts";

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
console.log(`generated-input seed: FUZZ_SEED=${SEED} (${RUNS} cases per family)`);

const sample = <T>(arb: fc.Arbitrary<T>, salt: number): T[] => fc.sample(arb, { seed: SEED + salt, numRuns: RUNS });

// --- What hostile values look like -------------------------------------------------------------

const edgeStrings = fc.constantFrom(
  "", " ", "\u0000", "a\u0000b", "\u202Eevil", "\u200B", "\uFEFF", "\uD800", "\uDFFF", "𝕏".repeat(50), "Ａｌｉｃｅ", "e\u0301",
  "<script>alert(1)</script>", "'; drop table users; --", "../../etc/passwd", "%00", "\r\nSet-Cookie: x=1", "null", "true", "0", "-1", "1e309",
  "00000000-0000-0000-0000-000000000000", "zzzz-zzzz-zzzz", "x".repeat(70_000),
);
const anyString = fc.oneof(fc.string({ maxLength: 200, unit: "binary" }), fc.string({ maxLength: 5000 }), edgeStrings);
const scalar = fc.oneof(anyString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.bigInt().map(String));
const anyValue = fc.oneof(scalar, fc.jsonValue({ maxDepth: 4 }), fc.array(scalar, { maxLength: 5 }), fc.dictionary(anyString, scalar, { maxKeys: 4 }));
/** Raw bodies that are not what JSON.stringify of a value gives. */
const deepText = fc.tuple(fc.integer({ min: 40, max: 30_000 }), fc.constantFrom("[", '{"a":')).map(([depth, open]) => open.repeat(depth) + "1" + (open === "[" ? "]" : "}").repeat(depth));
const rawText = fc.oneof(deepText, fc.string({ maxLength: 300 }), fc.constantFrom("{", "[1,", '{"a":1,}', "\u0000", "NaN", '"\\uD800"', "{}".repeat(20_000)));

/** An object shaped like a request's body: its real field names with hostile values, plus strangers. */
const shaped = (fields: string[]) =>
  fc.record(Object.fromEntries([...fields, "__proto__", "constructor", "unknown"].map((f) => [f, anyValue])), { requiredKeys: [] });

/** Either a JSON body (shaped, or anything at all) or raw text. */
const body = (fields: string[]) => fc.oneof({ arbitrary: shaped(fields).map((v) => JSON.stringify(v)), weight: 3 }, { arbitrary: anyValue.map((v) => JSON.stringify(v) ?? "null"), weight: 1 }, { arbitrary: rawText, weight: 1 });

/** Percent-encoded; a lone surrogate cannot be, so it goes as U+FFFD (the body cases send it raw). */
const uri = (s: string) => encodeURIComponent(s.slice(0, 300).replace(/[\uD800-\uDFFF]/g, "\uFFFD"));
const forgedId = fc.oneof(fc.uuid(), anyString.map(uri), fc.constantFrom("..%2F..%2F", "%00", "%E0%A4%A", "a".repeat(500)));

// --- The endpoint families ---------------------------------------------------------------------

interface HttpCase {
  method: string;
  path: string;
  body?: string;
  contentType?: string;
}

const families: Record<string, fc.Arbitrary<HttpCase>> = {
  "auth (sign-up, log in)": fc.tuple(fc.constantFrom("/api/auth/signup", "/api/auth/login"), body(["email", "username", "password"])).map(([path, b]) => ({ method: "POST", path, body: b })),
  "profile (PATCH /api/me)": body(["email", "username", "password", "currentPassword"]).map((b) => ({ method: "PATCH", path: "/api/me", body: b })),
  "teams (create, join, read, leave)": fc.oneof(
    body(["name"]).map((b) => ({ method: "POST", path: "/api/teams", body: b })),
    body(["code"]).map((b) => ({ method: "POST", path: "/api/teams/join", body: b })),
    forgedId.map((id) => ({ method: "GET", path: `/api/teams/${id}` })),
    forgedId.map((id) => ({ method: "POST", path: `/api/teams/${id}/leave` })),
  ),
  "meetings (create, list, read, change, delete)": fc.oneof(
    body(["teamId", "title", "agenda", "startsAt", "endsAt"]).map((b) => ({ method: "POST", path: "/api/meetings", body: b })),
    fc.tuple(anyString, anyString).map(([from, to]) => ({ method: "GET", path: `/api/meetings?from=${uri(from)}&to=${uri(to)}` })),
    fc.tuple(forgedId, body(["title", "agenda", "startsAt", "endsAt", "teamId"])).map(([id, b]) => ({ method: "PATCH", path: `/api/meetings/${id}`, body: b })),
    forgedId.map((id) => ({ method: "GET", path: `/api/meetings/${id}` })),
    forgedId.map((id) => ({ method: "DELETE", path: `/api/meetings/${id}` })),
  ),
  "notes (list, read, rename, delete, export)": fc.oneof(
    forgedId.map((id) => ({ method: "GET", path: `/api/notes?teamId=${id}` })),
    forgedId.map((id) => ({ method: "GET", path: `/api/notes/${id}` })),
    fc.tuple(forgedId, body(["title"])).map(([id, b]) => ({ method: "PATCH", path: `/api/notes/${id}`, body: b })),
    forgedId.map((id) => ({ method: "DELETE", path: `/api/notes/${id}` })),
    forgedId.map((id) => ({ method: "GET", path: `/api/notes/${id}/export.md` })),
  ),
  "recordings (list, read, rename, delete, media)": fc.oneof(
    forgedId.map((id) => ({ method: "GET", path: `/api/recordings/${id}` })),
    fc.tuple(forgedId, body(["title"])).map(([id, b]) => ({ method: "PATCH", path: `/api/recordings/${id}`, body: b })),
    forgedId.map((id) => ({ method: "DELETE", path: `/api/recordings/${id}` })),
    forgedId.map((id) => ({ method: "GET", path: `/api/recordings/${id}/media` })),
  ),
  "calendar feed and token": fc.oneof(
    anyString.map((token) => ({ method: "GET", path: `/api/calendar.ics?token=${uri(token)}` })),
    body(["token"]).map((b) => ({ method: "POST", path: "/api/me/calendar-token", body: b })),
  ),
  "wrong content types and methods": fc.tuple(fc.constantFrom("/api/auth/signup", "/api/teams", "/api/meetings", "/api/me"), fc.constantFrom("POST", "PATCH", "PUT", "DELETE"), rawText, fc.constantFrom("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=utf-16", "")).map(
    ([path, method, b, contentType]) => ({ method, path, body: b, contentType }),
  ),
};

// Every message type the room socket takes, and every field any of them has, read from the protocol's
// own schema: a message added later is fuzzed without anyone remembering to list it here.
type ObjectSchema = { properties: Record<string, { const?: string }> };
type Schema = ObjectSchema | { anyOf: Schema[] };
const objectsOf = (s: Schema): ObjectSchema[] => ("anyOf" in s ? s.anyOf.flatMap(objectsOf) : [s]);
const clientSchemas = objectsOf(ClientMessage as unknown as Schema);
const roomTypes = [...new Set(clientSchemas.map((s) => s.properties.type!.const!))];
const roomFields = [...new Set(clientSchemas.flatMap((s) => Object.keys(s.properties)).filter((k) => k !== "type"))];
/** A room frame claiming `type`: its fields with hostile values, or raw text. */
const roomFrame = (type: string) =>
  fc.oneof(
    { arbitrary: shaped(roomFields).map((v) => JSON.stringify({ ...v, type })), weight: 4 },
    { arbitrary: fc.tuple(anyValue, anyValue).map(([id, extra]) => JSON.stringify({ type, id, extra })), weight: 1 },
    { arbitrary: deepText.map((t) => `{"type":"${type}","x":${t}}`), weight: 1 },
  );
/** Notes socket frames: random bytes, truncated varints, huge declared lengths. */
const notesFrame = fc.oneof(
  fc.uint8Array({ maxLength: 2000 }),
  fc.tuple(fc.constantFrom(0, 1, 2, 3, 255), fc.constantFrom(0, 1, 2, 7), fc.uint8Array({ maxLength: 500 })).map(([a, b, rest]) => new Uint8Array([a, b, ...rest])),
  fc.constantFrom(new Uint8Array([0, 2, 0xff, 0xff, 0xff, 0xff, 0x0f]), new Uint8Array([1, 0xff, 0xff, 0xff, 0xff, 0x7f]), new Uint8Array([])),
);

// --- Running them -------------------------------------------------------------------------------

let serverUrl = "";

/**
 * Sends `frames` on sockets to `path`, 40 to a socket (or until the server closes it), waiting each
 * time until the server has handled them; a close with 1011 (a server error) is noted in `problems`.
 */
async function sendOnSockets(path: string, frames: (string | Uint8Array)[], problems: string[], socketOptions: (i: number) => { cookie: string | null; hello: boolean }) {
  let socket: RoomClient | null = null;
  let sent = 0;
  let opened = 0;
  for (const frame of frames) {
    if (!socket || socket.ws.readyState !== WebSocket.OPEN || sent >= 40) {
      if (socket) await settled(socket);
      const o = socketOptions(opened++);
      socket = await openRoomSocket(wsUrl(serverUrl, path), { cookie: o.cookie });
      void socket.closed.then(({ code, reason }) => {
        if (code === 1011) problems.push(`closed 1011 (${reason})`);
      });
      if (o.hello) socket.send({ type: "hello", name: "Fuzz" });
      sent = 0;
    }
    socket.send(frame);
    sent++;
  }
  if (socket) await settled(socket);
}

/** Waits until the server has handled everything sent on `socket` (a ping answered, or the socket closed), then closes it. */
async function settled(socket: RoomClient) {
  if (socket.ws.readyState === WebSocket.OPEN && !socket.ws.url.endsWith("/notes")) {
    const id = `settle-${Math.random()}`;
    socket.send({ type: "ping", id });
    await Promise.race([socket.next("pong", (m) => m.id === id, 5_000).catch(() => null), socket.closed]);
  } else if (socket.ws.readyState === WebSocket.OPEN) {
    await Bun.sleep(5);
  }
  socket.close();
}

for (const kind of ["pglite", "postgres"] as const) {
  describe(`generated hostile input on ${kind}`, () => {
    let server: RunningServer;
    let dir = "";
    let cookie = "";
    let bystanders: RoomClient[] = [];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "dictate-fuzz-"));
      const db: Record<string, string> = kind === "postgres" ? { DATABASE_URL: await createTrackedDatabase(`dictate_fuzz_${Date.now()}_${process.pid}`) } : {};
      // Every case comes from 127.0.0.1: the per-address caps are measured in caps.test.ts.
      server = await startServer({ DATA_DIR: dir, ...db, SIGNUPS_PER_HOUR: "0", MEETINGS_PER_HOUR: "0", SOCKETS_PER_MINUTE: "0", GUEST_ROOMS_PER_ADDRESS: "0" });
      const res = await fetch(`${server.url}/api/auth/signup`, { method: "POST", headers: { "content-type": "application/json", origin: server.url }, body: JSON.stringify({ email: "fuzz@example.test", username: "fuzzer", password: "a long enough password" }) });
      expect(res.status).toBe(201);
      cookie = res.headers.get("set-cookie")!.split(";")[0]!;
      serverUrl = server.url;
      // A bystander meeting of two, chatting, that the cases must not disturb.
      const code = ((await (await fetch(`${server.url}/api/meetings`, { method: "POST", headers: { "content-type": "application/json", origin: server.url }, body: "{}" })).json()) as { meeting: { code: string } }).meeting.code;
      for (const name of ["Bystander A", "Bystander B"]) {
        const c = await openRoomSocket(wsUrl(server.url, `/ws/meetings/${code}`));
        c.send({ type: "hello", name });
        await c.next("welcome");
        bystanders.push(c);
      }
    }, 90_000);

    afterAll(async () => {
      for (const c of bystanders) c.close();
      await server?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    for (const [family, arb] of Object.entries(families)) {
      test(`${family}: ${RUNS} cases, no 500, every error in the one shape`, async () => {
        const problems: string[] = [];
        const cases = sample(arb, family.length);
        for (const c of cases) {
          const headers: Record<string, string> = { origin: server.url, cookie };
          if (c.body !== undefined) headers["content-type"] = c.contentType ?? "application/json";
          let res: Response;
          try {
            res = await fetch(server.url + c.path, { method: c.method, headers, body: c.body });
          } catch (err) {
            problems.push(`${c.method} ${c.path.slice(0, 80)}: no answer (${(err as Error).message})`);
            continue;
          }
          const text = await res.text();
          if (res.status >= 500) problems.push(`${res.status} for ${c.method} ${c.path.slice(0, 80)} body ${JSON.stringify(c.body?.slice(0, 120))}: ${text.slice(0, 200)}`);
          else if (res.status >= 400 && res.status !== 404 && !/^\{"error":\{"code":"[A-Z_]+","message":/.test(text)) problems.push(`${res.status} without the error shape for ${c.method} ${c.path.slice(0, 80)}: ${text.slice(0, 120)}`);
          // A successful change must not have logged the fuzz user out for the rest of the run.
          const set = res.headers.get("set-cookie");
          if (set?.startsWith("dictate_session=") && !set.startsWith("dictate_session=;")) cookie = set.split(";")[0]!;
        }
        expect(server.proc.exitCode).toBeNull();
        expect(problems.slice(0, 5)).toEqual([]);
      }, 180_000);
    }

    for (const type of roomTypes) {
      test(`room socket, ${type}: ${RUNS} frames, no server error close, the process lives`, async () => {
        const code = ((await (await fetch(`${server.url}/api/meetings`, { method: "POST", headers: { "content-type": "application/json", origin: server.url }, body: "{}" })).json()) as { meeting: { code: string } }).meeting.code;
        const problems: string[] = [];
        // Every other socket is signed in; half of them say hello first, so frames reach the handlers past it.
        await sendOnSockets(`/ws/meetings/${code}`, sample(roomFrame(type), type.length * 7), problems, (i) => ({
          cookie: i % 2 ? cookie : null,
          hello: i % 4 < 2,
        }));
        await Bun.sleep(100);
        expect(server.proc.exitCode).toBeNull();
        expect(problems.slice(0, 5)).toEqual([]);
      }, 180_000);
    }

    test(`notes socket: ${RUNS} binary frames, no server error close, the process lives`, async () => {
      const code = ((await (await fetch(`${server.url}/api/meetings`, { method: "POST", headers: { "content-type": "application/json", origin: server.url }, body: "{}" })).json()) as { meeting: { code: string } }).meeting.code;
      const problems: string[] = [];
      await sendOnSockets(`/ws/meetings/${code}/notes`, sample(notesFrame, 99), problems, () => ({ cookie: null, hello: false }));
      await Bun.sleep(100);
      expect(server.proc.exitCode).toBeNull();
      expect(problems.slice(0, 5)).toEqual([]);
    }, 180_000);

    test("afterwards: /healthz is 200 and the bystander meeting's chat is still delivered", async () => {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      const [a, b] = bystanders;
      a!.send({ type: "chat", text: "still here?" });
      expect(await b!.next("chat", (m) => m.text === "still here?", 5_000)).toMatchObject({ text: "still here?", name: "Bystander A" });
      expect(server.output()).not.toMatch(/uncaught|unhandled|RangeError: Maximum call stack/i);
      // Nothing the cases sent was an error on the server's side (pino level 50 and above).
      const errors = server.output().split("\n").filter((line) => /"level":(50|60)/.test(line));
      expect(errors.slice(0, 3)).toEqual([]);
    });
  });
}
