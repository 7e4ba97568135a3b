/**
 * Light or dark: follows the system until the person picks one, and the pick is remembered in this
 * browser. The choice sits on <html data-theme>; styles.css reads it.
 */
import { computed, signal, type ReadonlySignal } from "@preact/signals";

export type Theme = "light" | "dark";
const KEY = "dictate.theme";
const media = globalThis.matchMedia?.("(prefers-color-scheme: dark)");

function stored(): Theme | null {
  try {
    const v = localStorage.getItem(KEY);
    return v === "light" || v === "dark" ? v : null;
  } catch {
    return null;
  }
}

const chosen = signal<Theme | null>(stored());
const system = signal<Theme>(media?.matches ? "dark" : "light");
media?.addEventListener?.("change", (e) => (system.value = e.matches ? "dark" : "light"));

/** The theme in effect now. */
export const theme: ReadonlySignal<Theme> = computed(() => chosen.value ?? system.value);

function apply() {
  const root = globalThis.document?.documentElement;
  if (!root) return;
  if (chosen.value) root.dataset.theme = chosen.value;
  else delete root.dataset.theme;
}

export function setTheme(next: Theme) {
  chosen.value = next;
  try {
    localStorage.setItem(KEY, next);
  } catch {
    // Storage refused: the choice lasts until the page is closed.
  }
  apply();
}

export function toggleTheme() {
  setTheme(theme.peek() === "dark" ? "light" : "dark");
}

apply();
