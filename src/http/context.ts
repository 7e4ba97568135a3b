import { Elysia } from "elysia";
import { readCookie, SESSION_COOKIE, type SessionStore, type SessionUser } from "../auth/index.ts";
import { unauthenticated } from "../errors.ts";

export interface ContextDeps {
  sessions: SessionStore;
  /** Proxies in front that append to X-Forwarded-For (0: the header is ignored). */
  trustProxy: number;
}

/**
 * The client's address: the peer's, or with `trustedHops` proxies in front, the right-most
 * X-Forwarded-For entry those proxies did not add (each appends the address it saw, so anything
 * further left is whatever the client wrote). Rooms' sockets take it from here too.
 */
export function clientAddressOf(request: Request, peer: string | undefined, trustedHops: number): string {
  if (trustedHops > 0) {
    const hops = (request.headers.get("x-forwarded-for") ?? "").split(",").map((h) => h.trim()).filter(Boolean);
    if (hops.length > 0) return hops[Math.max(0, hops.length - trustedHops)]!.slice(0, 64);
  }
  return peer ?? "local";
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
        return clientAddressOf(request, server?.requestIP(request)?.address, trustProxy);
      },
    };
  });
}
