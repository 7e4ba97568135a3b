/**
 * Audio only, as the person sees it: the notice that says why no video comes (chosen, or the
 * connection could not keep it up) with the way back, and the menu item that switches it.
 */
import { HeaderToggle } from "../components/header-toggle.tsx";
import { AudioOnlyIcon } from "../components/room-icons.tsx";
import type { MenuItem } from "./more-menu.tsx";
import type { RoomState } from "./room-state.ts";

export function AudioOnlyNotice({ room }: { room: RoomState }) {
  const mode = room.audioOnly.value;
  if (mode === "off") return null;
  return (
    <div class={`banner${mode === "auto" ? " warn" : ""} audio-only-notice`} role="status">
      <span>
        {mode === "auto"
          ? "Audio only: your connection could not keep video up, so video is paused. You still hear everyone."
          : "Audio only: you hear everyone but receive no video."}
      </span>
      <button type="button" onClick={() => room.setAudioOnly(false)}>
        {mode === "auto" ? "Try video again" : "Show video"}
      </button>
    </div>
  );
}

/** The "Audio only" switch in the header (wide screens; the toolbar has no room left for it). */
export function AudioOnlyButton({ room }: { room: RoomState }) {
  const on = room.audioOnly.value !== "off";
  return (
    <HeaderToggle
      on={on}
      label="Audio only"
      title={on ? "Audio only is on: receive video again" : "Audio only: hear everyone, receive no video"}
      icon={<AudioOnlyIcon />}
      onToggle={() => room.setAudioOnly(!on)}
    />
  );
}

/** The "Audio only" switch, for the More menu (phone width). */
export function audioOnlyItem(room: RoomState): MenuItem {
  const on = room.audioOnly.value !== "off";
  return { label: on ? "Receive video again" : "Audio only (receive no video)", icon: <AudioOnlyIcon />, on, onSelect: () => room.setAudioOnly(!on) };
}
