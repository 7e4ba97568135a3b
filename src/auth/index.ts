export { hashPassword, verifyPassword, timingDummyHash } from "./passwords.ts";
export { randomToken, sha256Hex } from "./tokens.ts";
export { SESSION_COOKIE, readCookie, sessionCookie, clearedSessionCookie } from "./cookies.ts";
export { createSessionStore, type SessionStore, type SessionUser } from "./sessions.ts";
export {
  createMemoryRateCounter,
  createRedisRateCounter,
  createLoginGuard,
  DEFAULT_LOGIN_LIMITS,
  type RateCounter,
  type LoginGuard,
  type LoginLimits,
} from "./rate-limit.ts";
export { createCalendarTokens, type CalendarTokens } from "./calendar-tokens.ts";
