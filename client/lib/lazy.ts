/**
 * Loads a lazily served part of the client (the notes editor, the Markdown renderer).
 *
 * Bun's HTML-import bundler does not split code: a dynamic `import()` in the app would be inlined
 * into the one bundle every page loads. So each heavy part is its own small HTML entry under
 * client/lazy/, which the server bundles separately and serves at `/_lazy/<name>`; this fetches that
 * page, finds its script and imports it. The part's module registers its exports on
 * `globalThis.__dictateLazy[name]`.
 */
const cache = new Map<string, Promise<unknown>>();

export function loadLazy<T>(name: string): Promise<T> {
  let part = cache.get(name);
  if (!part) {
    part = (async () => {
      const html = await fetch(`/_lazy/${name}`).then((r) => {
        if (!r.ok) throw new Error(`Could not load ${name} (${r.status})`);
        return r.text();
      });
      const src = /<script[^>]+src="([^"]+)"/.exec(html)?.[1];
      if (!src) throw new Error(`Could not load ${name}`);
      for (const [, href] of html.matchAll(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g)) {
        const link = document.createElement("link");
        link.rel = "stylesheet";
        link.href = href!;
        document.head.append(link);
      }
      await import(/* @vite-ignore */ new URL(src, location.origin).href);
      const exports = (globalThis as { __dictateLazy?: Record<string, unknown> }).__dictateLazy?.[name];
      if (!exports) throw new Error(`Could not load ${name}`);
      return exports;
    })();
    part.catch(() => cache.delete(name));
    cache.set(name, part);
  }
  return part as Promise<T>;
}
