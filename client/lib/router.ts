/**
 * A tiny client-side router: the current path as a signal, `navigate()` for links and redirects,
 * and `matchRoute()` for `/m/:code`-style patterns. The server serves the app at every page path.
 */
import { signal, type ReadonlySignal } from "@preact/signals";

const path = signal(globalThis.location?.pathname ?? "/");
globalThis.addEventListener?.("popstate", () => (path.value = location.pathname));

/** The current path (`/m/k7fq-xm3t-rpzw`). */
export const currentPath: ReadonlySignal<string> = path;

export function navigate(to: string, { replace = false } = {}) {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  path.value = location.pathname;
}

/** The params of `pattern` in `pathname`, or null when it does not match. */
export function matchRoute(pattern: string, pathname: string): Record<string, string> | null {
  const want = pattern.split("/").filter(Boolean);
  const have = pathname.split("/").filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const h = have[i]!;
    if (w.startsWith(":")) params[w.slice(1)] = decodeURIComponent(h);
    else if (w !== h) return null;
  }
  return params;
}

/** Follows a same-origin link without reloading the page (ctrl/cmd-click still opens a tab). */
export function onLinkClick(event: MouseEvent) {
  const a = event.currentTarget as HTMLAnchorElement;
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  if (a.origin !== location.origin) return;
  event.preventDefault();
  navigate(a.pathname + a.search);
}
