import { Elysia, t } from "elysia";
import type { AppServices } from "../../services.ts";
import { requestContext } from "../context.ts";
import { closed, Code, Id, TeamName } from "../schemas.ts";

export function teamRoutes(s: AppServices) {
  return new Elysia()
    .use(requestContext(s))
    .get("/api/teams", async ({ requireUser }) => ({ teams: await s.teams.listMine((await requireUser()).id) }), {
      detail: { summary: "My teams" },
    })
    .post(
      "/api/teams",
      async ({ body, set, requireUser }) => {
        const team = await s.teams.create((await requireUser()).id, body.name);
        set.status = 201;
        return { team };
      },
      { body: closed({ name: TeamName }), detail: { summary: "Create a team (you become its first member)" } },
    )
    .post(
      "/api/teams/join",
      async ({ body, requireUser }) => ({ team: await s.teams.join((await requireUser()).id, body.code) }),
      { body: closed({ code: Code }), detail: { summary: "Join a team by its code" } },
    )
    .get(
      "/api/teams/:id",
      async ({ params, requireUser }) => {
        const team = await s.teams.get(params.id, (await requireUser()).id);
        return { team: { ...team, upcomingMeetings: await s.meetings.upcomingForTeam(team.id) } };
      },
      { params: t.Object({ id: Id }), detail: { summary: "A team with its members and upcoming meetings (members only)" } },
    )
    .post(
      "/api/teams/:id/leave",
      async ({ params, set, requireUser }) => {
        await s.teams.leave((await requireUser()).id, params.id);
        set.status = 204;
      },
      { params: t.Object({ id: Id }), detail: { summary: "Leave a team; the last member out deletes it" } },
    );
}
