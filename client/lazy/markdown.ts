/**
 * The Markdown renderer for reading notes, loaded lazily (client/lib/lazy.ts). micromark escapes raw
 * HTML by default, so notes written by anyone in a meeting cannot inject markup into the page.
 */
import { micromark } from "micromark";

export interface MarkdownPart {
  /** Safe HTML for `markdown` (raw HTML in the source is shown as text). */
  render(markdown: string): string;
}

const part: MarkdownPart = { render: (markdown) => micromark(markdown) };
const registry = ((globalThis as { __dictateLazy?: Record<string, unknown> }).__dictateLazy ??= {});
registry.markdown = part;
