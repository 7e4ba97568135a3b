/**
 * The speaker timeline's cost: what recording who spoke when (and who was there) costs the server
 * for a 6-person meeting, per participant-hour.
 *
 * One simulated hour, on an injected clock, through the room's own recorder
 * (src/rooms/room-actor.memory.ts) into a real database (PGlite in-process by default, so its CPU is
 * the server's too; `--postgres` for the local Postgres, whose CPU is then another process's):
 * six participants take turns of 10–120 s; a turn is stretches of 2–15 s of speech separated by
 * pauses of 0.3–3 s (those under a second join into one segment, as Janus's talking / stopped-talking
 * events would come), and now and then someone leaves and comes back. The batches are written every
 * 10 s of meeting time, as in a live room. Reported: talking events, segment and attendance rows,
 * write statements (batches), the server's CPU (user + system of this process, whole run), and the
 * same per participant-hour; the peer figure is the notes' cost per update from bench/notes-sync.ts
 * for scale.
 *
 * Run: `node_modules/.bin/bun bench/timeline.ts [--postgres]`
 */
import { count, eq } from "drizzle-orm";
import { schema } from "../src/db/index.ts";
import { createLogger } from "../src/logger.ts";
import { createMemoryRecords } from "../src/memory/index.ts";
import { createRoomMemory, type MemoryRecords } from "../src/rooms/index.ts";
import { createManualClock } from "../tests/helpers/clock.ts";
import { openTestDatabase } from "../tests/helpers/db.ts";

const PEOPLE = 6;
const HOUR_MS = 3_600_000;
const usePostgres = process.argv.includes("--postgres");

let seed = 42;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff) / 0x7fffffff);
const between = (lo: number, hi: number) => lo + random() * (hi - lo);

const database = await openTestDatabase(usePostgres ? "postgres" : "pglite");
await database.migrate();
const db = database.db;
const [meeting] = await db.insert(schema.meetings).values({ code: `bench-${Date.now().toString(36)}`, title: "Timeline bench" }).returning();
const records = createMemoryRecords(db);
let statements = 0;
const inflight = new Set<Promise<unknown>>();
const counted: MemoryRecords = {
  write: (id, batch) => {
    statements += (batch.segments.length > 0 ? 1 : 0) + (batch.joined.length > 0 ? 1 : 0) + (batch.left.length > 0 ? 1 : 0);
    const p = records.write(id, batch);
    inflight.add(p);
    void p.finally(() => inflight.delete(p)).catch(() => undefined);
    return p;
  },
};
const clock = createManualClock(Date.now());
const memory = createRoomMemory(meeting!.id, { clock, logger: createLogger("silent"), records: counted });
const people = Array.from({ length: PEOPLE }, (_, i) => ({ id: `p${i}`, who: { userId: null, name: `Person ${i + 1}` } }));
for (const p of people) memory.joined(p.id, p.who);

let events = 0;
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
const end = clock.now() + HOUR_MS;
/** Advances meeting time, letting the batch writes the timer starts finish as they would. */
async function pass(ms: number) {
  const until = clock.now() + ms;
  while (clock.now() < until) {
    clock.advance(Math.min(1_000, until - clock.now()));
    await Bun.sleep(0);
    // A batch takes far less than the 10 s between batches in a live room: let each land before time moves on.
    while (inflight.size > 0) await Promise.all([...inflight]);
  }
}
while (clock.now() < end) {
  const p = people[Math.floor(random() * PEOPLE)]!;
  if (random() < 0.03) {
    memory.left(p.id);
    await pass(between(5_000, 30_000));
    memory.joined(p.id, p.who);
    continue;
  }
  const turnEnd = clock.now() + between(10_000, 120_000);
  while (clock.now() < turnEnd && clock.now() < end) {
    memory.talking(p.id, p.who, true);
    events++;
    await pass(between(2_000, 15_000));
    memory.talking(p.id, p.who, false);
    events++;
    await pass(between(300, 3_000));
  }
}
await memory.dispose();
const cpu = process.cpuUsage(cpu0);
const wallMs = performance.now() - wall0;
const [segments] = await db.select({ n: count() }).from(schema.speakerSegments).where(eq(schema.speakerSegments.meetingId, meeting!.id));
const [stays] = await db.select({ n: count() }).from(schema.attendance).where(eq(schema.attendance.meetingId, meeting!.id));
const participantHours = PEOPLE;
const cpuMs = (cpu.user + cpu.system) / 1000;
console.log(`Speaker timeline, ${PEOPLE} people for one hour (${usePostgres ? "Postgres" : "PGlite in-process"})`);
console.log(`  talking events          : ${events}`);
console.log(`  segment rows            : ${segments!.n}  (${(segments!.n / participantHours).toFixed(0)} per participant-hour)`);
console.log(`  attendance rows         : ${stays!.n}  (${(stays!.n / participantHours).toFixed(1)} per participant-hour)`);
console.log(`  write statements        : ${statements}  (batches every 10 s of meeting time)`);
console.log(`  server CPU, whole hour  : ${cpuMs.toFixed(0)} ms  (${(cpuMs / participantHours).toFixed(0)} ms per participant-hour, ${((cpuMs / HOUR_MS) * 100).toFixed(4)}% of a core)`);
console.log(`  wall time of the run    : ${(wallMs / 1000).toFixed(1)} s (simulated hour)`);
await database.close();
