/** The meeting's side panels: people and meeting info, chat, and the live notes (loaded lazily). */
import { useSignal, type Signal } from "@preact/signals";
import { useEffect, useLayoutEffect, useRef } from "preact/hooks";
import { CloseIcon, HandIcon, LinkIcon, MicOffIcon } from "../components/icons.tsx";
import { CopyButton } from "../components/copy-button.tsx";
import { loadLazy } from "../lib/lazy.ts";
import { linkify } from "../lib/linkify.ts";
import { saveShortcutsOn } from "../lib/prefs.ts";
import type { NotesEditor, NotesEditorPart } from "../lazy/notes-editor-types.ts";
import type { RoomState } from "./room-state.ts";
import { SHORTCUT_KEYS } from "./shortcuts.ts";
import { HostSection, PersonActions } from "./host-controls.tsx";
import { REACTIONS } from "./room-state.ts";

export type PanelName = "people" | "chat" | "notes";

export function PanelFrame({
  title,
  id,
  onClose,
  children,
  hidden,
  focusOnOpen = false,
}: {
  title: string;
  id: string;
  onClose(): void;
  children: preact.ComponentChildren;
  hidden?: boolean;
  /** Move focus to the panel itself when it opens (panels without one obvious field to type in). */
  focusOnOpen?: boolean;
}) {
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    if (focusOnOpen) ref.current?.focus();
  }, []);
  return (
    <section class="side-panel" id={id} aria-labelledby={`${id}-title`} hidden={hidden} ref={ref} tabIndex={-1}>
      <header class="side-panel-header">
        <h2 id={`${id}-title`}>{title}</h2>
        <button type="button" class="icon-button" aria-label={`Close the ${title.toLowerCase()} panel`} onClick={onClose}>
          <CloseIcon />
        </button>
      </header>
      {children}
    </section>
  );
}

export function PeoplePanel({ room, code, onClose, shortcuts }: { room: RoomState; code: string; onClose(): void; shortcuts: Signal<boolean> }) {
  const renaming = useSignal(false);
  const newName = useSignal("");
  const link = `${location.origin}/m/${code}`;
  const me = room.self.value;

  return (
    <PanelFrame title="People and info" id="people-panel" onClose={onClose} focusOnOpen>
      <div class="panel-body">
        <h3>Meeting link</h3>
        <p class="meeting-link">
          <code>{link}</code>
        </p>
        <CopyButton text={link} label="Copy link to the meeting">
          <LinkIcon /> Copy link
        </CopyButton>
        <p class="muted">
          Code: <strong class="code">{code}</strong>
        </p>
        {room.raisedHands.value.length > 0 && (
          <>
            <h3>Hands raised ({room.raisedHands.value.length})</h3>
            <ol class="hands" aria-label="Hands raised, in the order they went up">
              {room.raisedHands.value.map((p) => (
                <li key={p.id}>
                  {p.name}
                  {p.id === me?.id && " (you)"}
                </li>
              ))}
            </ol>
          </>
        )}
        <HostSection room={room}>
          {(onRemove) => (
            <>
              <h3>In the meeting ({room.participants.value.length})</h3>
              <ul class="people">
                {room.participants.value.map((p) => {
                  const mutedBy = p.audioMutedBy ? (p.audioMutedBy === me?.id ? "you" : (room.participants.value.find((q) => q.id === p.audioMutedBy)?.name ?? "a host")) : null;
                  return (
                    <li key={p.id}>
                      <span class="person-name">
                        {p.name}
                        {p.id === me?.id && " (you)"}
                      </span>
                      {p.role === "host" && <span class="badge host">Host</span>}
                      <span class="badge">{p.userId ? "Signed in" : "Guest"}</span>
                      {p.connection === "reconnecting" && <span class="badge warn">Reconnecting</span>}
                      {p.handRaised && <HandIcon class="hand-indicator" label="Hand raised" />}
                      {p.audioMuted && <MicOffIcon class="muted-indicator" label={mutedBy ? `Microphone muted by ${mutedBy}` : "Microphone muted"} />}
                      <PersonActions room={room} person={p} onRemove={onRemove} />
                    </li>
                  );
                })}
              </ul>
            </>
          )}
        </HostSection>
        {me &&
          (renaming.value ? (
            <form
              class="rename"
              onSubmit={(e) => {
                e.preventDefault();
                if (!newName.value.trim()) return;
                room.rename(newName.value);
                renaming.value = false;
              }}
            >
              <label for="rename-input">Your name</label>
              <div class="row">
                <input id="rename-input" value={newName.value} maxLength={60} autoFocus onInput={(e) => (newName.value = e.currentTarget.value)} />
                <button type="submit" class="primary">
                  Save
                </button>
                <button type="button" onClick={() => (renaming.value = false)}>
                  Cancel
                </button>
              </div>
            </form>
          ) : (
            <button
              type="button"
              onClick={() => {
                newName.value = me.name;
                renaming.value = true;
              }}
            >
              Rename myself
            </button>
          ))}
        <h3 id="reactions-title">Reactions</h3>
        <div class="reaction-bar" role="group" aria-labelledby="reactions-title">
          {REACTIONS.map((emoji) => (
            <button key={emoji} type="button" aria-label={`React ${emoji}`} onClick={() => void room.react(emoji).catch(() => undefined)}>
              {emoji}
            </button>
          ))}
        </div>
        <h3>Keyboard</h3>
        <label class="check">
          <input
            type="checkbox"
            checked={shortcuts.value}
            onChange={(e) => {
              shortcuts.value = e.currentTarget.checked;
              saveShortcutsOn(shortcuts.value);
            }}
          />
          One-key shortcuts ({Object.values(SHORTCUT_KEYS).join(" ").toUpperCase()})
        </label>
        <p class="muted">They work when focus is on no button or field. Esc closes a panel.</p>
      </div>
    </PanelFrame>
  );
}

const timeOf = (at: string) => new Date(at).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });

export function ChatPanel({ room, onClose }: { room: RoomState; onClose(): void }) {
  const text = useSignal("");
  const problem = useSignal<string | null>(null);
  const list = useRef<HTMLOListElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const messages = room.chat.value;
  // Opening the chat puts the cursor in its field, so what is typed next is a message: in the same
  // task as the panel appears (useEffect ran a frame later, and keys typed meanwhile went elsewhere).
  useLayoutEffect(() => input.current?.focus(), []);
  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages.length]);

  async function send(event: Event) {
    event.preventDefault();
    const t = text.value.trim();
    if (!t) return;
    problem.value = null;
    try {
      await room.sendChat(t);
      text.value = "";
    } catch (err) {
      problem.value = (err as Error).message;
    }
  }

  return (
    <PanelFrame title="Chat" id="chat-panel" onClose={onClose}>
      <ol class="chat-list" ref={list} aria-live="polite" aria-label="Chat messages">
        {messages.length === 0 && <li class="muted">No messages yet. Messages are seen by everyone in the meeting.</li>}
        {messages.map((m, i) => (
          <li key={i} class={m.from === room.self.value?.id ? "mine" : undefined}>
            <span class="chat-meta">
              <strong>{m.name}</strong> <time dateTime={m.at}>{timeOf(m.at)}</time>
            </span>
            <span class="chat-text">
              <ChatText text={m.text} />
            </span>
          </li>
        ))}
      </ol>
      <form class="chat-form" onSubmit={send}>
        <label for="chat-input" class="visually-hidden">
          Message
        </label>
        <input id="chat-input" ref={input} placeholder="Message everyone" maxLength={2000} autocomplete="off" value={text.value} onInput={(e) => (text.value = e.currentTarget.value)} />
        <button type="submit" class="primary">
          Send
        </button>
      </form>
      {problem.value && (
        <p class="field-error chat-problem" role="alert">
          {problem.value}
        </p>
      )}
    </PanelFrame>
  );
}

/** A message's text with its http and https URLs as links that open in a new tab, knowing nothing of this page. */
function ChatText({ text }: { text: string }) {
  return (
    <>
      {linkify(text).map((segment, i) =>
        segment.href ? (
          <a key={i} href={segment.href} target="_blank" rel="noopener noreferrer">
            {segment.text}
          </a>
        ) : (
          segment.text
        ),
      )}
    </>
  );
}

/** Kept mounted once opened (hidden when another panel shows), so the editor keeps its connection. */
export function NotesPanel({ code, name, seat, hidden, onClose }: { code: string; name: string; seat?: () => string | null; hidden: boolean; onClose(): void }) {
  const host = useRef<HTMLDivElement>(null);
  const status = useSignal<"loading" | "connecting" | "connected" | "disconnected" | "failed">("loading");
  const failure = useSignal<string | null>(null);
  const editor = useRef<NotesEditor | null>(null);
  const shown = useRef(!hidden);
  shown.current = !hidden;
  // Showing the notes puts the cursor in the editor (once it has loaded, if it has not yet).
  useEffect(() => {
    if (!hidden) editor.current?.focus();
  }, [hidden]);
  useEffect(() => {
    let cancelled = false;
    loadLazy<NotesEditorPart>("notes-editor").then(
      (part) => {
        if (cancelled || !host.current) return;
        status.value = "connecting";
        editor.current = part.mount(host.current, { code, name, seat, onStatus: (s) => (status.value = s) });
        if (shown.current) editor.current.focus();
      },
      (err) => {
        status.value = "failed";
        failure.value = (err as Error).message;
      },
    );
    return () => {
      cancelled = true;
      editor.current?.destroy();
      editor.current = null;
    };
  }, [code]);
  const label = { loading: "Loading the editor…", connecting: "Connecting…", connected: "Saved as you type", disconnected: "Offline: changes are kept and sent when the connection is back", failed: failure.value ?? "The editor could not load" }[status.value];
  return (
    <PanelFrame title="Notes" id="notes-panel" onClose={onClose} hidden={hidden}>
      <p class={`notes-status ${status.value}`} role="status">
        {label}
      </p>
      <div class="notes-editor" ref={host} />
    </PanelFrame>
  );
}
