/**
 * The migrations drizzle-kit wrote to migrations/, imported as text so that a compiled binary
 * carries them. `embeddedMigrations()` builds exactly what drizzle's `readMigrationFiles` builds from
 * the folder (statements split at the breakpoints, the SHA-256 of each file, the journal's `when`),
 * so the rows in `drizzle.__drizzle_migrations` are the same whichever way a database was migrated.
 *
 * After `npm run db:generate`, import the new file below and add it to SQL; a journal entry
 * without its file stops every start and every test with a message saying so.
 */
import { createHash } from "node:crypto";
import type { MigrationMeta } from "drizzle-orm/migrator";
import journal from "../../migrations/meta/_journal.json";
import m0000 from "../../migrations/0000_init.sql" with { type: "text" };
import m0001 from "../../migrations/0001_notes_lease_token.sql" with { type: "text" };
import m0002 from "../../migrations/0002_ics_token_hash.sql" with { type: "text" };
import m0003 from "../../migrations/0003_cancelled_meetings.sql" with { type: "text" };
import m0004 from "../../migrations/0004_display_name.sql" with { type: "text" };
import m0005 from "../../migrations/0005_meeting_control.sql" with { type: "text" };
import m0006 from "../../migrations/0006_meeting_memory.sql" with { type: "text" };
import m0007 from "../../migrations/0007_meeting_control_state.sql" with { type: "text" };
import m0008 from "../../migrations/0008_note_update_clock.sql" with { type: "text" };

const SQL: Record<string, string> = {
  "0000_init": m0000,
  "0001_notes_lease_token": m0001,
  "0002_ics_token_hash": m0002,
  "0003_cancelled_meetings": m0003,
  "0004_display_name": m0004,
  "0005_meeting_control": m0005,
  "0006_meeting_memory": m0006,
  "0007_meeting_control_state": m0007,
  "0008_note_update_clock": m0008,
};

interface JournalEntry {
  tag: string;
  when: number;
  breakpoints: boolean;
}

/** The journal's migrations, in order, as drizzle's migrator wants them. */
export function embeddedMigrations(): MigrationMeta[] {
  return (journal.entries as JournalEntry[]).map((entry) => {
    const query = SQL[entry.tag];
    if (query === undefined) {
      throw new Error(`Migration ${entry.tag} is in migrations/meta/_journal.json but not embedded: import it in src/db/migrations.ts`);
    }
    return {
      sql: query.split("--> statement-breakpoint"),
      bps: entry.breakpoints,
      folderMillis: entry.when,
      hash: createHash("sha256").update(query).digest("hex"),
    };
  });
}
