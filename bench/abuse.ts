/**
 * What one hostile guest costs everyone else. One bystander meeting of 5 people chatting and typing
 * notes (each sends a chat message and types into the notes every 200 ms) runs through a quiet
 * phase, then while a hostile guest in another meeting sends each attack in turn: 64 KB frames of
 * nested arrays, a notes flood (900 KB updates), a chat flood, a socket storm and a sign-up storm.
 * Prints the bystanders' chat and notes latency (send → seen by each other person) p50/p99 in each
 * phase beside the quiet figure. The server runs as `npm start` does (production mode, per-address
 * caps at their defaults) on a fresh Postgres database; people and attacker come from different
 * addresses (X-Forwarded-For behind TRUST_PROXY=1), as they would on the internet.
 *
 *   bun bench/abuse.ts          BENCH_PHASE_MS (6000)   BENCH_DB=pglite for the embedded default
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { createPostgresDatabase, dropPostgresDatabases, POSTGRES_ADMIN_URL } from "../tests/helpers/db.ts";
import { openRoomSocket, wsUrl, type RoomClient } from "../tests/helpers/ws.ts";
import { updateFrame } from "../tests/helpers/yjs.ts";

const PHASE_MS = Number(process.env.BENCH_PHASE_MS ?? 6000);
/** `bun bench/abuse.ts attack <name> <origin> <code> <ms>`: the hostile guest, in a process of its own. */
const attackMode = process.argv[2] === "attack";
const PEOPLE = 5;
const TICK_MS = 200;
/** Each attack comes from an address of its own, so one attack's caps do not blunt the next. */
const ATTACKER = `203.0.113.${10 + Math.max(0, Number(process.argv[7] ?? 0))}`;

/** The server's origin: given to the attacker process; set once the server runs in the main one. */
let origin = attackMode ? process.argv[4]! : "";
const json = (address: string) => ({ "content-type": "application/json", origin, "x-forwarded-for": address });

async function newMeeting(address: string): Promise<string> {
  const res = await fetch(`${origin}/api/meetings`, { method: "POST", headers: json(address), body: "{}" });
  if (res.status !== 201) throw new Error(`meeting: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { meeting: { code: string } }).meeting.code;
}

/** A WebSocket that says it comes from `address` (behind the trusted proxy). */
const fromAddress = (address: string) =>
  class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, { headers: { "x-forwarded-for": address }, protocols } as never);
    }
  } as typeof WebSocket;

// --- The attacks --------------------------------------------------------------------------------

const hostileCode = process.argv[5] ?? "";
const nested = "[".repeat(32 * 1024 - 1) + "]".repeat(32 * 1024 - 1);
const bigUpdate = (() => {
  const d = new Y.Doc();
  d.getText("notes").insert(0, "F".repeat(900 * 1024));
  return updateFrame(Y.encodeStateAsUpdate(d));
})();

/** Keeps one hostile room socket open (reopening when the server closes it) and feeds it `send`. */
async function hostileSocket(path: string, send: (ws: RoomClient) => void, join: boolean, until: () => boolean) {
  let refused = 0;
  while (until()) {
    let ws: RoomClient;
    try {
      ws = await openRoomSocket(wsUrl(origin, path), { headers: { "x-forwarded-for": ATTACKER } });
    } catch {
      refused++;
      await Bun.sleep(20);
      continue;
    }
    if (join) ws.send({ type: "hello", name: "Mallory" });
    while (until() && ws.ws.readyState === WebSocket.OPEN) {
      send(ws);
      await Bun.sleep(0);
    }
    ws.close();
  }
  return refused;
}

const attacks: Record<string, (until: () => boolean) => Promise<string>> = {
  async "nested frames (64 KB [[[…]]])"(until) {
    let frames = 0;
    await hostileSocket(`/ws/meetings/${hostileCode}`, (ws) => (ws.send(nested), frames++), true, until);
    return `${frames} frames sent`;
  },
  async "notes flood (900 KB updates)"(until) {
    let updates = 0;
    await hostileSocket(`/ws/meetings/${hostileCode}/notes`, (ws) => (ws.send(bigUpdate), updates++), false, until);
    return `${updates} updates sent`;
  },
  async "chat flood"(until) {
    let messages = 0;
    await hostileSocket(`/ws/meetings/${hostileCode}`, (ws) => (ws.send({ type: "chat", text: "spam ".repeat(400) }), messages++), true, until);
    return `${messages} messages sent`;
  },
  async "socket storm"(until) {
    let opened = 0;
    let refused = 0;
    const open: WebSocket[] = [];
    while (until()) {
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          try {
            const c = await openRoomSocket(wsUrl(origin, `/ws/meetings/${hostileCode}`), { headers: { "x-forwarded-for": ATTACKER } });
            opened++;
            open.push(c.ws);
          } catch {
            refused++;
          }
        }),
      );
    }
    for (const ws of open) ws.close();
    return `${opened} opened, ${refused} refused`;
  },
  async "sign-up storm"(until) {
    const statuses = new Map<number, number>();
    let n = 0;
    while (until()) {
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          const i = n++;
          const res = await fetch(`${origin}/api/auth/signup`, { method: "POST", headers: json(ATTACKER), body: JSON.stringify({ email: `storm${i}@example.test`, username: `storm${i}`, password: "a long enough password" }) });
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          await res.body?.cancel();
        }),
      );
    }
    return [...statuses].map(([s, c]) => `${c}× ${s}`).join(", ");
  },
};

if (attackMode) {
  const name = process.argv[3]!;
  const end = performance.now() + Number(process.argv[6]);
  console.log(JSON.stringify({ summary: await attacks[name]!(() => performance.now() < end) }));
  process.exit(0);
}

/**
 * The server as `npm start` runs it (production mode, info logs, no media), its output going to a
 * file: read through a pipe, its request log would take the bystanders' own event loop here.
 */
async function startQuietServer(env: Record<string, string>) {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const proc = Bun.spawn([process.execPath, "src/main.ts"], {
    cwd: join(import.meta.dir, ".."),
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", PORT: String(port), HOST: "127.0.0.1", NODE_ENV: "production", LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "info", JANUS_BIN: "/nonexistent/janus", ...env },
    stdout: Bun.file(join(dir, "server.log")),
    stderr: Bun.file(join(dir, "server.err")),
    stdin: "ignore",
  });
  for (let i = 0; ; i++) {
    if ((await fetch(`${url}/healthz`).catch(() => null))?.status === 200) break;
    if (proc.exitCode !== null || i > 600) throw new Error(`the server did not start: ${await Bun.file(join(dir, "server.log")).text().catch(() => "")}`);
    await Bun.sleep(100);
  }
  return {
    url,
    async stop() {
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}

// --- The bystanders ---------------------------------------------------------------------------

interface Person {
  room: RoomClient;
  doc: Y.Doc;
  provider: WebsocketProvider;
}

const dir = mkdtempSync(join(tmpdir(), "dictate-abuse-"));
const dbName = `dictate_bench_abuse_${Date.now()}`;
const usePglite = process.env.BENCH_DB === "pglite";
const db: Record<string, string> = usePglite ? {} : { DATABASE_URL: await createPostgresDatabase(dbName, POSTGRES_ADMIN_URL) };
const server = await startQuietServer({ DATA_DIR: dir, TRUST_PROXY: "1", ...db, ...JSON.parse(process.env.BENCH_SERVER_ENV ?? "{}") });
origin = server.url;
const code = await newMeeting("198.51.100.1");
const hostileMeeting = await newMeeting("203.0.113.1");
const people: Person[] = [];
let phase = "warm-up";
const samples = new Map<string, { chat: number[]; notes: number[] }>();
const record = (kind: "chat" | "notes", ms: number) => {
  const s = samples.get(phase) ?? { chat: [], notes: [] };
  samples.set(phase, s);
  s[kind].push(ms);
};

for (let i = 0; i < PEOPLE; i++) {
  const address = `198.51.100.${10 + i}`;
  const room = await openRoomSocket(wsUrl(origin, `/ws/meetings/${code}`), { headers: { "x-forwarded-for": address } });
  room.send({ type: "hello", name: `Person ${i + 1}` });
  await room.next("welcome");
  room.ws.addEventListener("message", (e) => {
    const m = JSON.parse(String(e.data));
    if (m.type === "chat" && m.from !== undefined && m.text.startsWith("t=")) {
      const sentAt = Number(m.text.split(" ")[0].slice(2));
      if (!m.text.endsWith(`#${i}`)) record("chat", performance.now() - sentAt);
    }
  });
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(wsUrl(origin, `/ws/meetings/${code}`), "notes", doc, { WebSocketPolyfill: fromAddress(address), disableBc: true, maxBackoffTime: 500 });
  doc.getText("notes").observe((event) => {
    if (event.transaction.local) return;
    for (const op of event.delta) {
      if (typeof op.insert !== "string") continue;
      for (const match of op.insert.matchAll(/\[(\d+\.\d+)\]/g)) record("notes", performance.now() - Number(match[1]));
    }
  });
  people.push({ room, doc, provider });
}
await Promise.all(people.map((p) => new Promise<void>((resolve) => (p.provider.synced ? resolve() : p.provider.once("sync", () => resolve())))));

let ticking = true;
const ticks = people.map((p, i) =>
  (async () => {
    await Bun.sleep((TICK_MS / PEOPLE) * i);
    while (ticking) {
      p.room.send({ type: "chat", text: `t=${performance.now().toFixed(3)} #${i}` });
      const text = p.doc.getText("notes");
      text.insert(text.length, `[${performance.now().toFixed(3)}]`);
      await Bun.sleep(TICK_MS);
    }
  })(),
);

const notes: Record<string, string> = {};
await Bun.sleep(1500); // warm-up
phase = "quiet";
await Bun.sleep(PHASE_MS);
const only = process.env.BENCH_ATTACKS?.split(",");
for (const [index, name] of Object.keys(attacks).entries()) {
  if (only && !only.some((o) => name.startsWith(o))) continue;
  phase = "pause";
  await Bun.sleep(1000);
  // The attacker runs in its own process: its busy loop must not delay the bystanders' clocks here.
  const child = Bun.spawn([process.execPath, import.meta.path, "attack", name, origin, hostileMeeting, String(PHASE_MS), String(index)], { stdout: "pipe", stderr: "inherit" });
  phase = name;
  const out = await new Response(child.stdout).text();
  await child.exited;
  phase = "pause";
  notes[name] = (JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as { summary?: string }).summary ?? `attacker exited ${child.exitCode}`;
}
phase = "done";
ticking = false;
await Promise.all(ticks);

// --- Report -------------------------------------------------------------------------------------

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const f = (x: number) => (Number.isNaN(x) ? "—" : x < 10 ? x.toFixed(1) : x.toFixed(0));
const quiet = samples.get("quiet")!;
const quietP99 = { chat: pct(quiet.chat, 99), notes: pct(quiet.notes, 99) };
console.log(`\nbench/abuse.ts — ${PEOPLE} bystanders on ${usePglite ? "PGlite (embedded)" : "Postgres"}, ${PHASE_MS / 1000} s per phase, production mode, default caps`);
console.log("\n| phase | chat p50 | chat p99 | notes p50 | notes p99 | p99 ÷ quiet (chat, notes) | attacker |");
console.log("|---|---|---|---|---|---|---|");
const ran = Object.keys(attacks).filter((name) => samples.has(name));
for (const name of ["quiet", ...ran]) {
  const s = samples.get(name)!;
  const ratio = `${(pct(s.chat, 99) / quietP99.chat).toFixed(2)}×, ${(pct(s.notes, 99) / quietP99.notes).toFixed(2)}×`;
  console.log(`| ${name} | ${f(pct(s.chat, 50))} ms | ${f(pct(s.chat, 99))} ms | ${f(pct(s.notes, 50))} ms | ${f(pct(s.notes, 99))} ms | ${name === "quiet" ? "—" : ratio} | ${notes[name] ?? "—"} |`);
}
const worst = Math.max(...ran.flatMap((n) => {
  const s = samples.get(n)!;
  return [pct(s.chat, 99) / quietP99.chat, pct(s.notes, 99) / quietP99.notes];
}));
console.log(`\nAim: every attack's p99 within 2× of quiet — worst ${worst.toFixed(2)}× (${worst <= 2 ? "met" : "NOT met"}). Samples per phase: ~${quiet.chat.length} chat, ~${quiet.notes.length} notes.`);

for (const p of people) {
  p.provider.destroy();
  p.room.close();
}
await server.stop();
rmSync(dir, { recursive: true, force: true });
if (!usePglite) await dropPostgresDatabases([dbName], POSTGRES_ADMIN_URL);
process.exit(0);
