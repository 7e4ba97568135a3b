import { and, eq, inArray, notExists, sql } from "drizzle-orm";
import {
  hashPassword,
  randomToken,
  timingDummyHash,
  verifyPassword,
  type LoginGuard,
  type SessionStore,
  type SessionUser,
} from "../auth/index.ts";
import { isUniqueViolation, schema, type Db } from "../db/index.ts";
import { AppError, conflict, notFound } from "../errors.ts";
import { requireUsername } from "../names.ts";

const { users, teams, teamMembers } = schema;

/** What a user sees of their own account. */
export interface UserView {
  id: string;
  email: string;
  username: string;
  createdAt: string;
  /** The ICS feed with its secret token. */
  calendarUrl: string;
}

export interface SignupInput {
  email: string;
  username: string;
  password: string;
}

export interface ProfileChanges {
  username?: string;
  email?: string;
  password?: string;
  currentPassword?: string;
}

export interface AccountsDeps {
  db: Db;
  sessions: SessionStore;
  loginGuard: LoginGuard;
  publicUrl: string;
}

const normalizeEmail = (email: string) => email.trim().toLowerCase();

export function createAccounts({ db, sessions, loginGuard, publicUrl }: AccountsDeps) {
  const view = (u: Pick<SessionUser, "id" | "email" | "username" | "calendarToken" | "createdAt">): UserView => ({
    id: u.id,
    email: u.email,
    username: u.username,
    createdAt: u.createdAt.toISOString(),
    calendarUrl: `${publicUrl}/api/calendar.ics?token=${u.calendarToken}`,
  });

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
      const passwordHash = await hashPassword(input.password);
      try {
        const [row] = await db
          .insert(users)
          .values({
            email: normalizeEmail(input.email),
            username,
            passwordHash,
            calendarToken: randomToken(24),
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
      if (waitSeconds > 0) {
        throw new AppError("RATE_LIMITED", "Too many failed logins. Try again later.", {
          headers: { "retry-after": String(waitSeconds) },
        });
      }
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

    async update(userId: string, changes: ProfileChanges): Promise<UserView> {
      const [current] = await db.select().from(users).where(eq(users.id, userId)).limit(1);
      if (!current) throw notFound("User");
      const values: Partial<typeof users.$inferInsert> = {};
      if (changes.username !== undefined) values.username = requireUsername(changes.username);
      const newEmail = changes.email === undefined ? undefined : normalizeEmail(changes.email);
      const emailChanges = newEmail !== undefined && newEmail !== current.email;
      if (emailChanges || changes.password !== undefined) {
        if (!changes.currentPassword) {
          throw new AppError("INVALID_ARGUMENT", "Enter your current password to change your email or password", {
            fields: { currentPassword: "Required to change email or password" },
          });
        }
        if (!(await verifyPassword(changes.currentPassword, current.passwordHash))) {
          throw new AppError("INVALID_ARGUMENT", "Your current password is not right", {
            fields: { currentPassword: "Incorrect password" },
          });
        }
        if (emailChanges) values.email = newEmail;
        if (changes.password !== undefined) values.passwordHash = await hashPassword(changes.password);
      }
      if (Object.keys(values).length === 0) return view(current);
      try {
        const [row] = await db
          .update(users)
          .set({ ...values, updatedAt: new Date() })
          .where(eq(users.id, userId))
          .returning();
        return view(row!);
      } catch (err) {
        return uniqueConflict(err);
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
      const [row] = await db.select().from(users).where(eq(users.calendarToken, token)).limit(1);
      return row ?? null;
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
