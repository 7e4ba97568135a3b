/**
 * The lobby's waiting screen: a guest (or a team meeting's outsider) knocked and waits for a host to
 * let them in, looking at their own camera meanwhile. Leaving from here frees nothing but the knock.
 */
import { useEffect, useRef } from "preact/hooks";
import { ThemeToggle } from "../components/layout.tsx";
import type { RoomState } from "./room-state.ts";

export function LobbyWaiting({ room, title, stream, onLeave }: { room: RoomState; title: string; stream: MediaStream | null; onLeave(): void }) {
  const video = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (video.current && stream) video.current.srcObject = stream;
  }, [stream]);
  const hasVideo = !!stream?.getVideoTracks().some((t) => t.readyState === "live" && t.enabled);
  return (
    <main id="main" class="page lobby-waiting">
      <div class="prejoin-header">
        <span class="brand">Dictate</span>
        <ThemeToggle />
      </div>
      <div class="lobby-card">
        <div class="lobby-preview">
          {hasVideo ? <video ref={video} autoplay muted playsInline aria-label="Your camera preview" /> : <p class="lobby-no-camera">Your camera is off</p>}
        </div>
        <div class="lobby-text">
          <h1>Waiting to be let in</h1>
          {title && <p class="lobby-title">{title}</p>}
          <p role="status" aria-live="polite">
            {room.status.value === "reconnecting" ? "Reconnecting…" : "A host of this meeting will let you in soon. Keep this page open."}
          </p>
          <span class="lobby-spinner" aria-hidden="true" />
          <div class="row">
            <button type="button" onClick={onLeave}>
              Leave
            </button>
          </div>
        </div>
      </div>
    </main>
  );
}
