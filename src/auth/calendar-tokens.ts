import { eq } from "drizzle-orm";
import { createHmac } from "node:crypto";
import { schema, type Db } from "../db/index.ts";
import { randomToken, sha256Hex } from "./tokens.ts";

const SECRET_NAME = "calendar_token_key";

/**
 * ICS feed tokens. A token is HMAC-SHA256(key, `<userId>:<version>`), so the server can show the
 * feed URL again at any time (GET /api/me includes it) without storing the token: the users table
 * keeps only the token's SHA-256, which the feed looks up. Rotating bumps the version.
 *
 * The key comes from configuration when given; otherwise the server makes one on first use and keeps
 * it in `server_secrets`, shared by every node. Then a leak of the users table alone (a dump of a row,
 * a logged query result) reveals no feed; one of the whole database does, as it would reveal the
 * data the feed shows anyway.
 */
export function createCalendarTokens({ db, secret }: { db: Db; secret?: string }) {
  let key: Promise<string> | undefined;

  async function loadKey(): Promise<string> {
    const { serverSecrets } = schema;
    const read = async () =>
      (await db.select({ value: serverSecrets.value }).from(serverSecrets).where(eq(serverSecrets.name, SECRET_NAME)).limit(1))[0]?.value;
    const existing = await read();
    if (existing) return existing;
    // Two nodes starting at once both try; the first insert wins and both read it back.
    await db.insert(serverSecrets).values({ name: SECRET_NAME, value: randomToken(32) }).onConflictDoNothing();
    const made = await read();
    if (!made) throw new Error("calendar token key could not be stored");
    return made;
  }

  const getKey = () => {
    if (secret) return Promise.resolve(secret);
    key ??= loadKey().catch((err) => {
      // Let the next call try again rather than remember the failure.
      key = undefined;
      throw err;
    });
    return key;
  };

  return {
    /** The plain token for this user and version. */
    async token(userId: string, version: number): Promise<string> {
      return createHmac("sha256", await getKey()).update(`${userId}:${version}`).digest("base64url");
    },
    /** What is stored and looked up. */
    hash: (token: string) => sha256Hex(token),
  };
}

export type CalendarTokens = ReturnType<typeof createCalendarTokens>;
