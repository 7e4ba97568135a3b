/**
 * The meeting's one-key shortcuts (M, V, S, H, C, N, P) and when they may fire. A key typed while
 * focus is on anything that takes keys itself — a text field, a button, a link, a menu, a dialog —
 * belongs to that control, never to a shortcut: typing on a focused toolbar button once started a
 * recording. Recording has no shortcut at all; it asks for confirmation.
 */

/** Elements (and their insides) whose keys are their own. */
const TAKES_KEYS = [
  "input", "textarea", "select", "button", "a[href]", "summary", "video[controls]", "audio[controls]",
  "[contenteditable]:not([contenteditable='false'])", "dialog[open]",
  ...["button", "link", "menuitem", "menuitemcheckbox", "menuitemradio", "tab", "checkbox", "radio", "switch", "slider", "spinbutton", "textbox", "searchbox", "combobox", "listbox", "option", "toolbar", "menu", "menubar", "dialog", "alertdialog"].map((r) => `[role='${r}']`),
].join(", ");

/** Whether a key pressed with focus on `target` may trigger a one-key shortcut. */
export function shortcutAllowedOn(target: EventTarget | null): boolean {
  if (!(target instanceof Element)) return true;
  if (target instanceof HTMLElement && target.isContentEditable) return false;
  return target.closest(TAKES_KEYS) === null;
}

/** The shortcut keys, for `aria-keyshortcuts` and the settings text. */
export const SHORTCUT_KEYS = { mic: "m", camera: "v", screen: "s", hand: "h", chat: "c", notes: "n", people: "p" } as const;
