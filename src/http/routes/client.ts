/**
 * The browser app. Bun's HTML import bundles client/index.html (TSX, CSS) — at start in production,
 * on request with hot reload in development — and a compiled binary carries the bundle inside it.
 *
 * The bundle is served through Bun's native `routes`, one per page path: Elysia serves an
 * HTMLBundle route handler only as a static route, and it skips static routes altogether when the
 * app has global request hooks (ours logs and counts every request). No wildcard: a Bun `/*` route
 * would shadow Elysia's dynamic /api and /ws routes. These routes do not pass through Elysia's
 * hooks, so they are not logged or counted, and `app.handle()` (tests) does not see them.
 */
import type { Elysia } from "elysia";
import index from "../../../client/index.html";
import markdown from "../../../client/lazy/markdown.html";
import notesEditor from "../../../client/lazy/notes-editor.html";

/** Every path the client app renders; keep in step with client/main.tsx. */
export const CLIENT_PAGES = ["/", "/m/:code", "/login", "/signup", "/calendar", "/teams", "/teams/:id", "/resources", "/profile"] as const;

/**
 * Parts of the client loaded on demand (client/lib/lazy.ts), each bundled on its own so that the
 * pages' bundle stays small.
 */
export const LAZY_PARTS = { "/_lazy/markdown": markdown, "/_lazy/notes-editor": notesEditor } as const;

/** Adds the client app's pages to the server's native routes (used with `app.use(clientRoutes())`). */
export function clientRoutes() {
  return <App extends Elysia<any, any, any, any, any, any, any>>(app: App): App => {
    const serve = (app.config.serve ?? {}) as { routes?: Record<string, unknown> };
    const routes: Record<string, unknown> = { ...serve.routes };
    for (const path of CLIENT_PAGES) routes[path] = index;
    Object.assign(routes, LAZY_PARTS);
    app.config.serve = { ...serve, routes } as typeof app.config.serve;
    return app;
  };
}

/**
 * A browser that opens an address with no page gets the app, which shows its "Page not found",
 * with status 404 — not the API's JSON error. The app's HTML is fetched from this server's own
 * `/` route over loopback (Bun serves the bundle there; Elysia's handlers cannot reach it), each
 * time, so that a development server's rebuilt bundle is never served stale. API, socket and
 * asset paths, and anything not asking for HTML, keep the JSON error (null).
 */
export async function clientNotFoundPage(request: Request, server: { hostname?: string; port?: number } | null): Promise<Response | null> {
  if (request.method !== "GET" || !server?.port) return null;
  if (!(request.headers.get("accept") ?? "").includes("text/html")) return null;
  const path = new URL(request.url).pathname;
  if (/^\/(api|ws|_lazy)(\/|$)|\.[a-z0-9]+$/i.test(path)) return null;
  const host = !server.hostname || server.hostname === "0.0.0.0" || server.hostname === "::" ? "127.0.0.1" : server.hostname.includes(":") ? `[${server.hostname}]` : server.hostname;
  try {
    const shell = await fetch(`http://${host}:${server.port}/`, { headers: { accept: "text/html" } });
    if (!shell.ok) return null;
    return new Response(await shell.text(), { status: 404, headers: { "content-type": "text/html;charset=utf-8" } });
  } catch {
    return null;
  }
}
