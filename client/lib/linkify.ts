/**
 * Splits a chat message into text and links, so links can be drawn as <a> elements (never through
 * innerHTML). Only http: and https: URLs written out in full become links; anything else
 * (javascript:, data:, a bare domain) stays text. Punctuation that ends a sentence is not part of
 * the link ("see https://example.com." links https://example.com).
 */
export type Segment = { text: string; href?: undefined } | { text: string; href: string };

const URL_LIKE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?'"*_~]+$/;

/** `raw` without what ends the sentence around it: trailing punctuation, an unmatched closing bracket. */
function trimEnd(raw: string): string {
  let url = raw;
  for (;;) {
    const before = url;
    url = url.replace(TRAILING, "");
    for (const [open, close] of [["(", ")"], ["[", "]"], ["{", "}"]] as const) {
      if (url.endsWith(close) && url.split(open).length < url.split(close).length) url = url.slice(0, -1);
    }
    if (url === before) return url;
  }
}

function safeHref(candidate: string): string | null {
  try {
    const url = new URL(candidate);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

export function linkify(text: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_LIKE)) {
    const start = match.index!;
    const raw = trimEnd(match[0]);
    const href = raw.length > "https://".length - 1 ? safeHref(raw) : null;
    if (!href) continue;
    if (start > last) out.push({ text: text.slice(last, start) });
    out.push({ text: raw, href });
    last = start + raw.length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}
