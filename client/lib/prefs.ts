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

const EFFECTS_KEY = "dictate.effects";

/** Background blur and noise suppression as this browser last had them (both off by default). */
export interface EffectPrefs {
  blur: boolean;
  noise: boolean;
}

export function loadEffects(): EffectPrefs {
  try {
    const saved = JSON.parse(localStorage.getItem(EFFECTS_KEY) ?? "{}") as Partial<EffectPrefs>;
    return { blur: saved.blur === true, noise: saved.noise === true };
  } catch {
    return { blur: false, noise: false };
  }
}

export function saveEffects(prefs: EffectPrefs) {
  try {
    localStorage.setItem(EFFECTS_KEY, JSON.stringify(prefs));
  } catch {
    // Storage refused: both start off next time.
  }
}

const SIMULCAST_KEY = "dictate.simulcast";

/**
 * Simulcast and layer choice are on unless this browser's storage says `off`: a switch for
 * bench/meeting-load.ts to measure the path without them in the same run, not a setting people see.
 */
export function loadSimulcastOn(): boolean {
  try {
    return localStorage.getItem(SIMULCAST_KEY) !== "off";
  } catch {
    return true;
  }
}
