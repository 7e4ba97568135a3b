import { Elysia, t } from "elysia";
import { clearedSessionCookie, sessionCookie } from "../../auth/index.ts";
import type { AppServices } from "../../services.ts";
import { requestContext } from "../context.ts";
import { AnyPassword, closed, DisplayName, Email, LoginEmail, Password, Username } from "../schemas.ts";

/** Sign up, log in, log out, and the account of the signed-in user. */
export function authRoutes(s: AppServices) {
  const secure = s.config.publicUrl.startsWith("https:");
  const startSession = async (userId: string, set: { headers: Record<string, unknown> }) => {
    const { token } = await s.sessions.create(userId);
    set.headers["set-cookie"] = sessionCookie(token, s.config.sessionTtlMs, secure);
  };

  return new Elysia()
    .use(requestContext(s))
    .post(
      "/api/auth/signup",
      async ({ body, set, clientAddress }) => {
        await s.caps.take("signup", clientAddress());
        const user = await s.accounts.signup(body);
        await startSession(user.id, set);
        set.status = 201;
        return { user };
      },
      {
        body: closed({ email: Email, username: Username, displayName: t.Optional(DisplayName), password: Password }),
        detail: { summary: "Create an account and sign in (displayName, spaces allowed, defaults to the username)" },
      },
    )
    .post(
      "/api/auth/login",
      async ({ body, set, clientAddress }) => {
        const user = await s.accounts.login(body.email, body.password, clientAddress());
        await startSession(user.id, set);
        return { user };
      },
      { body: closed({ email: LoginEmail, password: AnyPassword }), detail: { summary: "Sign in" } },
    )
    .post(
      "/api/auth/logout",
      async ({ set, sessionToken, requireUser }) => {
        await requireUser();
        if (sessionToken) await s.sessions.destroy(sessionToken);
        set.headers["set-cookie"] = clearedSessionCookie(secure);
        set.status = 204;
      },
      { detail: { summary: "Sign out" } },
    )
    .get("/api/me", async ({ requireUser }) => ({ user: await s.accounts.me(await requireUser()) }), {
      detail: { summary: "Who am I (with calendarUrl, the ICS feed's secret link)" },
    })
    .patch(
      "/api/me",
      async ({ body, requireUser, sessionToken, clientAddress }) => ({
        user: await s.accounts.update((await requireUser()).id, body, { sessionToken, address: clientAddress() }),
      }),
      {
        body: closed({
          username: t.Optional(Username),
          displayName: t.Optional(DisplayName),
          email: t.Optional(Email),
          password: t.Optional(Password),
          currentPassword: t.Optional(AnyPassword),
        }),
        detail: {
          summary: "Edit my profile",
          description:
            "Email and password changes need currentPassword; wrong guesses count toward the login limit (429 with Retry-After past it). " +
            "A new password signs out every other session and gives the calendar feed a new link.",
        },
      },
    )
    .post("/api/me/calendar-token", async ({ requireUser }) => ({ user: await s.accounts.rotateCalendarToken((await requireUser()).id) }), {
      detail: {
        summary: "New calendar feed link",
        description: "Replaces the ICS token: {user} with the new calendarUrl; the old link stops working at once.",
      },
    })
    .delete(
      "/api/me",
      async ({ set, requireUser }) => {
        await s.accounts.remove((await requireUser()).id);
        set.headers["set-cookie"] = clearedSessionCookie(secure);
        set.status = 204;
      },
      { detail: { summary: "Delete my account" } },
    );
}
