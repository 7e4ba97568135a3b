/**
 * Meeting control in the People panel: who is knocking (Admit, Deny, Admit all), a menu of actions
 * per person (mute, ask to unmute, make host, remove) and the host menu for the whole meeting (mute
 * everyone, lower every hand, the lobby, lock, self-unmute, end for everyone). Menus are the same
 * WAI-ARIA menu buttons as the toolbar's More menu; removing someone and ending the meeting ask first.
 */
import { useSignal } from "@preact/signals";
import { ConfirmDialog } from "../components/confirm.tsx";
import { MoreIcon, SmileIcon } from "../components/icons.tsx";
import { MoreMenu, type MenuItem } from "./more-menu.tsx";
import type { Participant } from "./protocol.ts";
import { REACTIONS, type RoomState } from "./room-state.ts";

const since = (at: string) => new Date(at).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
/** Ignore a refused action here: room-state shows its reason in the error banner. */
const quietly = (p: Promise<unknown>) => void p.catch(() => undefined);

export function LobbyList({ room }: { room: RoomState }) {
  const waiting = room.lobby.value;
  if (!room.isHost.value || waiting.length === 0) return null;
  return (
    <section class="lobby-list" aria-labelledby="lobby-title">
      <h3 id="lobby-title">Waiting to join ({waiting.length})</h3>
      <ul>
        {waiting.map((e) => (
          <li key={e.id}>
            <span class="person-name">
              {e.name}
              <span class="muted small lobby-meta">
                {e.signedIn ? "signed in" : "guest"} · since <time dateTime={e.since}>{since(e.since)}</time>
                {e.removedBefore && " · removed earlier"}
              </span>
            </span>
            <span class="lobby-actions">
              <button type="button" class="primary" aria-label={`Admit ${e.name}`} onClick={() => quietly(room.admit(e.id))}>
                Admit
              </button>
              <button type="button" aria-label={`Deny ${e.name}`} onClick={() => quietly(room.deny(e.id))}>
                Deny
              </button>
            </span>
          </li>
        ))}
      </ul>
      {waiting.length > 1 && (
        <button type="button" onClick={() => quietly(room.admitAll())}>
          Admit all ({waiting.length})
        </button>
      )}
    </section>
  );
}

/** The actions a host has on one person, behind a menu button named for them. */
export function PersonActions({ room, person, onRemove }: { room: RoomState; person: Participant; onRemove(p: Participant): void }) {
  const me = room.self.value;
  if (!room.isHost.value || !me || person.id === me.id) return null;
  const items: MenuItem[] = [
    person.audioMuted
      ? { label: "Ask to unmute", icon: null, onSelect: () => quietly(room.askToUnmute(person.id)) }
      : { label: "Mute microphone", icon: null, onSelect: () => quietly(room.mute(person.id)) },
    ...(person.role !== "host" ? [{ label: "Make host", icon: null, onSelect: () => quietly(room.promote(person.id)) }] : []),
    { label: "Remove from meeting", icon: null, onSelect: () => onRemove(person) },
  ];
  return <MoreMenu items={items} id={`person-menu-${person.id}`} label={`Actions for ${person.name}`} short="" icon={<MoreIcon />} placement="down" />;
}

/** The host menu: what applies to the whole meeting. */
export function HostMenu({ room, onEnd }: { room: RoomState; onEnd(): void }) {
  if (!room.isHost.value) return null;
  const s = room.settings.value;
  const items: MenuItem[] = [
    { label: "Mute everyone else", icon: null, onSelect: () => quietly(room.muteAll()) },
    { label: "Lower all hands", icon: null, onSelect: () => quietly(room.lowerAllHands()) },
    { label: s.lobby ? "Let guests in directly" : "Guests wait to be let in", icon: null, onSelect: () => quietly(room.changeSettings({ lobby: !s.lobby })) },
    { label: s.locked ? "Unlock the meeting" : "Lock the meeting", icon: null, onSelect: () => quietly(room.changeSettings({ locked: !s.locked })) },
    {
      label: s.selfUnmute ? "Stop people unmuting themselves" : "Let people unmute themselves",
      icon: null,
      onSelect: () => quietly(room.changeSettings({ selfUnmute: !s.selfUnmute })),
    },
    { label: "End meeting for everyone", icon: null, onSelect: onEnd },
  ];
  return <MoreMenu items={items} id="host-menu" label="Host controls" short="Host controls" placement="down" />;
}

/** The People panel's host part: the host menu, the meeting's state, and the confirmations. */
export function HostSection({ room, children }: { room: RoomState; children(onRemove: (p: Participant) => void): preact.ComponentChildren }) {
  const removing = useSignal<Participant | null>(null);
  const ending = useSignal(false);
  const s = room.settings.value;
  return (
    <>
      {room.isHost.value && (
        <div class="host-bar">
          <HostMenu room={room} onEnd={() => (ending.value = true)} />
          <p class="muted small host-state">
            {[s.locked ? "Locked" : null, s.lobby ? "Guests wait in the lobby" : "Guests join directly", s.selfUnmute ? null : "Only hosts can unmute people"].filter(Boolean).join(" · ")}
          </p>
        </div>
      )}
      <LobbyList room={room} />
      {children((p) => (removing.value = p))}
      <ConfirmDialog
        open={removing.value !== null}
        title={`Remove ${removing.value?.name ?? ""}?`}
        confirmLabel="Remove"
        onCancel={() => (removing.value = null)}
        onConfirm={() => {
          const p = removing.value;
          removing.value = null;
          if (p) quietly(room.remove(p.id));
        }}
      >
        <p>They leave the meeting at once, and can come back only if a host lets them in again.</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={ending.value}
        title="End the meeting for everyone?"
        confirmLabel="End meeting"
        onCancel={() => (ending.value = false)}
        onConfirm={() => {
          ending.value = false;
          quietly(room.endMeeting());
        }}
      >
        <p>Everyone leaves the meeting now. Notes and recordings are kept.</p>
      </ConfirmDialog>
    </>
  );
}

/** Reactions: a small menu of emoji; each shows on your tile for everyone for a few seconds. */
export function ReactionMenu({ room }: { room: RoomState }) {
  const items: MenuItem[] = REACTIONS.map((emoji) => ({
    label: `React ${emoji}`,
    icon: <span aria-hidden="true">{emoji}</span>,
    onSelect: () => quietly(room.react(emoji)),
  }));
  return <MoreMenu items={items} id="reaction-menu" label="React" short="React" icon={<SmileIcon />} />;
}
