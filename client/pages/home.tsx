/** The start page: start an instant meeting, or join one by its code. */
import { useSignal } from "@preact/signals";
import { createMeeting } from "../lib/api.ts";
import { parseMeetingCode } from "../lib/meeting-code.ts";
import { navigate } from "../lib/router.ts";

export function HomePage() {
  const starting = useSignal(false);
  const code = useSignal("");
  const error = useSignal<string | null>(null);

  async function start() {
    starting.value = true;
    error.value = null;
    try {
      const meeting = await createMeeting();
      navigate(`/m/${meeting.code}`);
    } catch (err) {
      error.value = (err as Error).message;
      starting.value = false;
    }
  }

  function join(event: Event) {
    event.preventDefault();
    const parsed = parseMeetingCode(code.value);
    if (!parsed) {
      error.value = "Enter a meeting code like k7fq-xm3t-rpzw, or paste the meeting link";
      return;
    }
    navigate(`/m/${parsed}`);
  }

  return (
    <main class="page narrow">
      <h1>Dictate</h1>
      <p class="lead">Video meetings for small teams, with live notes and recordings.</p>
      <section class="panel">
        <h2>New meeting</h2>
        <p>Anyone with the link can join.</p>
        <button type="button" class="primary" onClick={start} disabled={starting.value}>
          {starting.value ? "Starting…" : "Start a meeting"}
        </button>
      </section>
      <section class="panel">
        <h2>Join a meeting</h2>
        <form onSubmit={join} class="row">
          <label for="join-code" class="visually-hidden">
            Meeting code or link
          </label>
          <input
            id="join-code"
            name="code"
            placeholder="Meeting code or link"
            autocomplete="off"
            value={code.value}
            onInput={(e) => (code.value = e.currentTarget.value)}
          />
          <button type="submit">Join</button>
        </form>
      </section>
      {error.value && (
        <p role="alert" class="error">
          {error.value}
        </p>
      )}
    </main>
  );
}
