export { executePrepared, openDatabase, writePgliteTemplate, MIGRATIONS_DIR, type Database, type DatabaseOptions, type Db } from "./client.ts";
export * as schema from "./schema.ts";
export { RECORDING_STATUSES, type RecordingStatus } from "./schema.ts";
export { isUniqueViolation } from "./errors.ts";
