/**
 * The meeting's title in the room's header, with a Rename button for whoever may rename it (the
 * welcome's `canRename`: the signed-in creator, a team meeting's members). The form opens under the
 * header; the new title reaches everyone in the room at once (`meeting.renamed`), and a refusal or a
 * bad title is shown in the form.
 */
import { useSignal } from "@preact/signals";
import { PencilIcon } from "../components/icons.tsx";
import { RenameForm } from "../components/rename-form.tsx";
import type { RoomState } from "./room-state.ts";

export function MeetingTitle({ room, fallback }: { room: RoomState; fallback: string }) {
  const editing = useSignal(false);
  const value = useSignal("");
  const error = useSignal<string | null>(null);
  const busy = useSignal(false);
  const title = room.meeting.value?.title || fallback || "Meeting";
  const canRename = room.meeting.value?.canRename === true;

  const open = () => {
    value.value = title;
    error.value = null;
    editing.value = true;
  };
  const close = () => {
    editing.value = false;
    document.getElementById("rename-meeting-button")?.focus();
  };
  async function submit(event: Event) {
    event.preventDefault();
    if (!value.value.trim()) {
      error.value = "Enter a title";
      return;
    }
    busy.value = true;
    try {
      await room.renameMeeting(value.value);
      close();
    } catch (err) {
      error.value = (err as Error).message;
    } finally {
      busy.value = false;
    }
  }

  return (
    <>
      <h1>{title}</h1>
      {canRename && (
        <button id="rename-meeting-button" type="button" class="icon-button" aria-label="Rename meeting" title="Rename meeting" aria-expanded={editing.value} onClick={() => (editing.value ? close() : open())}>
          <PencilIcon />
        </button>
      )}
      {editing.value && (
        <div class="title-rename">
          <RenameForm
            id="meeting-title"
            label="Meeting title"
            value={value.value}
            error={error.value}
            busy={busy.value}
            onValue={(v) => {
              value.value = v;
              error.value = null;
            }}
            onSubmit={submit}
            onCancel={close}
          />
        </div>
      )}
    </>
  );
}
