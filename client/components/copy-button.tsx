/**
 * A button that copies a text (a code, a link, a feed address) and says, politely, whether it did.
 * Its accessible name says what is copied; the visible text is the short form within it.
 */
import { useSignal } from "@preact/signals";
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

/** Puts text on the clipboard; false when the browser refuses (no permission, insecure page). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

export function CopyButton({ text, label, children = "Copy" }: { text: string; label: string; children?: ComponentChildren }) {
  const said = useSignal<"" | "copied" | "failed">("");
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  async function copy() {
    said.value = (await copyText(text)) ? "copied" : "failed";
    clearTimeout(timer.current);
    timer.current = setTimeout(() => (said.value = ""), 4000);
  }
  return (
    <span class="copy">
      <button type="button" class="copy-button" aria-label={label} onClick={copy}>
        {children}
      </button>
      <span role="status" class={said.value === "failed" ? "copy-status field-error" : "copy-status"}>
        {said.value === "copied" ? "Copied" : said.value === "failed" ? "Could not copy: select it and copy by hand" : ""}
      </span>
    </span>
  );
}
