/** One tile of the meeting grid: a participant's camera (or a screen), their name, mute and speaking state. */
import { useEffect, useRef } from "preact/hooks";
import type { Tile } from "../meeting/room-state.ts";
import { HandIcon, MicOffIcon } from "./icons.tsx";

const initials = (name: string) =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join("");

export function VideoTile({ tile }: { tile: Tile }) {
  const video = useRef<HTMLVideoElement>(null);
  const { participant: p, stream, kind, isSelf } = tile;

  useEffect(() => {
    const el = video.current;
    if (!el || el.srcObject === stream) return;
    el.srcObject = stream;
    // Autoplay with sound can be refused before the person interacted with the page; joining is a click.
    if (stream) el.play().catch(() => undefined);
  }, [stream]);

  const hasVideo = !!stream && stream.getVideoTracks().length > 0;
  const showAvatar = kind === "camera" && (p.videoMuted || !hasVideo);
  const label = `${p.name}${isSelf ? " (you)" : ""}${kind === "screen" ? ", screen" : ""}`;

  return (
    <figure
      class={`tile${tile.speaking ? " speaking" : ""}${p.connection === "reconnecting" ? " away" : ""}${kind === "screen" ? " screen" : ""}${kind === "camera" && p.handRaised ? " hand" : ""}`}
      data-participant-id={p.id}
      data-kind={kind}
      data-speaking={tile.speaking ? "true" : "false"}
      data-self={isSelf ? "true" : "false"}
    >
      {/* Remote cameras carry the audio too, so the element stays even while the picture is off. */}
      <video ref={video} autoplay playsInline muted={isSelf || kind === "screen"} class={isSelf && kind === "camera" ? "mirror" : undefined} />
      {showAvatar && (
        <div class="avatar" aria-hidden="true">
          <span>{initials(p.name) || "?"}</span>
        </div>
      )}
      {kind === "camera" && !isSelf && p.connection === "reconnecting" && (
        <p class="tile-state" role="status">
          Reconnecting…
        </p>
      )}
      <figcaption>
        <span class="name">{label}</span>
        {kind === "camera" && p.audioMuted && <MicOffIcon class="muted-indicator" label="Microphone muted" />}
        {kind === "camera" && p.handRaised && <HandIcon class="hand-indicator" label="Hand raised" />}
        {tile.speaking && <span class="visually-hidden">, speaking</span>}
      </figcaption>
    </figure>
  );
}
