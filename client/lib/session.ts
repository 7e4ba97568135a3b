/**
 * Who is signed in, as a signal shared by every page: `undefined` while the first /api/me is in
 * flight, `null` for a guest, the user otherwise. Pages that need an account use `requireUser()`.
 */
import { signal, type ReadonlySignal } from "@preact/signals";
import { api, getMe, type User } from "./api.ts";
import { navigate } from "./router.ts";

const me = signal<User | null | undefined>(undefined);
let loading: Promise<User | null> | null = null;

/** The signed-in user (undefined until known, null when signed out). */
export const currentUser: ReadonlySignal<User | null | undefined> = me;

/** Asks the server once who is signed in; later calls share the answer. */
export function loadCurrentUser(): Promise<User | null> {
  loading ??= getMe().then(
    (user) => (me.value = user),
    () => {
      loading = null;
      return (me.value = null);
    },
  );
  return loading;
}

/** After sign-up, log-in or a profile edit. */
export function setCurrentUser(user: User | null) {
  me.value = user;
  loading = Promise.resolve(user);
}

export async function logOut() {
  await api("POST", "/api/auth/logout");
  setCurrentUser(null);
  navigate("/");
}

/**
 * For pages that need an account: the user, or null while unknown — and a signed-out visitor is
 * sent to the log-in page, which brings them back here afterwards.
 */
export function requireUser(): User | null {
  const user = me.value;
  if (user === null) {
    queueMicrotask(() => navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true }));
  }
  return user ?? null;
}
