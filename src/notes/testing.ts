/** Test fakes for the notes module, kept out of its product surface (`index.ts`). */
export { createMemoryNotesStore } from "./memory-store.ts";
