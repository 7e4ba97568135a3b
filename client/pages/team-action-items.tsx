/**
 * The team's open action items (the `- [ ]` lines of its meetings' notes), with the meeting and the
 * moment each came from. Ticking one ticks it in that meeting's notes (live editors see it at once).
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { formatOffset, getTeamActionItems, setActionItemDone, type ActionItem } from "../lib/memory-api.ts";
import { onLinkClick } from "../lib/router.ts";

const day = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

export function TeamActionItems({ teamId }: { teamId: string }) {
  const items = useSignal<ActionItem[] | null>(null);
  const error = useSignal<string | null>(null);
  const busy = useSignal<string | null>(null);
  const announce = useSignal("");

  useEffect(() => {
    let cancelled = false;
    getTeamActionItems(teamId).then(
      (list) => !cancelled && (items.value = list),
      (err) => !cancelled && (error.value = (err as Error).message),
    );
    return () => {
      cancelled = true;
    };
  }, [teamId]);

  async function toggle(item: ActionItem, done: boolean) {
    busy.value = item.id;
    error.value = null;
    try {
      const saved = await setActionItemDone(item.id, done);
      items.value = (items.value ?? []).map((i) => (i.id === item.id ? saved : i));
      announce.value = `${done ? "Done" : "Open again"}: ${item.text}`;
    } catch (err) {
      error.value = `Could not update “${item.text}”: ${(err as Error).message}`;
    } finally {
      busy.value = null;
    }
  }

  const list = items.value;
  return (
    <section class="panel" aria-labelledby="items-heading">
      <h2 id="items-heading">Open action items{list ? ` (${list.filter((i) => !i.done).length})` : ""}</h2>
      {error.value && (
        <p role="alert" class="form-error">
          {error.value}
        </p>
      )}
      <p role="status" class="visually-hidden">
        {announce.value}
      </p>
      {!list ? (
        !error.value && <p class="muted">Loading…</p>
      ) : list.length === 0 ? (
        <p class="muted">
          None. Write <code>- [ ] …</code> in a meeting's notes (with <code>@name</code> to assign it) and it shows up here.
        </p>
      ) : (
        <ul class="action-items">
          {list.map((item) => {
            const box = `item-${item.id}`;
            return (
              <li key={item.id} class={item.done ? "done" : ""}>
                <input id={box} type="checkbox" checked={item.done} disabled={busy.value === item.id} onChange={(e) => void toggle(item, (e.currentTarget as HTMLInputElement).checked)} />
                <label for={box}>{item.text}</label>
                <span class="muted action-item-from">
                  <a href={`/m/${item.meetingCode}/memory`} onClick={onLinkClick}>
                    {item.meetingTitle}
                  </a>
                  {", "}
                  <time dateTime={item.meetingAt}>{day.format(new Date(item.meetingAt))}</time>
                  {item.atMs !== null && `, ${formatOffset(item.atMs)} in`}
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
