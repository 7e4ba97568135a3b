/**
 * Inviting people: the header's Invite button, whose small popover holds the meeting's link and
 * code with copy buttons (reachable at every width: on a phone the header has no room for the code
 * itself), and the prompt shown while you are alone in the meeting.
 */
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { CopyButton } from "../components/copy-button.tsx";
import { CloseIcon, LinkIcon } from "../components/icons.tsx";
import { InviteIcon } from "../components/room-icons.tsx";

export const meetingLink = (code: string) => `${location.origin}/m/${code}`;

/**
 * A disclosure button and a non-modal popover (role dialog): opening moves focus into it, Esc or
 * the button closes it and gives focus back, Tab past its end or a click elsewhere closes it.
 */
export function InviteButton({ code }: { code: string }) {
  const open = useSignal(false);
  const button = useRef<HTMLButtonElement>(null);
  const popover = useRef<HTMLDivElement>(null);
  const link = meetingLink(code);

  useEffect(() => {
    if (!open.value) return;
    popover.current?.querySelector<HTMLElement>("button")?.focus();
    const onPointer = (e: PointerEvent) => {
      const t = e.target as Node;
      if (!popover.current?.contains(t) && !button.current?.contains(t)) open.value = false;
    };
    document.addEventListener("pointerdown", onPointer);
    return () => document.removeEventListener("pointerdown", onPointer);
  }, [open.value]);

  const close = () => {
    open.value = false;
    button.current?.focus();
  };

  return (
    <div
      class="invite"
      onKeyDown={(e) => {
        if (e.key === "Escape" && open.value) {
          // Ours: the room's Esc (close the side panel) leaves a prevented event alone.
          e.preventDefault();
          close();
        }
      }}
    >
      <button
        ref={button}
        type="button"
        class="header-button"
        aria-expanded={open.value}
        aria-controls="invite-popover"
        aria-label="Invite people"
        title="Invite people: the meeting's link and code"
        onClick={() => (open.value = !open.value)}
      >
        <InviteIcon />
        <span class="header-button-label">Invite</span>
      </button>
      <div
        ref={popover}
        id="invite-popover"
        class="invite-popover"
        role="dialog"
        aria-label="Invite people"
        hidden={!open.value}
        onFocusOut={(e) => {
          const to = e.relatedTarget as Node | null;
          if (to && !popover.current?.contains(to) && !button.current?.contains(to)) open.value = false;
        }}
      >
        <p class="invite-title">Send this link to the people you want in the meeting</p>
        <p class="invite-link">
          <code>{link}</code>
        </p>
        <CopyButton text={link} label="Copy link to the meeting">
          <LinkIcon /> Copy link
        </CopyButton>
        <p class="invite-code">
          <span>Or give them the code</span> <strong class="code">{code}</strong>
        </p>
        <CopyButton text={code} label={`Copy code ${code}`}>
          Copy code
        </CopyButton>
      </div>
    </div>
  );
}

/** Shown while nobody else is here: how to bring them in. Dismissed, it stays away for this visit. */
export function AlonePrompt({ code }: { code: string }) {
  const dismissed = useSignal(false);
  if (dismissed.value) return null;
  const link = meetingLink(code);
  return (
    <section class="alone-prompt" aria-labelledby="alone-title">
      <div class="alone-head">
        <h2 id="alone-title">Waiting for others</h2>
        <button type="button" class="icon-button" aria-label="Dismiss the invitation prompt" onClick={() => (dismissed.value = true)}>
          <CloseIcon />
        </button>
      </div>
      <p>You are the only one here. Copy the link and send it to the people you want to invite.</p>
      <p class="invite-link">
        <code>{link}</code>
      </p>
      <CopyButton text={link} label="Copy the link to invite others">
        <LinkIcon /> Copy the link
      </CopyButton>
    </section>
  );
}
