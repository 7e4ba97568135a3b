import { Elysia } from "elysia";
import { readCookie, SESSION_COOKIE, type SessionStore, type SessionUser } from "../auth/index.ts";
import { unauthenticated } from "../errors.ts";

export interface ContextDeps {
  sessions: SessionStore;
  trustProxy: boolean;
}

/**
 * Per-request helpers every route plugin `.use()`s: the signed-in user (looked up at most once,
 * and only when asked for) and the client's address.
 */
export function requestContext({ sessions, trustProxy }: ContextDeps) {
  return new Elysia().derive({ as: "scoped" }, ({ request, server }) => {
    const token = readCookie(request.headers.get("cookie"), SESSION_COOKIE);
    let user: Promise<SessionUser | null> | undefined;
    const currentUser = () => (user ??= token ? sessions.lookup(token) : Promise.resolve(null));
    return {
      sessionToken: token,
      currentUser,
      async requireUser(): Promise<SessionUser> {
        const u = await currentUser();
        if (!u) throw unauthenticated();
        return u;
      },
      clientAddress(): string {
        if (trustProxy) {
          const forwarded = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
          if (forwarded) return forwarded.slice(0, 64);
        }
        return server?.requestIP(request)?.address ?? "local";
      },
    };
  });
}
