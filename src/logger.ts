import pino, { type Logger } from "pino";
import type { LogLevel } from "./config.ts";

/** JSON lines on stdout; every request line carries its request id. */
export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { app: "dictate" }, redact: ["password", "currentPassword", "*.password", "*.passwordHash"] });
}
export type { Logger };
