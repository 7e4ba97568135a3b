/**
 * My teams (`/teams`): each team with its member count and its code to pass on (with a copy
 * button), a form to create a team and one to join a team by its code.
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { Field, FormError, describeError } from "../components/form.tsx";
import { CopyButton } from "../components/copy-button.tsx";
import { Layout } from "../components/layout.tsx";
import { ApiError } from "../lib/api.ts";
import { createTeam, focusFirstError, joinTeam, listTeams, type Team } from "../lib/account-api.ts";
import { onLinkClick } from "../lib/router.ts";
import { requireUser } from "../lib/session.ts";
import "../styles/account.css";

/**
 * "Copy" beside a code or an address. What happened is said in a live region next to it ("Copied",
 * or how to copy by hand when the browser refuses), so a screen reader hears it too.
 */
const members = (n: number) => (n === 1 ? "1 member" : `${n} members`);

export function TeamsPage() {
  const user = requireUser();
  const teams = useSignal<Team[] | null>(null);
  const loadError = useSignal<string | null>(null);
  const announcement = useSignal("");

  const name = useSignal("");
  const nameError = useSignal<string | null>(null);
  const createError = useSignal<string | null>(null);
  const creating = useSignal(false);

  const code = useSignal("");
  const codeError = useSignal<string | null>(null);
  const joinError = useSignal<string | null>(null);
  const joining = useSignal(false);

  const userId = user?.id;
  useEffect(() => {
    if (!userId) return;
    let cancelled = false;
    listTeams().then(
      (list) => !cancelled && (teams.value = list),
      (err) => !cancelled && (loadError.value = (err as Error).message),
    );
    return () => {
      cancelled = true;
    };
  }, [userId]);

  const add = (team: Team) => {
    const others = (teams.value ?? []).filter((t) => t.id !== team.id);
    teams.value = [...others, team].sort((a, b) => a.name.localeCompare(b.name));
  };

  async function create(event: Event) {
    event.preventDefault();
    createError.value = null;
    announcement.value = "";
    if (!name.value.trim()) {
      nameError.value = "Give the team a name";
      focusFirstError(["name"], { name: nameError.value });
      return;
    }
    nameError.value = null;
    creating.value = true;
    try {
      const team = await createTeam(name.value.trim());
      add(team);
      name.value = "";
      announcement.value = `Created ${team.name}. Give teammates its code, ${team.code}, so they can join.`;
    } catch (err) {
      const { fields, message } = describeError(err);
      nameError.value = fields.name ?? null;
      createError.value = message;
      focusFirstError(["name"], fields);
    } finally {
      creating.value = false;
    }
  }

  async function join(event: Event) {
    event.preventDefault();
    joinError.value = null;
    announcement.value = "";
    if (!code.value.trim()) {
      codeError.value = "Enter the code a teammate gave you";
      focusFirstError(["code"], { code: codeError.value });
      return;
    }
    codeError.value = null;
    joining.value = true;
    try {
      const team = await joinTeam(code.value.trim());
      add(team);
      code.value = "";
      announcement.value = `You joined ${team.name}.`;
    } catch (err) {
      const status = err instanceof ApiError ? err.status : 0;
      if (status === 404) codeError.value = "No team has this code. Check it with whoever gave it to you.";
      else if (status === 409) codeError.value = "You are already a member of this team.";
      else {
        const { fields, message } = describeError(err);
        codeError.value = fields.code ?? null;
        joinError.value = message;
      }
      focusFirstError(["code"], { code: codeError.value ?? undefined });
    } finally {
      joining.value = false;
    }
  }

  if (!user) {
    return (
      <Layout title="Teams">
        <p role="status">Loading…</p>
      </Layout>
    );
  }

  const list = teams.value;
  return (
    <Layout title="Teams">
      <div class="account-page teams-page">
        <h1>Teams</h1>
        <p role="status" class="announcement">
          {announcement.value}
        </p>
        <div class="teams-layout">
          <section aria-labelledby="my-teams-heading" class="teams-list-section">
            <h2 id="my-teams-heading">Your teams</h2>
            {loadError.value ? (
              <p role="alert" class="form-error">
                Could not load your teams: {loadError.value}
              </p>
            ) : !list ? (
              <p role="status" class="muted">
                Loading your teams…
              </p>
            ) : list.length === 0 ? (
              <p class="muted empty">You are not in a team yet. Create one, or join one with the code a teammate gives you.</p>
            ) : (
              <ul class="team-list">
                {list.map((team) => (
                  <li key={team.id} class="team-card">
                    <h3>
                      <a href={`/teams/${team.id}`} onClick={onLinkClick}>
                        {team.name}
                      </a>
                    </h3>
                    <p class="muted">{members(team.memberCount)}</p>
                    <p class="code-line">
                      <span>Code</span> <code class="team-code">{team.code}</code>
                      <CopyButton text={team.code} label={`Copy the code of ${team.name}`} />
                    </p>
                  </li>
                ))}
              </ul>
            )}
          </section>
          <div class="teams-forms">
            <section class="panel" aria-labelledby="create-heading">
              <h2 id="create-heading">Create a team</h2>
              <form onSubmit={create} noValidate>
                <FormError message={createError.value} />
                <Field
                  name="name"
                  label="Team name"
                  autocomplete="off"
                  maxLength={80}
                  value={name.value}
                  error={nameError.value}
                  onValue={(v) => {
                    name.value = v;
                    nameError.value = null;
                  }}
                />
                <button type="submit" class="primary" disabled={creating.value}>
                  {creating.value ? "Creating…" : "Create team"}
                </button>
              </form>
            </section>
            <section class="panel" aria-labelledby="join-heading">
              <h2 id="join-heading">Join a team</h2>
              <form onSubmit={join} noValidate>
                <FormError message={joinError.value} />
                <Field
                  name="code"
                  label="Team code"
                  autocomplete="off"
                  placeholder="k7fq-xm3t-rpzw"
                  hint="Ask a member of the team for it."
                  value={code.value}
                  error={codeError.value}
                  onValue={(v) => {
                    code.value = v;
                    codeError.value = null;
                  }}
                />
                <button type="submit" disabled={joining.value}>
                  {joining.value ? "Joining…" : "Join team"}
                </button>
              </form>
            </section>
          </div>
        </div>
      </div>
    </Layout>
  );
}
