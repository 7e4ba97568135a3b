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
