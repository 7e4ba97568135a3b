import { Elysia, t } from "elysia";
import type { AppServices } from "../../services.ts";
import { requestContext } from "../context.ts";
import type { ByteRange } from "../../recordings/index.ts";
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
    .get(
      "/api/recordings/:id/media",
      async ({ params, request, requireUser }) => {
        const user = await requireUser();
        const media = await s.recordings.media(params.id, user.id, parseRange(request.headers.get("range")));
        if (media.redirect !== undefined) return new Response(null, { status: 302, headers: { location: media.redirect, "cache-control": "no-store" } });
        const headers: Record<string, string> = { "content-type": media.mime, "accept-ranges": "bytes", "cache-control": "private, max-age=300" };
        if (!media.range) return new Response(media.body, { headers });
        headers["content-range"] = `bytes ${media.range.start}-${media.range.end}/${media.size}`;
        return new Response(media.body, { status: 206, headers });
      },
      { ...ById, detail: { summary: "The recording's file (Range requests), or a redirect to a short-lived presigned URL" } },
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

/**
 * One byte range from a Range header (`bytes=a-b`, `bytes=a-`, `bytes=-n`); null when absent or in a
 * form we do not serve (several ranges), in which case the whole file is sent, as RFC 9110 allows.
 */
export function parseRange(header: string | null): ByteRange | null {
  const m = header ? /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim()) : null;
  if (!m || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") return { suffix: Number(m[2]) };
  return { start: Number(m[1]), end: m[2] === "" ? null : Number(m[2]) };
}
