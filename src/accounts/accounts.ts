import { and, eq, inArray, notExists, sql } from "drizzle-orm";
import {
  createCalendarTokens,
  hashPassword,
  timingDummyHash,
  verifyPassword,
  type LoginGuard,
  type SessionStore,
  type SessionUser,
} from "../auth/index.ts";
import { isUniqueViolation, schema, type Db } from "../db/index.ts";
import { AppError, conflict, notFound } from "../errors.ts";
import { requireDisplayName, requireUsername } from "../names.ts";

const { users, teams, teamMembers } = schema;

/** What a user sees of their own account. */
export interface UserView {
  id: string;
  email: string;
  /** The handle: unique, no spaces. */
  username: string;
  /** What teammates see (spaces allowed); the username until one is set. */
  displayName: string;
  createdAt: string;
  /** The ICS feed with its secret token. */
  calendarUrl: string;
}

export interface SignupInput {
  email: string;
  username: string;
  /** Optional: without one, the username is shown. */
  displayName?: string;
  password: string;
}

export interface ProfileChanges {
  username?: string;
  displayName?: string;
  email?: string;
  password?: string;
  currentPassword?: string;
}

export interface AccountsDeps {
  db: Db;
  sessions: SessionStore;
  loginGuard: LoginGuard;
  publicUrl: string;
  /** Key for ICS tokens; unset, the server makes one and keeps it in the database. */
  calendarSecret?: string;
}

/** Who is asking, for the rules that depend on the request. */
export interface RequestInfo {
  /** The session making the change: it stays signed in when the password changes. */
  sessionToken: string | null;
  /** For the login limiter. */
  address: string;
}

type ViewedUser = Pick<SessionUser, "id" | "email" | "username" | "displayName" | "calendarTokenVersion" | "createdAt">;

/** The name teammates see: the display name, or for accounts from before there was one, the username. */
export const shownName = (u: { username: string; displayName: string | null }) => u.displayName ?? u.username;

const normalizeEmail = (email: string) => email.trim().toLowerCase();

export function createAccounts({ db, sessions, loginGuard, publicUrl, calendarSecret }: AccountsDeps) {
  const calendarTokens = createCalendarTokens({ db, secret: calendarSecret });
  const view = async (u: ViewedUser): Promise<UserView> => ({
    id: u.id,
    email: u.email,
    username: u.username,
    displayName: shownName(u),
    createdAt: u.createdAt.toISOString(),
    calendarUrl: `${publicUrl}/api/calendar.ics?token=${await calendarTokens.token(u.id, u.calendarTokenVersion)}`,
  });
  const calendarHash = async (userId: string, version: number) => calendarTokens.hash(await calendarTokens.token(userId, version));
  const rateLimited = (waitSeconds: number, message: string) =>
    new AppError("RATE_LIMITED", message, { headers: { "retry-after": String(waitSeconds) } });

  const uniqueConflict = (err: unknown): never => {
    if (isUniqueViolation(err, "users_email_key")) {
      throw conflict("That email is already registered", { email: "Already registered" });
    }
    if (isUniqueViolation(err, "users_username_lower_key")) {
      throw conflict("That username is taken", { username: "Already taken" });
    }
    throw err;
  };

  return {
    view,

    async signup(input: SignupInput): Promise<UserView> {
      const username = requireUsername(input.username);
      const displayName = input.displayName === undefined ? null : requireDisplayName(input.displayName);
      const passwordHash = await hashPassword(input.password);
      const id = crypto.randomUUID();
      try {
        const [row] = await db
          .insert(users)
          .values({
            id,
            email: normalizeEmail(input.email),
            username,
            displayName,
            passwordHash,
            calendarTokenHash: await calendarHash(id, 0),
          })
          .returning();
        return view(row!);
      } catch (err) {
        return uniqueConflict(err);
      }
    },

    /** Checks the password; counts failures per email and address and refuses while over the limit. */
    async login(emailInput: string, password: string, address: string): Promise<UserView> {
      const email = normalizeEmail(emailInput);
      const waitSeconds = await loginGuard.blockedFor(email, address);
      if (waitSeconds > 0) throw rateLimited(waitSeconds, "Too many failed logins. Try again later.");
      const [row] = await db.select().from(users).where(eq(users.email, email)).limit(1);
      // Hash even when the email is unknown, so timing does not reveal which emails exist.
      const ok = await verifyPassword(password, row?.passwordHash ?? (await timingDummyHash()));
      if (!row || !ok) {
        await loginGuard.failed(email, address);
        throw new AppError("UNAUTHENTICATED", "Invalid email or password");
      }
      await loginGuard.succeeded(email, address);
      return view(row);
    },

    /**
     * Changes the profile. A password change ends every other session and rotates the ICS token;
     * `currentPassword` guesses count toward the login limiter, under the same key as a login with
     * this account's email, so guessing here buys no attempts beyond the login's.
     */
    async update(userId: string, changes: ProfileChanges, request: RequestInfo): Promise<UserView> {
      const [current] = await db.select().from(users).where(eq(users.id, userId)).limit(1);
      if (!current) throw notFound("User");
      const values: Partial<typeof users.$inferInsert> = {};
      if (changes.username !== undefined) values.username = requireUsername(changes.username);
      if (changes.displayName !== undefined) values.displayName = requireDisplayName(changes.displayName);
      const newEmail = changes.email === undefined ? undefined : normalizeEmail(changes.email);
      const emailChanges = newEmail !== undefined && newEmail !== current.email;
      if (emailChanges || changes.password !== undefined) {
        if (!changes.currentPassword) {
          throw new AppError("INVALID_ARGUMENT", "Enter your current password to change your email or password", {
            fields: { currentPassword: "Required to change email or password" },
          });
        }
        const waitSeconds = await loginGuard.blockedFor(current.email, request.address);
        if (waitSeconds > 0) throw rateLimited(waitSeconds, "Too many wrong passwords. Try again later.");
        if (!(await verifyPassword(changes.currentPassword, current.passwordHash))) {
          await loginGuard.failed(current.email, request.address);
          throw new AppError("INVALID_ARGUMENT", "Your current password is not right", {
            fields: { currentPassword: "Incorrect password" },
          });
        }
        await loginGuard.succeeded(current.email, request.address);
        if (emailChanges) values.email = newEmail;
        if (changes.password !== undefined) {
          values.passwordHash = await hashPassword(changes.password);
          // Whoever knew the old password may hold the feed's link too.
          values.calendarTokenVersion = current.calendarTokenVersion + 1;
          values.calendarTokenHash = await calendarHash(userId, values.calendarTokenVersion);
        }
      }
      if (Object.keys(values).length === 0) return view(current);
      let row: typeof users.$inferSelect | undefined;
      try {
        [row] = await db
          .update(users)
          .set({ ...values, updatedAt: new Date() })
          // The new feed version was counted from the row read above: refuse if a rotation came between.
          .where(and(eq(users.id, userId), eq(users.calendarTokenVersion, current.calendarTokenVersion)))
          .returning();
      } catch (err) {
        return uniqueConflict(err);
      }
      if (!row) throw conflict("Your account changed while saving; try again");
      if (values.passwordHash !== undefined) await sessions.destroyOthers(userId, request.sessionToken);
      return view(row);
    },

    /** GET /api/me: the user's view. Makes sure the stored hash matches the link shown (rows from before hashing have none). */
    async me(user: SessionUser): Promise<UserView> {
      const expected = await calendarHash(user.id, user.calendarTokenVersion);
      if (user.calendarTokenHash !== expected) {
        await db.update(users).set({ calendarTokenHash: expected }).where(eq(users.id, user.id));
      }
      return view(user);
    },

    /** A new ICS token: the old feed URL stops working at once. */
    async rotateCalendarToken(userId: string): Promise<UserView> {
      for (;;) {
        const [current] = await db.select({ version: users.calendarTokenVersion }).from(users).where(eq(users.id, userId)).limit(1);
        if (!current) throw notFound("User");
        const version = current.version + 1;
        // Compare-and-set on the version: of two rotations at once, one retries with the next.
        const [row] = await db
          .update(users)
          .set({ calendarTokenVersion: version, calendarTokenHash: await calendarHash(userId, version), updatedAt: new Date() })
          .where(and(eq(users.id, userId), eq(users.calendarTokenVersion, current.version)))
          .returning();
        if (row) return view(row);
      }
    },

    /** Deletes the account, its sessions and memberships, and any team it leaves empty. */
    async remove(userId: string): Promise<void> {
      await db.transaction(async (tx) => {
        const memberships = await tx.select({ teamId: teamMembers.teamId }).from(teamMembers).where(eq(teamMembers.userId, userId));
        await tx.delete(users).where(eq(users.id, userId));
        const teamIds = memberships.map((m) => m.teamId);
        if (teamIds.length > 0) {
          await tx
            .delete(teams)
            .where(
              and(
                inArray(teams.id, teamIds),
                notExists(tx.select({ one: sql`1` }).from(teamMembers).where(eq(teamMembers.teamId, teams.id))),
              ),
            );
        }
      });
      await sessions.destroyAllFor(userId);
    },

    /** The user an ICS token belongs to. */
    async byCalendarToken(token: string) {
      if (token.length < 16 || token.length > 64) return null;
      const [row] = await db.select().from(users).where(eq(users.calendarTokenHash, calendarTokens.hash(token))).limit(1);
      return row ?? null;
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
