import { eq, sql } from "drizzle-orm";
import { schema } from "../../../src/db/index.ts";
import { createNotesStore } from "../../../src/notes/index.ts";
import { createMemoryNotesStore } from "../../../src/notes/testing.ts";
import { DB_KINDS, openTestDatabase } from "../../helpers/db.ts";
import { describeNotesStoreContract } from "./notes-store.contract.ts";

describeNotesStoreContract("memory", async () => {
  const store = createMemoryNotesStore();
  return {
    store,
    meeting: async (agenda) => ({ id: crypto.randomUUID(), title: "Contract", agenda }),
    async inspect(noteId) {
      const row = store.rows.get(noteId)!;
      return { text: row.text, updates: row.updates.length };
    },
    close: async () => {},
  };
});

for (const kind of DB_KINDS) {
  describeNotesStoreContract(kind, async () => {
    const database = await openTestDatabase(kind);
    return {
      store: createNotesStore(database.db),
      async meeting(agenda) {
        const [row] = await database.db
          .insert(schema.meetings)
          .values({ code: `notes-${crypto.randomUUID()}`, title: "Contract", agenda })
          .returning();
        return { id: row!.id, title: row!.title, agenda: row!.agenda };
      },
      async inspect(noteId) {
        const [note] = await database.db.select({ text: schema.notes.text }).from(schema.notes).where(eq(schema.notes.id, noteId));
        const [count] = await database.db
          .select({ n: sql<number>`count(*)::int` })
          .from(schema.noteUpdates)
          .where(eq(schema.noteUpdates.noteId, noteId));
        return { text: note!.text, updates: count!.n };
      },
      close: () => database.close(),
    };
  });
}
