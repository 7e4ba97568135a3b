/**
 * Log in (`/login`): email and password. A wrong pair and the lock-out after repeated failures are
 * announced as the form's error; afterwards the person goes on to `?next=` (a path on this site) or
 * their calendar. Someone already signed in is told who they are and where to go.
 */
import { useSignal } from "@preact/signals";
import { editField, Field, FormError, describeError } from "../components/form.tsx";
import { Layout } from "../components/layout.tsx";
import { ApiError } from "../lib/api.ts";
import { focusFirstError, logIn, safeNext } from "../lib/account-api.ts";
import { navigate, onLinkClick } from "../lib/router.ts";
import { currentUser, logOut, setCurrentUser } from "../lib/session.ts";
import "../styles/account.css";

const ORDER = ["email", "password"] as const;

export function LoginPage() {
  const email = useSignal("");
  const password = useSignal("");
  const errors = useSignal<Record<string, string | undefined>>({});
  const formError = useSignal<string | null>(null);
  const busy = useSignal(false);
  const user = currentUser.value;
  const next = safeNext(location.search);
  const signupHref = next === "/calendar" ? "/signup" : `/signup?next=${encodeURIComponent(next)}`;

  async function submit(event: Event) {
    event.preventDefault();
    formError.value = null;
    const missing: Record<string, string | undefined> = {
      email: email.value.trim() ? undefined : "Enter your email",
      password: password.value ? undefined : "Enter your password",
    };
    errors.value = missing;
    if (missing.email || missing.password) {
      focusFirstError(ORDER, missing);
      return;
    }
    busy.value = true;
    try {
      const signedIn = await logIn(email.value.trim(), password.value);
      setCurrentUser(signedIn);
      navigate(next);
    } catch (err) {
      busy.value = false;
      if (err instanceof ApiError && (err.status === 401 || err.status === 429)) {
        // Which of the two was wrong is not said (the server does not say either); the password is asked again.
        formError.value = err.message;
        password.value = "";
        if (err.status === 401) focusFirstError(ORDER, { password: err.message });
        return;
      }
      const { fields, message } = describeError(err);
      errors.value = fields;
      formError.value = message;
      focusFirstError(ORDER, fields);
    }
  }

  return (
    <Layout title="Log in">
      <div class="narrow account-page">
        <h1>Log in</h1>
        {user ? (
          <section class="panel" aria-labelledby="signed-in-heading">
            <h2 id="signed-in-heading">You are signed in</h2>
            <p>
              You are signed in as <strong>{user.displayName}</strong> ({user.email}).
            </p>
            <div class="row">
              <a class="button primary" href={next} onClick={onLinkClick}>
                Continue to {next === "/calendar" ? "your calendar" : "where you were going"}
              </a>
              <button type="button" onClick={() => void logOut()}>
                Log out
              </button>
            </div>
          </section>
        ) : (
          <>
            <form class="panel account-form" onSubmit={submit} noValidate>
              <FormError message={formError.value} />
              <Field
                name="email"
                label="Email"
                type="email"
                autocomplete="email"
                required
                value={email.value}
                error={errors.value.email}
                onValue={editField(errors, "email", email)}
              />
              <Field
                name="password"
                label="Password"
                type="password"
                autocomplete="current-password"
                required
                value={password.value}
                error={errors.value.password}
                onValue={editField(errors, "password", password)}
              />
              <button type="submit" class="primary wide" disabled={busy.value}>
                {busy.value ? "Logging in…" : "Log in"}
              </button>
              <p role="status" class="visually-hidden">
                {busy.value ? "Logging in" : ""}
              </p>
            </form>
            <p class="account-switch">
              New to Dictate?{" "}
              <a href={signupHref} onClick={onLinkClick}>
                Sign up
              </a>
            </p>
          </>
        )}
      </div>
    </Layout>
  );
}
