/**
 * My profile (`/profile`): who I am, changing my name (what teammates see), username (the handle), email or password (the current
 * password is asked for an email or password change, as the API requires), my calendar feed
 * address (and a new one when the old may have leaked), and deleting the account.
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { ConfirmDialog } from "../components/confirm.tsx";
import { editField, Field, FormError, describeError } from "../components/form.tsx";
import { Layout } from "../components/layout.tsx";
import {
  deleteAccount,
  focusFirstError,
  getAccount,
  rotateCalendarToken,
  updateAccount,
  type Account,
  type ProfileChanges,
} from "../lib/account-api.ts";
import { navigate } from "../lib/router.ts";
import { requireUser, setCurrentUser } from "../lib/session.ts";
import { CopyButton } from "../components/copy-button.tsx";
import "../styles/account.css";

const ORDER = ["displayName", "username", "email", "password", "confirm", "currentPassword"] as const;
type Errors = Partial<Record<(typeof ORDER)[number], string>>;

export function ProfilePage() {
  const user = requireUser();
  const account = useSignal<Account | null>(null);
  const loadError = useSignal<string | null>(null);

  const displayName = useSignal("");
  const username = useSignal("");
  const email = useSignal("");
  const password = useSignal("");
  const confirm = useSignal("");
  const currentPassword = useSignal("");
  const errors = useSignal<Errors>({});
  const formError = useSignal<string | null>(null);
  const saved = useSignal("");
  const saving = useSignal(false);

  const rotating = useSignal(false);
  const feedStatus = useSignal("");
  const feedError = useSignal<string | null>(null);

  const confirmingDelete = useSignal(false);
  const deleting = useSignal(false);
  const deleteError = useSignal<string | null>(null);

  const userId = user?.id;
  useEffect(() => {
    if (!userId) return;
    let cancelled = false;
    getAccount().then(
      (a) => {
        if (cancelled) return;
        account.value = a;
        displayName.value = a.displayName;
        username.value = a.username;
        email.value = a.email;
      },
      (err) => !cancelled && (loadError.value = (err as Error).message),
    );
    return () => {
      cancelled = true;
    };
  }, [userId]);

  const a = account.value;
  if (!user || (!a && !loadError.value)) {
    return (
      <Layout title="Profile">
        <p role="status">Loading your profile…</p>
      </Layout>
    );
  }
  if (!a) {
    return (
      <Layout title="Profile">
        <div class="narrow account-page">
          <h1>Profile</h1>
          <p role="alert" class="form-error">
            Could not load your profile: {loadError.value}
          </p>
        </div>
      </Layout>
    );
  }

  const emailChanges = email.value.trim().toLowerCase() !== a.email;
  const needsCurrent = emailChanges || password.value !== "";

  const edit = (name: keyof Errors, target: { value: string }) => editField(errors, name, target, () => (saved.value = ""));

  async function save(event: Event) {
    event.preventDefault();
    if (!a) return;
    formError.value = null;
    saved.value = "";
    const problems: Errors = {};
    if (!displayName.value.trim()) problems.displayName = "Enter the name your teammates see";
    if (password.value && password.value !== confirm.value) problems.confirm = "The new passwords do not match";
    if (needsCurrent && !currentPassword.value) problems.currentPassword = "Enter your current password to change your email or password";
    errors.value = problems;
    if (Object.keys(problems).length) {
      focusFirstError(ORDER, problems);
      return;
    }
    const changes: ProfileChanges = {};
    if (displayName.value.trim() !== a.displayName) changes.displayName = displayName.value.trim();
    if (username.value.trim() !== a.username) changes.username = username.value.trim();
    if (emailChanges) changes.email = email.value.trim();
    if (password.value) changes.password = password.value;
    if (needsCurrent) changes.currentPassword = currentPassword.value;
    if (Object.keys(changes).length === 0) {
      saved.value = "Nothing to save: nothing was changed.";
      return;
    }
    saving.value = true;
    try {
      const updated = await updateAccount(changes);
      account.value = updated;
      setCurrentUser(updated);
      displayName.value = updated.displayName;
      username.value = updated.username;
      email.value = updated.email;
      password.value = confirm.value = currentPassword.value = "";
      saved.value = changes.password
        ? "Saved. Your new password works from now on; you were signed out everywhere else, and your calendar feed has a new address."
        : "Saved.";
    } catch (err) {
      const { fields, message } = describeError(err);
      errors.value = fields;
      formError.value = message;
      focusFirstError(ORDER, fields);
    } finally {
      saving.value = false;
    }
  }

  async function rotateFeed() {
    rotating.value = true;
    feedStatus.value = "";
    feedError.value = null;
    try {
      account.value = await rotateCalendarToken();
      feedStatus.value = "New address made. The old one no longer works.";
    } catch (err) {
      feedError.value = (err as Error).message;
    } finally {
      rotating.value = false;
    }
  }

  async function remove() {
    deleting.value = true;
    deleteError.value = null;
    try {
      await deleteAccount();
      confirmingDelete.value = false;
      setCurrentUser(null);
      navigate("/");
    } catch (err) {
      deleteError.value = (err as Error).message;
      deleting.value = false;
    }
  }

  return (
    <Layout title="Profile">
      <div class="narrow account-page">
        <h1>Profile</h1>
        <dl class="panel account-summary">
          <div>
            <dt>Name</dt>
            <dd>{a.displayName}</dd>
          </div>
          <div>
            <dt>Username</dt>
            <dd>{a.username}</dd>
          </div>
          <div>
            <dt>Email</dt>
            <dd>{a.email}</dd>
          </div>
        </dl>

        <section class="panel" aria-labelledby="edit-heading">
          <h2 id="edit-heading">Edit profile</h2>
          <form onSubmit={save} noValidate class="account-form">
            <FormError message={formError.value} />
            <Field
              name="displayName"
              label="Your name"
              autocomplete="name"
              maxLength={60}
              hint="What your teammates see. Spaces are fine."
              value={displayName.value}
              error={errors.value.displayName}
              onValue={edit("displayName", displayName)}
            />
            <Field
              name="username"
              label="Username"
              autocomplete="username"
              minLength={2}
              maxLength={32}
              hint="Your handle: 2 to 32 characters, no spaces."
              value={username.value}
              error={errors.value.username}
              onValue={edit("username", username)}
            />
            <Field name="email" label="Email" type="email" autocomplete="email" value={email.value} error={errors.value.email} onValue={edit("email", email)} />
            <Field
              name="password"
              label="New password"
              type="password"
              autocomplete="new-password"
              minLength={8}
              hint="Leave empty to keep your password. At least 8 characters."
              value={password.value}
              error={errors.value.password}
              onValue={edit("password", password)}
            />
            {password.value !== "" && (
              <Field
                name="confirm"
                label="Repeat new password"
                type="password"
                autocomplete="new-password"
                value={confirm.value}
                error={errors.value.confirm}
                onValue={edit("confirm", confirm)}
              />
            )}
            {needsCurrent && (
              <Field
                name="currentPassword"
                label="Current password"
                type="password"
                autocomplete="current-password"
                hint="Needed to change your email or password."
                value={currentPassword.value}
                error={errors.value.currentPassword}
                onValue={edit("currentPassword", currentPassword)}
              />
            )}
            <div class="row">
              <button type="submit" class="primary" disabled={saving.value}>
                {saving.value ? "Saving…" : "Save changes"}
              </button>
              <p role="status" class="saved">
                {saved.value}
              </p>
            </div>
          </form>
        </section>

        <section class="panel" aria-labelledby="feed-heading">
          <h2 id="feed-heading">Calendar feed</h2>
          <p class="muted">
            Subscribe to this address in your calendar app to see your meetings and your teams' meetings there. Keep it to yourself: anyone with it can
            see them.
          </p>
          <label for="calendar-url">Calendar feed address</label>
          <div class="row feed-row">
            <input id="calendar-url" readOnly value={a.calendarUrl} onFocus={(e) => e.currentTarget.select()} />
            <CopyButton text={a.calendarUrl} label="Copy the calendar feed address" />
          </div>
          <p id="feed-rotate-hint" class="muted">
            Think the address has leaked? Get a new one. The current one stops working at once: calendar apps subscribed to it need the new one.
          </p>
          <button type="button" onClick={() => void rotateFeed()} disabled={rotating.value} aria-describedby="feed-rotate-hint">
            {rotating.value ? "Making a new address…" : "Get a new feed address"}
          </button>
          <p role="status" class="saved">
            {feedStatus.value}
          </p>
          {feedError.value && (
            <p role="alert" class="form-error">
              {feedError.value}
            </p>
          )}
        </section>

        <section class="panel danger-zone" aria-labelledby="delete-heading">
          <h2 id="delete-heading">Delete account</h2>
          <p class="muted">This signs you out everywhere and cannot be undone.</p>
          <button type="button" class="danger" onClick={() => (confirmingDelete.value = true)}>
            Delete account
          </button>
        </section>

        <ConfirmDialog
          open={confirmingDelete.value}
          title="Delete your account?"
          confirmLabel={deleting.value ? "Deleting…" : "Delete my account"}
          busy={deleting.value}
          onConfirm={() => void remove()}
          onCancel={() => {
            confirmingDelete.value = false;
            deleteError.value = null;
          }}
        >
          <p>This cannot be undone. You lose:</p>
          <ul>
            <li>your account {a.username} and every sign-in,</li>
            <li>your place in your teams (a team you are the only member of is deleted, with its meetings, notes and recordings),</li>
            <li>access to the notes and recordings of the meetings you took part in,</li>
            <li>your calendar feed.</li>
          </ul>
          {deleteError.value && (
            <p role="alert" class="form-error">
              {deleteError.value}
            </p>
          )}
        </ConfirmDialog>
      </div>
    </Layout>
  );
}
