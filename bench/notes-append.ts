/**
 * Where Postgres's time goes in one notes append (the Database CPU column of bench/notes-sync.ts):
 * the append's statement shape (src/notes/store.ts: rows as three arrays through `unnest`, joined
 * to the notes row under `FOR SHARE`, one commit per statement) on tables shaped like
 * `notes` / `note_updates`, in a fresh database of its own, with and without the parts that cost:
 * the foreign key from note_updates to notes (checked per row by a trigger), the row lock, and the
 * commit itself (rows per statement). Printed: the Postgres backend's CPU (utime + stime from
 * /proc, so it includes the WAL flush) and the wall time, per statement and per row. Variants
 * alternate, twice, so a busy moment slows all alike.
 *
 *   node_modules/.bin/bun bench/notes-append.ts [statements=3000]
 *
 * The Postgres at BENCH_POSTGRES_URL (postgres://postgres@127.0.0.1:5432/postgres) must run on
 * this machine (its backend's /proc entry is read). The database is dropped at the end.
 */
import { readFileSync } from "node:fs";
import postgres from "postgres";
import { createPostgresDatabase, dropPostgresDatabases } from "../tests/helpers/db.ts";

const STATEMENTS = Number(process.argv[2] ?? 3000);
const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const NOTES = 100;
const UPDATE_HEX = Buffer.alloc(30, 7).toString("hex");

interface Variant {
  label: string;
  foreignKey: boolean;
  forShare: boolean;
  rowsPerStatement: number;
}

const VARIANTS: Variant[] = [
  { label: "as Dictate appends: foreign key, FOR SHARE, 10 rows", foreignKey: true, forShare: true, rowsPerStatement: 10 },
  { label: "without the row lock", foreignKey: true, forShare: false, rowsPerStatement: 10 },
  { label: "without the foreign key", foreignKey: false, forShare: true, rowsPerStatement: 10 },
  { label: "as Dictate, 1 row per statement (an idle meeting)", foreignKey: true, forShare: true, rowsPerStatement: 1 },
];

/** CPU time of a process, in ms (utime + stime, in clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const name = `dictate_append_bench_${process.pid}`;
const url = await createPostgresDatabase(name, ADMIN_URL);
const sql = postgres(url, { max: 1, onnotice: () => {} });
try {
  const pid = (await sql<{ pid: number }[]>`select pg_backend_pid() as pid`)[0]!.pid;
  const results = new Map<string, { cpu: number[]; wall: number[]; rows: number }>();
  for (let round = 0; round < 2; round++) {
    for (const v of VARIANTS) {
      await sql.unsafe(`
        drop table if exists note_updates; drop table if exists notes;
        create table notes (id uuid primary key default gen_random_uuid(), lease_token bigint not null default 1, ydoc bytea, text text not null default '');
        create table note_updates (id bigserial primary key, note_id uuid not null ${v.foreignKey ? "references notes(id) on delete cascade" : ""},
          update bytea not null, created_at timestamptz not null default now());
        create index on note_updates (note_id, id);
        insert into notes (ydoc) select decode(repeat('ab', 2000), 'hex') from generate_series(1, ${NOTES});`);
      const ids = (await sql<{ id: string }[]>`select id from notes`).map((r) => r.id);
      const statement = `
        insert into note_updates (note_id, update)
        select n.id, decode(v.update, 'hex')
        from unnest($1::uuid[], $2::bigint[], $3::text[]) with ordinality as v(note_id, lease_token, update, ord)
        join notes n on n.id = v.note_id and n.lease_token = v.lease_token
        order by v.ord ${v.forShare ? "for share of n" : ""}
        returning id, note_id`;
      const cpu0 = cpuMs(pid);
      const wall0 = performance.now();
      for (let i = 0; i < STATEMENTS; i++) {
        const batch = Array.from({ length: v.rowsPerStatement }, (_, j) => ids[(i * v.rowsPerStatement + j) % NOTES]!);
        await sql.unsafe(statement, [batch, batch.map(() => "1"), batch.map(() => UPDATE_HEX)], { prepare: true });
      }
      const entry = results.get(v.label) ?? { cpu: [], wall: [], rows: v.rowsPerStatement };
      entry.cpu.push(((cpuMs(pid) - cpu0) * 1000) / STATEMENTS);
      entry.wall.push(((performance.now() - wall0) * 1000) / STATEMENTS);
      results.set(v.label, entry);
    }
  }
  const { fsync, synchronous_commit } = (
    await sql<{ fsync: string; synchronous_commit: string }[]>`select current_setting('fsync') as fsync, current_setting('synchronous_commit') as synchronous_commit`
  )[0]!;
  console.log(`\n## One notes append on Postgres: ${STATEMENTS} statements per variant, two rounds (fsync ${fsync}, synchronous_commit ${synchronous_commit})\n`);
  console.log("| variant | backend CPU µs / statement | per row | wall µs / statement |");
  console.log("|---|---:|---:|---:|");
  for (const [label, r] of results) {
    const cpu = r.cpu.map((x) => x.toFixed(0)).join(" / ");
    const perRow = r.cpu.map((x) => (x / r.rows).toFixed(0)).join(" / ");
    console.log(`| ${label} | ${cpu} | ${perRow} | ${r.wall.map((x) => x.toFixed(0)).join(" / ")} |`);
  }
} finally {
  await sql.end();
  await dropPostgresDatabases([name], ADMIN_URL);
}
