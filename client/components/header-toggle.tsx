import type { ComponentChildren } from "preact";

/**
 * An on/off button of the meeting header: its name stays the same and `aria-pressed` says the state
 * (the visible label hides at phone width; `title` says what a press does now).
 */
export function HeaderToggle({ on, label, title, icon, onToggle }: { on: boolean; label: string; title: string; icon: ComponentChildren; onToggle(): void }) {
  return (
    <button type="button" class={`header-button${on ? " on" : ""}`} aria-pressed={on} aria-label={label} title={title} onClick={onToggle}>
      {icon}
      <span class="header-button-label">{label}</span>
    </button>
  );
}
