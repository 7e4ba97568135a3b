/**
 * Markdown written by people (agendas), rendered by the lazily loaded Markdown part
 * (client/lazy/markdown.ts: micromark, raw HTML escaped), so the renderer stays out of the initial
 * bundle. Until it has loaded, or if it cannot load, the source shows as plain text with its line
 * breaks.
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { MarkdownPart } from "../lazy/markdown.ts";
import { loadLazy } from "../lib/lazy.ts";

export function Markdown({ source, class: cls }: { source: string; class?: string }) {
  const html = useSignal<string | null>(null);
  useEffect(() => {
    let alive = true;
    html.value = null;
    loadLazy<MarkdownPart>("markdown").then(
      (part) => {
        if (alive) html.value = part.render(source);
      },
      () => {
        // The plain text stays: it says everything the Markdown does.
      },
    );
    return () => {
      alive = false;
    };
  }, [source]);
  const classes = ["markdown", cls].filter(Boolean).join(" ");
  // micromark escapes raw HTML, so what people wrote cannot add markup to the page.
  return html.value === null ? <div class={`${classes} markdown-plain`}>{source}</div> : <div class={classes} dangerouslySetInnerHTML={{ __html: html.value }} />;
}
