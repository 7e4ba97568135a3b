/**
 * Full screen for a tile or the whole meeting, through Element.requestFullscreen. `fullscreenElement`
 * follows the document's (the person may leave with Esc or the browser's own control).
 */
import { signal, type ReadonlySignal } from "@preact/signals";

const current = signal<Element | null>(null);
let listening = false;

/** Whether this browser lets a page go full screen (iPhone Safari does not, for anything but a video). */
export const canFullscreen = () => typeof document !== "undefined" && document.fullscreenEnabled === true;

/** The element shown full screen now, if any. */
export function fullscreenElement(): ReadonlySignal<Element | null> {
  if (!listening && typeof document !== "undefined") {
    listening = true;
    current.value = document.fullscreenElement;
    document.addEventListener("fullscreenchange", () => (current.value = document.fullscreenElement));
  }
  return current;
}

/** Shows `el` full screen, or leaves full screen when it already is. */
export async function toggleFullscreen(el: Element | null): Promise<void> {
  if (!el) return;
  try {
    if (document.fullscreenElement === el) await document.exitFullscreen();
    else await el.requestFullscreen();
  } catch {
    // Refused (no user gesture, or a frame without permission): nothing changes, and the button says so.
  }
}
