/**
 * One tile of the meeting: a participant's camera (or a screen), their name, mute and speaking
 * state, and its own controls — pin it as the stage, show it full screen — named for screen readers
 * and shown on hover or focus (always on touch screens).
 */
import { useEffect, useRef } from "preact/hooks";
import type { Quality } from "../meeting/quality.ts";
import type { Tile } from "../meeting/room-state.ts";
import type { ViewReporter } from "../meeting/view-reporter.ts";
import { canFullscreen, fullscreenElement, toggleFullscreen } from "../meeting/fullscreen.ts";
import { HandIcon, MicOffIcon } from "./icons.tsx";
import { ExitFullscreenIcon, FullscreenIcon, PinIcon, SpeakingIcon, UnpinIcon } from "./room-icons.tsx";

const initials = (name: string) =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join("");

const QUALITY_TEXT: Record<Quality, string> = { good: "Connection: good", fair: "Connection: fair", poor: "Connection: poor" };

/**
 * `views` learns what the tile shows (its size, whether it is on screen; `stage` when it is the stage)
 * so the SFU sends the layer it needs; `quality` is the connection mark of what it receives;
 * `videoOff` (audio only) shows the avatar instead of a picture that no longer comes.
 */
export function VideoTile({
  tile,
  pinned = false,
  onPin,
  views,
  stage = false,
  quality = null,
  videoOff = false,
}: {
  tile: Tile;
  pinned?: boolean;
  onPin?(): void;
  views?: ViewReporter;
  stage?: boolean;
  quality?: Quality | null;
  videoOff?: boolean;
}) {
  const figure = useRef<HTMLElement>(null);
  const video = useRef<HTMLVideoElement>(null);
  const { participant: p, stream, kind, isSelf } = tile;
  const full = fullscreenElement().value !== null && fullscreenElement().value === figure.current;

  useEffect(() => {
    const el = video.current;
    if (!el || el.srcObject === stream) return;
    el.srcObject = stream;
    // Autoplay with sound can be refused before the person interacted with the page; joining is a click.
    if (stream) el.play().catch(() => undefined);
  }, [stream]);

  const videoTrack = isSelf ? null : (stream?.getVideoTracks()[0] ?? null);
  // Full screen is the stage too: the tile fills the screen and deserves the top layer.
  const onStage = stage || full;
  useEffect(() => {
    const el = figure.current;
    if (!views || !el || !videoTrack) return;
    return views.watch(el, videoTrack, onStage);
  }, [views, videoTrack, onStage]);

  const hasVideo = !!stream && stream.getVideoTracks().length > 0;
  const showAvatar = (kind === "camera" && (p.videoMuted || !hasVideo)) || (videoOff && !isSelf);
  const label = `${p.name}${isSelf ? " (you)" : ""}${kind === "screen" ? ", screen" : ""}`;

  return (
    <figure
      ref={figure}
      class={`tile${tile.speaking ? " speaking" : ""}${pinned ? " pinned" : ""}${p.connection === "reconnecting" ? " away" : ""}${kind === "screen" ? " screen" : ""}${kind === "camera" && p.handRaised ? " hand" : ""}`}
      data-participant-id={p.id}
      data-kind={kind}
      data-speaking={tile.speaking ? "true" : "false"}
      data-self={isSelf ? "true" : "false"}
    >
      {/* Remote cameras carry the audio too, so the element stays even while the picture is off. */}
      <video ref={video} autoplay playsInline muted={isSelf || kind === "screen"} class={isSelf && kind === "camera" ? "mirror" : undefined} />
      {tile.reaction && (
        <span class="tile-reaction" role="img" aria-label={`${p.name} reacted ${tile.reaction}`} key={tile.reaction}>
          {tile.reaction}
        </span>
      )}
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
      <div class="tile-actions">
        {onPin && (
          <button type="button" class="tile-action" aria-pressed={pinned} aria-label={`${pinned ? "Unpin" : "Pin"} ${label}`} title={pinned ? "Unpin" : "Pin to the stage"} onClick={onPin}>
            {pinned ? <UnpinIcon /> : <PinIcon />}
          </button>
        )}
        {canFullscreen() && (
          <button
            type="button"
            class="tile-action"
            aria-label={full ? "Exit full screen" : `Show ${label} full screen`}
            title={full ? "Exit full screen" : "Full screen"}
            onClick={() => void toggleFullscreen(figure.current)}
          >
            {full ? <ExitFullscreenIcon /> : <FullscreenIcon />}
          </button>
        )}
      </div>
      <figcaption>
        {tile.speaking && <SpeakingIcon class="speaking-indicator" />}
        <span class="name">{label}</span>
        {pinned && <PinIcon class="pin-indicator" label="Pinned" />}
        {kind === "camera" && p.audioMuted && <MicOffIcon class="muted-indicator" label="Microphone muted" />}
        {kind === "camera" && p.handRaised && <HandIcon class="hand-indicator" label="Hand raised" />}
        {tile.speaking && <span class="visually-hidden">, speaking</span>}
        {quality && !isSelf && (
          <span class={`quality-mark ${quality}`} role="img" aria-label={QUALITY_TEXT[quality]} title={QUALITY_TEXT[quality]} data-quality={quality}>
            <i />
            <i />
            <i />
          </span>
        )}
      </figcaption>
    </figure>
  );
}
