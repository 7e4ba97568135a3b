import { Elysia, t } from "elysia";
import type { AppServices } from "../../services.ts";
import { requestContext } from "../context.ts";
import { closed, Code, Id } from "../schemas.ts";

const Nullable = <T extends Parameters<typeof t.Nullable>[0]>(s: T) => t.Nullable(s);
const Ms = t.Number({ description: "Milliseconds from the meeting's start" });

const ActionItem = t.Object(
  {
    id: t.String({ description: "<meeting code>.<Yjs client>.<clock> of the line's first character: stable while the notes change around it" }),
    text: t.String(),
    done: t.Boolean(),
    assignee: Nullable(t.String({ description: "The first @name in the line" })),
    meetingCode: t.String(),
    meetingTitle: t.String(),
    meetingAt: t.String({ format: "date-time" }),
    atMs: Nullable(Ms),
  },
  { description: "A `- [ ] …` line of a meeting's notes" },
);

const Timeline = t.Object({
  meetingCode: t.String(),
  title: t.String(),
  teamId: Nullable(t.String()),
  startedAt: Nullable(t.String({ format: "date-time", description: "The meeting's start (when marked started, else its first join); every …Ms counts from it" })),
  endedAt: Nullable(t.String({ format: "date-time" })),
  participants: t.Array(t.Object({ id: t.String(), name: t.String(), userId: Nullable(t.String()), joinedAt: t.String({ format: "date-time" }), leftAt: Nullable(t.String({ format: "date-time" })) })),
  segments: t.Array(t.Object({ participantId: t.String(), startMs: Ms, endMs: Ms })),
  talk: t.Array(t.Object({ participantId: t.String(), ms: t.Number(), share: t.Number({ minimum: 0, maximum: 1 }), turns: t.Integer() })),
  recordings: t.Array(t.Object({ id: t.String(), title: t.String(), status: t.String(), offsetMs: Ms, durationMs: Nullable(t.Number()) })),
  lines: t.Array(t.Object({ text: t.String(), atMs: Nullable(Ms) })),
  actionItems: t.Array(ActionItem),
});

/** The meeting's memory afterwards: timeline, Markdown export, the team's action items. */
export function memoryRoutes(s: AppServices) {
  return new Elysia()
    .use(requestContext(s))
    .get("/api/meetings/:code/timeline", async ({ params, requireUser }) => ({ timeline: await s.memory.timeline(params.code, (await requireUser()).id) }), {
      params: t.Object({ code: Code }),
      response: { 200: t.Object({ timeline: Timeline }) },
      detail: {
        summary: "Who took part and spoke when, talk time, notes lines on the meeting's clock, recordings' offsets, action items",
        description: "For those who may read the meeting's notes (signed-in participants, a team meeting's members); 404 for anyone else.",
      },
    })
    .get(
      "/api/meetings/:code/export.md",
      async ({ params, requireUser }) => {
        const { filename, body } = await s.memory.exportMarkdown(params.code, (await requireUser()).id);
        return new Response(body, { headers: { "content-type": "text/markdown; charset=utf-8", "content-disposition": `attachment; filename="${filename}"` } });
      },
      { params: t.Object({ code: Code }), detail: { summary: "The meeting as one Markdown file: attendees, talk time, notes with their times, action items, recording links" } },
    )
    .get(
      "/api/teams/:id/action-items",
      async ({ params, query, requireUser }) => ({
        actionItems: await s.memory.teamItems(params.id, (await requireUser()).id, query.done === undefined ? {} : { done: query.done === "true" }),
      }),
      {
        params: t.Object({ id: Id }),
        query: closed({ done: t.Optional(t.Union([t.Literal("true"), t.Literal("false")], { error: "true or false" })) }),
        response: { 200: t.Object({ actionItems: t.Array(ActionItem) }) },
        detail: {
          summary: "Action items of the team's meetings (members only); ?done=false for the open ones",
          description: "An item carried into a later meeting's agenda counts once: done when ticked in any meeting holding it, else as it stands in the latest.",
        },
      },
    )
    .patch(
      "/api/action-items/:id",
      async ({ params, body, requireUser }) => ({ actionItem: await s.memory.setDone(params.id, await requireUser(), body.done) }),
      {
        params: t.Object({ id: t.String({ maxLength: 120 }) }),
        body: closed({ done: t.Boolean() }),
        response: { 200: t.Object({ actionItem: ActionItem }) },
        detail: {
          summary: "Tick or untick an action item",
          description: "The tick lands in the meeting's notes document through its room, like typing: editors of a live meeting see it at once.",
        },
      },
    );
}
