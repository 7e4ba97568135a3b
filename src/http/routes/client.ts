/**
 * The browser app. Bun's HTML import bundles client/index.html (TSX, CSS) — at start in production,
 * on request in development — and a compiled binary carries the bundle inside it.
 *
 * Bun serves an HTMLBundle only from its native `routes`, which bypass Elysia's hooks and cannot
 * add a header (oven-sh/bun#19123): the pages would go out without the security headers. So the
 * bundle is served by a private Bun server on 127.0.0.1 (port 0, started on the first page request,
 * unref'd), and the public routes below fetch from it and answer through Elysia, headers and all.
 * In production the bundle is fixed, so each answer is kept after its first fetch; in development it
 * is fetched each time, so a rebuilt bundle is never served stale (without HMR: it cannot pass the
 * proxy).
 */
import { Elysia } from "elysia";
import index from "../../../client/index.html";
import markdown from "../../../client/lazy/markdown.html";
import notesEditor from "../../../client/lazy/notes-editor.html";
import meetingMemory from "../../../client/lazy/meeting-memory.html";
import blur from "../../../client/lazy/blur.html";
import noise from "../../../client/lazy/noise.html";
import noiseWorklet from "../../../client/lazy/noise-worklet.html";

/** Every path the client app renders; keep in step with client/main.tsx. */
export const CLIENT_PAGES = ["/", "/m/:code", "/m/:code/memory", "/login", "/signup", "/calendar", "/teams", "/teams/:id", "/resources", "/profile"] as const;

/**
 * Parts of the client loaded on demand (client/lib/lazy.ts), each bundled on its own so that the
 * pages' bundle stays small.
 */
export const LAZY_PARTS = {
  "/_lazy/markdown": markdown,
  "/_lazy/notes-editor": notesEditor,
  "/_lazy/meeting-memory": meetingMemory,
  // Background blur (MediaPipe) and noise suppression (RNNoise, with its AudioWorklet's script).
  "/_lazy/blur": blur,
  "/_lazy/noise": noise,
  "/_lazy/noise-worklet": noiseWorklet,
} as const;

interface Stored {
  status: number;
  headers: [string, string][];
  body: ArrayBuffer;
}

/** The private server of the bundle, and what it answered (production only). */
export function createClientBundle() {
  let server: ReturnType<typeof Bun.serve> | null = null;
  const stored = new Map<string, Promise<Stored>>();
  const routes = { "/": index, ...LAZY_PARTS };
  const start = () => {
    const serve = (development?: { hmr: false }) =>
      Bun.serve({ hostname: "127.0.0.1", port: 0, reusePort: false, routes, development, fetch: () => new Response(null, { status: 404 }) });
    let s = serve();
    if (s.development) {
      s.stop(true);
      s = serve({ hmr: false });
    }
    s.unref();
    return s;
  };
  const load = async (path: string): Promise<Stored> => {
    server ??= start();
    const res = await fetch(`http://127.0.0.1:${server.port}${path}`);
    const headers = [...res.headers].filter(([name]) => !/^(date|content-length|connection|keep-alive|transfer-encoding)$/i.test(name));
    return { status: res.status, headers, body: await res.arrayBuffer() };
  };
  return {
    /** The bundle's answer for `path` (a page is "/", a lazy part or an asset its own path). */
    async get(path: string, status?: number): Promise<Response> {
      let answer = stored.get(path);
      if (!answer) {
        answer = load(path);
        if (!server?.development) {
          stored.set(path, answer);
          // Only what exists is kept: a probe of made-up asset paths must not grow the map.
          answer.then((a) => a.status !== 200 && stored.delete(path), () => stored.delete(path));
        }
      }
      const a = await answer;
      return new Response(a.body, { status: status ?? a.status, headers: a.headers });
    },
    stop() {
      server?.stop(true);
      server = null;
    },
  };
}
export type ClientBundle = ReturnType<typeof createClientBundle>;

/** The app's pages and lazy parts as Elysia routes (so every hook, and every header, applies). */
export function clientRoutes(bundle: ClientBundle) {
  const app = new Elysia();
  for (const path of CLIENT_PAGES) app.get(path, () => bundle.get("/"), { detail: { hide: true } });
  for (const path of Object.keys(LAZY_PARTS)) app.get(path, () => bundle.get(path), { detail: { hide: true } });
  return app;
}

/**
 * What an unmatched GET gets: one of the bundle's assets (`/chunk-….js`) when it has one; else, for
 * a browser asking for a page, the app (which shows "Page not found") with status 404 — not the
 * API's JSON error. API, socket and lazy paths, and anything not asking for HTML, keep the JSON
 * error (null).
 */
export async function clientFallback(request: Request, bundle: ClientBundle): Promise<Response | null> {
  if (request.method !== "GET" && request.method !== "HEAD") return null;
  const path = new URL(request.url).pathname;
  if (/^\/(api|ws|_lazy)(\/|$)/.test(path)) return null;
  // .tflite, .binarypb and .data: background blur's model, graph and the data file its WebAssembly asks for.
  if (/^\/[\w.-]+\.(js|css|map|svg|png|woff2?|ico|wasm|tflite|binarypb|data)$/i.test(path)) {
    const asset = await bundle.get(path);
    if (asset.ok) return asset;
  }
  if (!(request.headers.get("accept") ?? "").includes("text/html") || /\.[a-z0-9]+$/i.test(path)) return null;
  const page = await bundle.get("/", 404);
  return page.headers.get("content-type")?.includes("text/html") ? page : null;
}
