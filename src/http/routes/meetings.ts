import { Elysia, t } from "elysia";
import { renderCalendar } from "../../meetings/index.ts";
import type { AppServices } from "../../services.ts";
import { AppError } from "../../errors.ts";
import { requestContext } from "../context.ts";
import { Agenda, closed, Code, DateTime, Id, TimeZone, Title } from "../schemas.ts";

const MeetingFields = {
  title: t.Optional(Title),
  agenda: t.Optional(Agenda),
  startsAt: t.Optional(t.Nullable(DateTime)),
  endsAt: t.Optional(t.Nullable(DateTime)),
  lobby: t.Optional(t.Boolean({ description: "Guests wait until a host lets them in (default: on for scheduled team meetings, off otherwise)" })),
  selfUnmute: t.Optional(t.Boolean({ description: "People a host muted may unmute themselves (default on)" })),
};

export function meetingRoutes(s: AppServices) {
  return new Elysia()
    .use(requestContext(s))
    .post(
      "/api/meetings",
      async ({ body, set, currentUser, clientAddress }) => {
        await s.caps.take("meeting", clientAddress());
        const meeting = await s.meetings.create(await currentUser(), body);
        set.status = 201;
        return { meeting };
      },
      {
        body: closed({ teamId: t.Optional(t.Nullable(Id)), ...MeetingFields, timeZone: t.Optional(TimeZone) }),
        detail: {
          summary: "Start or schedule a meeting (public when signed out or without teamId)",
          description:
            "An untitled instant meeting started signed in is named \"<display name>'s meeting, 2 Dec 18:14\" at the time in `timeZone` " +
            "(the browser's IANA zone; 422 on fields.timeZone when the server knows no such zone; without it the time is UTC and says so).",
        },
      },
    )
    .get(
      "/api/meetings",
      async ({ query, requireUser }) => ({ meetings: await s.meetings.list(await requireUser(), query) }),
      {
        query: closed({ from: t.Optional(DateTime), to: t.Optional(DateTime), teamId: t.Optional(Id) }),
        detail: { summary: "My meetings and my teams' meetings overlapping [from, to) (default: this month)" },
      },
    )
    .get("/api/meetings/:code", async ({ params, currentUser }) => ({ meeting: await s.meetings.get(params.code, await currentUser()) }), {
      params: t.Object({ code: Code }),
      detail: { summary: "A meeting by code (public: anyone; team: members)" },
    })
    .patch(
      "/api/meetings/:code",
      async ({ params, body, currentUser }) => ({ meeting: await s.meetings.update(params.code, await currentUser(), body) }),
      {
        params: t.Object({ code: Code }),
        body: closed({ teamId: t.Optional(t.Nullable(Id)), ...MeetingFields }),
        detail: {
          summary: "Reschedule or retitle (the team is fixed)",
          description: "Creator, or for a team meeting its members. An instant meeting that has ended can be renamed but not rescheduled (409).",
        },
      },
    )
    .get(
      "/api/meetings/:code/invite.ics",
      async ({ params, currentUser }) => {
        const { filename, body } = await s.meetings.invitation(params.code, await currentUser());
        return new Response(body, {
          headers: {
            "content-type": "text/calendar; charset=utf-8",
            "content-disposition": `attachment; filename="${filename}"`,
            "cache-control": "private, no-cache",
          },
        });
      },
      { params: t.Object({ code: Code }), detail: { summary: "The meeting as an iCalendar invitation to import (who may GET the meeting)" } },
    )
    .delete(
      "/api/meetings/:code",
      async ({ params, set, currentUser }) => {
        await s.meetings.remove(params.code, await currentUser());
        set.status = 204;
      },
      { params: t.Object({ code: Code }), detail: { summary: "Cancel a meeting" } },
    )
    .get(
      "/api/calendar.ics",
      async ({ query }) => {
        const user = await s.accounts.byCalendarToken(query.token);
        if (!user) throw new AppError("NOT_FOUND", "Unknown calendar token");
        const body = renderCalendar(await s.meetings.forFeed(user.id), {
          publicUrl: s.config.publicUrl,
          name: `Dictate — ${user.username}`,
        });
        return new Response(body, {
          headers: { "content-type": "text/calendar; charset=utf-8", "cache-control": "private, max-age=300" },
        });
      },
      { query: closed({ token: t.String({ maxLength: 128 }) }), detail: { summary: "My meetings as an iCalendar feed" } },
    );
}
