import { and, eq, gt, lt, ne } from "drizzle-orm";
import type { Db } from "../db/index.ts";
import { schema } from "../db/index.ts";
import { randomToken, sha256Hex } from "./tokens.ts";

export interface SessionUser {
  id: string;
  email: string;
  username: string;
  /** What teammates see; null for accounts from before display names (show the username). */
  displayName: string | null;
  calendarTokenVersion: number;
  /** Null only for accounts from before ICS tokens were hashed, until their next GET /api/me. */
  calendarTokenHash: string | null;
  createdAt: Date;
}

export interface SessionStore {
  /** Starts a session and returns the token for the cookie (only its hash is stored). */
  create(userId: string): Promise<{ token: string; expiresAt: Date }>;
  /** The signed-in user for a cookie token, or null when unknown or expired. */
  lookup(token: string): Promise<SessionUser | null>;
  destroy(token: string): Promise<void>;
  destroyAllFor(userId: string): Promise<void>;
  /** Ends every session of the user but the one with `keepToken`. */
  destroyOthers(userId: string, keepToken: string | null): Promise<void>;
}

export function createSessionStore(db: Db, options: { ttlMs: number; now?: () => Date }): SessionStore {
  const now = options.now ?? (() => new Date());
  const { sessions, users } = schema;
  return {
    async create(userId) {
      const token = randomToken();
      const expiresAt = new Date(now().getTime() + options.ttlMs);
      await db.insert(sessions).values({ id: sha256Hex(token), userId, expiresAt });
      // Opportunistic sweep of this user's expired sessions keeps the table small without a timer.
      await db.delete(sessions).where(and(eq(sessions.userId, userId), lt(sessions.expiresAt, now())));
      return { token, expiresAt };
    },
    async lookup(token) {
      if (token.length > 128) return null;
      const [row] = await db
        .select({
          id: users.id,
          email: users.email,
          username: users.username,
          displayName: users.displayName,
          calendarTokenVersion: users.calendarTokenVersion,
          calendarTokenHash: users.calendarTokenHash,
          createdAt: users.createdAt,
        })
        .from(sessions)
        .innerJoin(users, eq(users.id, sessions.userId))
        .where(and(eq(sessions.id, sha256Hex(token)), gt(sessions.expiresAt, now())))
        .limit(1);
      return row ?? null;
    },
    async destroy(token) {
      await db.delete(sessions).where(eq(sessions.id, sha256Hex(token)));
    },
    async destroyAllFor(userId) {
      await db.delete(sessions).where(eq(sessions.userId, userId));
    },
    async destroyOthers(userId, keepToken) {
      if (keepToken === null) return this.destroyAllFor(userId);
      await db.delete(sessions).where(and(eq(sessions.userId, userId), ne(sessions.id, sha256Hex(keepToken))));
    },
  };
}
