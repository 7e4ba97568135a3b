/**
 * Sign up (`/signup`): email, username, password twice. A mismatch is shown at the confirmation
 * before anything is sent; the server's answers (409 taken, 422 invalid) at the field they concern.
 * Afterwards the person goes on to `?next=` (a path on this site) or their calendar.
 */
import { useSignal } from "@preact/signals";
import { editField, Field, FormError, describeError } from "../components/form.tsx";
import { Layout } from "../components/layout.tsx";
import { ApiError } from "../lib/api.ts";
import { focusFirstError, safeNext, signUp } from "../lib/account-api.ts";
import { navigate, onLinkClick } from "../lib/router.ts";
import { currentUser, setCurrentUser } from "../lib/session.ts";
import "../styles/account.css";

type Fields = "email" | "displayName" | "username" | "password" | "confirm";
const ORDER: Fields[] = ["email", "displayName", "username", "password", "confirm"];

export function SignupPage() {
  const email = useSignal("");
  const displayName = useSignal("");
  const username = useSignal("");
  const password = useSignal("");
  const confirm = useSignal("");
  const errors = useSignal<Partial<Record<Fields, string>>>({});
  const formError = useSignal<string | null>(null);
  const busy = useSignal(false);
  const user = currentUser.value;
  const next = safeNext(location.search);
  const loginHref = next === "/calendar" ? "/login" : `/login?next=${encodeURIComponent(next)}`;

  async function submit(event: Event) {
    event.preventDefault();
    formError.value = null;
    if (password.value !== confirm.value) {
      errors.value = { confirm: "The passwords do not match" };
      focusFirstError(ORDER, errors.value);
      return;
    }
    errors.value = {};
    busy.value = true;
    try {
      const name = displayName.value.trim();
      const created = await signUp({ email: email.value.trim(), username: username.value.trim(), ...(name ? { displayName: name } : {}), password: password.value });
      setCurrentUser(created);
      navigate(next);
    } catch (err) {
      const { fields, message } = describeError(err);
      // A 409 names one field; its own message ("That email is already registered") says more than "Already registered".
      if (err instanceof ApiError && err.status === 409) for (const key of Object.keys(fields)) fields[key] = err.message;
      errors.value = fields;
      formError.value = message ?? (ORDER.some((k) => fields[k]) ? null : "Check the fields and try again");
      focusFirstError(ORDER, fields);
      busy.value = false;
    }
  }

  return (
    <Layout title="Sign up">
      <div class="narrow account-page">
        <h1>Create your account</h1>
        {user ? (
          <section class="panel" aria-labelledby="signed-in-heading">
            <h2 id="signed-in-heading">You are signed in</h2>
            <p>
              You are signed in as <strong>{user.displayName}</strong> ({user.email}). Log out first to create another account.
            </p>
            <p>
              <a href={next} onClick={onLinkClick}>
                Continue to {next === "/calendar" ? "your calendar" : "where you were going"}
              </a>
            </p>
          </section>
        ) : (
          <>
            <p class="muted">An account lets you join your team's meetings, keep their notes and recordings, and plan them on a calendar.</p>
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
                name="displayName"
                label="Your name"
                autocomplete="name"
                maxLength={60}
                hint="What your teammates see, e.g. Ada Lovelace. Spaces are fine; leave it empty to use your username."
                value={displayName.value}
                error={errors.value.displayName}
                onValue={editField(errors, "displayName", displayName)}
              />
              <Field
                name="username"
                label="Username"
                autocomplete="username"
                required
                minLength={2}
                maxLength={32}
                hint="Your handle: 2 to 32 characters, no spaces."
                value={username.value}
                error={errors.value.username}
                onValue={editField(errors, "username", username)}
              />
              <Field
                name="password"
                label="Password"
                type="password"
                autocomplete="new-password"
                required
                minLength={8}
                hint="At least 8 characters."
                value={password.value}
                error={errors.value.password}
                onValue={editField(errors, "password", password)}
              />
              <Field
                name="confirm"
                label="Repeat password"
                type="password"
                autocomplete="new-password"
                required
                value={confirm.value}
                error={errors.value.confirm}
                onValue={editField(errors, "confirm", confirm)}
              />
              <button type="submit" class="primary wide" disabled={busy.value}>
                {busy.value ? "Creating your account…" : "Sign up"}
              </button>
              <p id="signup-status" role="status" class="visually-hidden">
                {busy.value ? "Creating your account" : ""}
              </p>
            </form>
            <p class="account-switch">
              Already have an account?{" "}
              <a href={loginHref} onClick={onLinkClick}>
                Log in
              </a>
            </p>
          </>
        )}
      </div>
    </Layout>
  );
}
