/** The start page: what Dictate is, start an instant meeting, or join one by its code or link. */
import { useSignal } from "@preact/signals";
import { Layout } from "../components/layout.tsx";
import { UpcomingMeetings } from "../components/upcoming-meetings.tsx";
import { ApiError, createMeeting, getMeeting, whyNoMeeting } from "../lib/api.ts";
import { parseMeetingCode } from "../lib/meeting-code.ts";
import { navigate, onLinkClick } from "../lib/router.ts";
import { currentUser } from "../lib/session.ts";

export function HomePage() {
  const starting = useSignal(false);
  const startError = useSignal<string | null>(null);
  const code = useSignal("");
  const joinError = useSignal<string | null>(null);
  /** The code typed is a team's: the error says so and links to the Teams page. */
  const teamCode = useSignal(false);
  const checking = useSignal(false);
  const user = currentUser.value;

  async function start() {
    starting.value = true;
    startError.value = null;
    try {
      const meeting = await createMeeting();
      navigate(`/m/${meeting.code}`);
    } catch (err) {
      startError.value = (err as Error).message;
      starting.value = false;
    }
  }

  async function join(event: Event) {
    event.preventDefault();
    const parsed = parseMeetingCode(code.value);
    if (!parsed) {
      joinError.value = "That is not a meeting code. A code looks like k7fq-xm3t-rpzw; you can also paste the meeting's link.";
      return;
    }
    joinError.value = null;
    teamCode.value = false;
    checking.value = true;
    try {
      await getMeeting(parsed);
      navigate(`/m/${parsed}`);
    } catch (err) {
      const status = err instanceof ApiError ? err.status : 0;
      const missing = whyNoMeeting(err);
      // A team meeting answers 401 or "team only" to outsiders: the meeting page explains who may join.
      if (status === 401 || status === 403 || missing === "team-only") navigate(`/m/${parsed}`);
      else if (missing === "team-code") {
        teamCode.value = true;
        joinError.value = user ? "That is a team code, not a meeting code: join the team on the" : "That is a team code, not a meeting code: sign in, then join the team on the";
      } else if (missing === "cancelled") joinError.value = `The meeting ${parsed} was cancelled. Ask whoever sent the code whether it has a new time.`;
      else joinError.value = status === 404 ? `There is no meeting with the code ${parsed}. Check it with whoever sent it.` : (err as Error).message;
    } finally {
      checking.value = false;
    }
  }

  return (
    <Layout title="">
      <div class="home">
        <section class="hero">
          <h1>Meetings for small teams, with the notes and the recording in one place</h1>
          <p class="lead">
            See and hear each other in the browser, write the notes together while you talk, and record the meeting. Afterwards the notes and
            one playable recording wait under Resources, next to your team's calendar.
          </p>
        </section>
        <div class="home-actions">
          <section class="panel" aria-labelledby="start-heading">
            <h2 id="start-heading">Start a meeting</h2>
            <p class="muted">A new meeting with a link to share. Anyone with the link can join, no account needed.</p>
            <button type="button" class="primary" onClick={start} disabled={starting.value}>
              {starting.value ? "Starting…" : "Start a meeting"}
            </button>
            {startError.value && (
              <p role="alert" class="error">
                {startError.value}
              </p>
            )}
          </section>
          <section class="panel" aria-labelledby="join-heading">
            <h2 id="join-heading">Join a meeting</h2>
            <form onSubmit={join} noValidate>
              <label for="join-code">Meeting code or link</label>
              <div class="row">
                <input
                  id="join-code"
                  name="code"
                  placeholder="k7fq-xm3t-rpzw"
                  autocomplete="off"
                  spellcheck={false}
                  value={code.value}
                  aria-invalid={joinError.value ? "true" : undefined}
                  aria-describedby={joinError.value ? "join-error" : undefined}
                  onInput={(e) => {
                    code.value = e.currentTarget.value;
                    joinError.value = null;
                    teamCode.value = false;
                  }}
                />
                <button type="submit" disabled={checking.value}>
                  Join
                </button>
              </div>
              {joinError.value && (
                <p id="join-error" role="alert" class="field-error">
                  {joinError.value}
                  {teamCode.value && (
                    <>
                      {" "}
                      <a href="/teams" onClick={onLinkClick}>
                        Teams page
                      </a>
                      .
                    </>
                  )}
                </p>
              )}
            </form>
          </section>
        </div>
        {user === null && (
          <p class="home-account">
            Teams schedule meetings on a shared calendar and keep their notes and recordings.{" "}
            <a href="/signup" onClick={onLinkClick}>
              Sign up
            </a>{" "}
            or{" "}
            <a href="/login" onClick={onLinkClick}>
              log in
            </a>
            .
          </p>
        )}
        {user && <UpcomingMeetings />}
        {user && (
          <p class="home-account">
            Signed in as <strong>{user.displayName}</strong>. Plan meetings in your{" "}
            <a href="/calendar" onClick={onLinkClick}>
              calendar
            </a>{" "}
            or find past ones in{" "}
            <a href="/resources" onClick={onLinkClick}>
              resources
            </a>
            .
          </p>
        )}
      </div>
    </Layout>
  );
}
