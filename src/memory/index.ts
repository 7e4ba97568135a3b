export { createMemoryRecords } from "./records.ts";
export { createMemory, type Memory, type MemoryDeps, type Timeline, type TimelineParticipant, type ActionItem } from "./memory.ts";
export { itemsOf, tick, type NotesItem } from "./action-items.ts";
export { renderMarkdown, formatOffset } from "./markdown.ts";
export { editThroughRoom } from "./through-room.ts";
