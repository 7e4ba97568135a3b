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
