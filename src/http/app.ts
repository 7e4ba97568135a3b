import { openapi } from "@elysiajs/openapi";
import { Elysia } from "elysia";
import type { Logger } from "pino";
import { AppError } from "../errors.ts";
import type { AppServices } from "../services.ts";
import { bodyTooLarge, parseJsonBody } from "./body.ts";
import { errorResponse, toAppError, unavailable } from "./errors.ts";
import { bearerMatches } from "./metrics.ts";
import { authRoutes } from "./routes/auth.ts";
import { clientFallback, clientRoutes, createClientBundle } from "./routes/client.ts";
import { meetingRoutes } from "./routes/meetings.ts";
import { memoryRoutes } from "./routes/memory.ts";
import { resourceRoutes } from "./routes/resources.ts";
import { roomSocketRoutes } from "./routes/rooms.ts";
import { teamRoutes } from "./routes/teams.ts";
import { docsPageHeaders, securityHeaders } from "./security-headers.ts";

export interface AppDeps {
  services: AppServices;
  logger: Logger;
  /** Largest JSON body accepted under /api. */
  maxBodyBytes?: number;
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const DEFAULT_MAX_BODY = 64 * 1024;

interface RequestMeta {
  id: string;
  start: number;
}

/** The whole HTTP surface. Tests drive it with `app.handle(new Request(…))`. */
export function createApp({ services: s, logger, maxBodyBytes = DEFAULT_MAX_BODY }: AppDeps) {
  const metrics = s.metrics;
  const meta = new WeakMap<Request, RequestMeta>();
  const allowedOrigins = new Set([s.config.publicUrl]);
  const headers = securityHeaders(s.config);
  const docsHeaders = docsPageHeaders(headers);
  const bundle = createClientBundle();

  return (
    new Elysia({
      normalize: false,
      // Notes updates may be up to 1 MB (the rooms refuse bigger ones with 4413); Bun drops
      // anything past this with 1009. Idle sockets are pinged and closed after 15 s of silence, so a person
      // whose network went away shows as reconnecting to the others within seconds, not a minute.
      websocket: { maxPayloadLength: 2 * 1024 * 1024, idleTimeout: 15, sendPings: true },
    })
      .use(
        openapi({
          path: "/api/docs",
          // The ICS feed and the Markdown export end in a file extension; document them too.
          exclude: { staticFile: false, paths: ["/", "/api/docs", "/api/docs/json"] },
          documentation: {
            info: { title: "Dictate API", version: "0.1.0", description: "Accounts, teams, meetings, calendar, notes and recordings." },
          },
        }),
      )
      .onRequest(({ request, set }) => {
        const id = request.headers.get("x-request-id")?.slice(0, 64) || crypto.randomUUID();
        meta.set(request, { id, start: performance.now() });
        Object.assign(set.headers, new URL(request.url).pathname === "/api/docs" ? docsHeaders : headers);
        set.headers["x-request-id"] = id;
        // A declared length over the limit is refused before anything is read, on any path.
        if (Number(request.headers.get("content-length") ?? 0) > maxBodyBytes) return errorResponse(bodyTooLarge(maxBodyBytes), id, logger);
        if (UNSAFE.has(request.method)) {
          // CSRF: a browser always names the page's origin on unsafe requests; refuse foreign ones.
          const origin = request.headers.get("origin");
          const site = request.headers.get("sec-fetch-site");
          if ((origin && origin !== new URL(request.url).origin && !allowedOrigins.has(origin)) || site === "cross-site") {
            return errorResponse(new AppError("FORBIDDEN", "Cross-site requests are not allowed"), id, logger);
          }
        }
      })
      // The one body parser for every route: size counted as it streams in (chunked bodies too),
      // JSON only, bounded nesting, no NUL (body.ts). What it throws arrives as PARSE with the
      // AppError as its cause.
      .onParse({ as: "global" }, ({ request }) => parseJsonBody(request, maxBodyBytes))
      // Never reached (the parser above always answers); it tells the OpenAPI document that the
      // bodies are JSON, which it cannot learn from a parser function.
      // (Elysia's own "json" by name; its types accept a name only for a local hook.)
      .onParse({ as: "global" }, { fn: "json" } as never)
      .onError(async ({ code, error, request }) => {
        if (code === "NOT_FOUND") {
          const page = await clientFallback(request, bundle);
          if (page) return page;
        }
        return errorResponse(toAppError(code, error), meta.get(request)?.id, logger);
      })
      .onAfterResponse(({ request, route, set }) => {
        const m = meta.get(request);
        if (!m) return;
        const status = typeof set.status === "number" ? set.status : 200;
        const ms = performance.now() - m.start;
        metrics.observeRequest(request.method, route || "unmatched", status, ms / 1000);
        logger.info({ requestId: m.id, method: request.method, path: new URL(request.url).pathname, status, ms: Math.round(ms * 10) / 10 }, "request");
      })
      .get("/healthz", async () => {
        // A database that does not answer within a few seconds is as down as one that refuses.
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("database ping timed out")), 3_000);
        });
        try {
          await Promise.race([s.database.ping(), timeout]);
        } catch (err) {
          throw unavailable(err, "The database is unreachable");
        } finally {
          clearTimeout(timer);
        }
        return { ok: true };
      })
      .get("/metrics", async ({ request }) => {
        // Unset token: there is no /metrics. Set: only a scraper that presents it (401 otherwise).
        const token = s.config.metricsToken;
        if (!token) throw new AppError("NOT_FOUND", "No such endpoint");
        if (!bearerMatches(request.headers.get("authorization"), token)) {
          throw new AppError("UNAUTHENTICATED", "Send the metrics token as Authorization: Bearer", { headers: { "www-authenticate": 'Bearer realm="metrics"' } });
        }
        const { body, contentType } = await metrics.scrape();
        return new Response(body, { headers: { "content-type": contentType } });
      })
      .use(authRoutes(s))
      .use(teamRoutes(s))
      .use(meetingRoutes(s))
      .use(memoryRoutes(s))
      .use(resourceRoutes(s))
      .use(roomSocketRoutes(s, logger))
      .use(clientRoutes(bundle))
  );
}

export type App = ReturnType<typeof createApp>;
