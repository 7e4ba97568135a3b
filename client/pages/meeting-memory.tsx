/**
 * A meeting afterwards (`/m/:code/memory`; `/m/:code` stays the live room): who took part, the
 * recording with the speaker timeline, the notes on the meeting's clock, talk time, action items.
 * The page's body is a lazily loaded part (client/lazy/meeting-memory.tsx) so the bundle every page
 * loads stays small; this shell gives it the layout and a place to render.
 */
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { Layout } from "../components/layout.tsx";
import { loadLazy } from "../lib/lazy.ts";
import type { MeetingMemoryPart } from "../lazy/meeting-memory-types.ts";

export function MeetingMemoryPage({ code }: { code: string }) {
  const host = useRef<HTMLDivElement>(null);
  const title = useSignal("Meeting");
  const failed = useSignal<string | null>(null);
  useEffect(() => {
    let unmount: (() => void) | null = null;
    let cancelled = false;
    loadLazy<MeetingMemoryPart>("meeting-memory").then(
      (part) => {
        if (cancelled || !host.current) return;
        unmount = part.mount(host.current, { code, onTitle: (t) => (title.value = t) });
      },
      (err) => !cancelled && (failed.value = (err as Error).message),
    );
    return () => {
      cancelled = true;
      unmount?.();
    };
  }, [code]);
  return (
    <Layout title={title.value}>
      {failed.value ? (
        <p role="alert" class="form-error">
          Could not load the meeting page: {failed.value}
        </p>
      ) : (
        <div ref={host} class="memory-host">
          <p role="status">Loading the meeting…</p>
        </div>
      )}
    </Layout>
  );
}
