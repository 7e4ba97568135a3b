import { Elysia, t } from "elysia";
import type { AppServices } from "../../services.ts";
import { requestContext } from "../context.ts";
import { closed, Id, Title } from "../schemas.ts";

const ById = { params: t.Object({ id: Id }) };
const Filter = { query: closed({ teamId: t.Optional(Id) }) };

/** Notes and recordings of meetings the user took part in or whose team they belong to. */
export function resourceRoutes(s: AppServices) {
  return new Elysia()
    .use(requestContext(s))
    .get("/api/notes", async ({ query, requireUser }) => ({ notes: await s.notes.list((await requireUser()).id, query) }), {
      ...Filter,
      detail: { summary: "Notes of my meetings" },
    })
    .get("/api/notes/:id", async ({ params, requireUser }) => ({ note: await s.notes.get(params.id, (await requireUser()).id) }), {
      ...ById,
      detail: { summary: "Notes with their text" },
    })
    .patch(
      "/api/notes/:id",
      async ({ params, body, requireUser }) => ({ note: await s.notes.rename(params.id, (await requireUser()).id, body.title) }),
      { ...ById, body: closed({ title: Title }), detail: { summary: "Rename notes" } },
    )
    .delete(
      "/api/notes/:id",
      async ({ params, set, requireUser }) => {
        await s.notes.remove(params.id, (await requireUser()).id);
        set.status = 204;
      },
      { ...ById, detail: { summary: "Delete notes" } },
    )
    .get(
      "/api/notes/:id/export.md",
      async ({ params, requireUser }) => {
        const { filename, body } = await s.notes.exportMarkdown(params.id, (await requireUser()).id);
        return new Response(body, {
          headers: {
            "content-type": "text/markdown; charset=utf-8",
            "content-disposition": `attachment; filename="${filename}"`,
          },
        });
      },
      { ...ById, detail: { summary: "Notes as a Markdown file" } },
    )
    .get(
      "/api/recordings",
      async ({ query, requireUser }) => ({ recordings: await s.recordings.list((await requireUser()).id, query) }),
      { ...Filter, detail: { summary: "Recordings of my meetings" } },
    )
    .get(
      "/api/recordings/:id",
      async ({ params, requireUser }) => ({ recording: await s.recordings.get(params.id, (await requireUser()).id) }),
      { ...ById, detail: { summary: "A recording with its status and progress" } },
    )
    .patch(
      "/api/recordings/:id",
      async ({ params, body, requireUser }) => ({
        recording: await s.recordings.rename(params.id, (await requireUser()).id, body.title),
      }),
      { ...ById, body: closed({ title: Title }), detail: { summary: "Rename a recording" } },
    )
    .delete(
      "/api/recordings/:id",
      async ({ params, set, requireUser }) => {
        await s.recordings.remove(params.id, (await requireUser()).id);
        set.status = 204;
      },
      { ...ById, detail: { summary: "Delete a recording and its file" } },
    );
}
