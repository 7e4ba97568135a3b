/** Small preferences kept in this browser (private browsing may refuse storage: then nothing is kept). */

const NAME_KEY = "dictate.displayName";

export function loadDisplayName(): string {
  try {
    return localStorage.getItem(NAME_KEY) ?? "";
  } catch {
    return "";
  }
}

export function saveDisplayName(name: string) {
  try {
    localStorage.setItem(NAME_KEY, name);
  } catch {
    // Storage refused: the name is asked again next time.
  }
}

const SHORTCUTS_KEY = "dictate.shortcuts";

/** Whether the meeting's one-key shortcuts are on (WCAG 2.1.4: a person can turn them off). */
export function loadShortcutsOn(): boolean {
  try {
    return localStorage.getItem(SHORTCUTS_KEY) !== "off";
  } catch {
    return true;
  }
}

export function saveShortcutsOn(on: boolean) {
  try {
    localStorage.setItem(SHORTCUTS_KEY, on ? "on" : "off");
  } catch {
    // Storage refused: the default (on) applies next time.
  }
}
