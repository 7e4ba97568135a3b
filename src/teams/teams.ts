import { and, asc, count, eq, sql } from "drizzle-orm";
import { generateCode, normalizeCode } from "../codes.ts";
import { isUniqueViolation, schema, type Db } from "../db/index.ts";
import { conflict, notFound } from "../errors.ts";
import { isUuid } from "../ids.ts";
import { requireName } from "../names.ts";

const { teams, teamMembers, users } = schema;

export interface TeamView {
  id: string;
  name: string;
  code: string;
  createdAt: string;
  memberCount: number;
}

export interface TeamMemberView {
  id: string;
  username: string;
  /** What teammates see (the username for accounts from before display names). */
  displayName: string;
  joinedAt: string;
}

type TeamRow = typeof teams.$inferSelect;
const view = (t: TeamRow, memberCount: number): TeamView => ({
  id: t.id,
  name: t.name,
  code: t.code,
  createdAt: t.createdAt.toISOString(),
  memberCount,
});

export function createTeams({ db }: { db: Db }) {
  const memberCount = async (teamId: string) =>
    (await db.select({ n: count() }).from(teamMembers).where(eq(teamMembers.teamId, teamId)))[0]?.n ?? 0;

  /** The team if `userId` is a member; NOT_FOUND otherwise, so outsiders learn nothing. */
  async function requireMembership(teamId: string, userId: string): Promise<TeamRow> {
    if (!isUuid(teamId)) throw notFound("Team");
    const [row] = await db
      .select({ team: teams })
      .from(teams)
      .innerJoin(teamMembers, and(eq(teamMembers.teamId, teams.id), eq(teamMembers.userId, userId)))
      .where(eq(teams.id, teamId))
      .limit(1);
    if (!row) throw notFound("Team");
    return row.team;
  }

  return {
    requireMembership,

    async isMember(teamId: string, userId: string): Promise<boolean> {
      const [row] = await db
        .select({ one: sql`1` })
        .from(teamMembers)
        .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId)))
        .limit(1);
      return row !== undefined;
    },

    async create(userId: string, nameInput: string): Promise<TeamView> {
      const name = requireName("name", nameInput, { maxLength: 80 });
      for (let attempt = 0; ; attempt++) {
        try {
          return await db.transaction(async (tx) => {
            const [team] = await tx.insert(teams).values({ name, code: generateCode(), createdBy: userId }).returning();
            await tx.insert(teamMembers).values({ teamId: team!.id, userId });
            return view(team!, 1);
          });
        } catch (err) {
          // A code collision is astronomically rare; try a fresh code a few times.
          if (attempt < 3 && isUniqueViolation(err, "teams_code_key")) continue;
          throw err;
        }
      }
    },

    async listMine(userId: string): Promise<TeamView[]> {
      const mine = db.select({ teamId: teamMembers.teamId }).from(teamMembers).where(eq(teamMembers.userId, userId));
      const rows = await db
        .select({ team: teams, members: count(teamMembers.userId) })
        .from(teams)
        .innerJoin(teamMembers, eq(teamMembers.teamId, teams.id))
        .where(sql`${teams.id} in ${mine}`)
        .groupBy(teams.id)
        .orderBy(asc(teams.name), asc(teams.createdAt));
      return rows.map((r) => view(r.team, r.members));
    },

    async get(teamId: string, userId: string): Promise<TeamView & { members: TeamMemberView[] }> {
      const team = await requireMembership(teamId, userId);
      const members = await db
        .select({ id: users.id, username: users.username, displayName: users.displayName, joinedAt: teamMembers.joinedAt })
        .from(teamMembers)
        .innerJoin(users, eq(users.id, teamMembers.userId))
        .where(eq(teamMembers.teamId, team.id))
        .orderBy(asc(teamMembers.joinedAt));
      return {
        ...view(team, members.length),
        members: members.map((m) => ({ id: m.id, username: m.username, displayName: m.displayName ?? m.username, joinedAt: m.joinedAt.toISOString() })),
      };
    },

    async join(userId: string, codeInput: string): Promise<TeamView> {
      const code = normalizeCode(codeInput);
      if (!code) throw notFound("Team");
      const [team] = await db.select().from(teams).where(eq(teams.code, code)).limit(1);
      if (!team) throw notFound("Team");
      const inserted = await db.insert(teamMembers).values({ teamId: team.id, userId }).onConflictDoNothing().returning();
      if (inserted.length === 0) throw conflict("You are already a member of this team");
      return view(team, await memberCount(team.id));
    },

    /** Leaves the team; the last member out deletes it. */
    async leave(userId: string, teamId: string): Promise<void> {
      await requireMembership(teamId, userId);
      await db.transaction(async (tx) => {
        await tx.delete(teamMembers).where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId)));
        await tx
          .delete(teams)
          .where(and(eq(teams.id, teamId), sql`not exists (select 1 from ${teamMembers} where ${teamMembers.teamId} = ${teams.id})`));
      });
    },
  };
}

export type Teams = ReturnType<typeof createTeams>;
