export { createMemoryRecords } from "./records.ts";
