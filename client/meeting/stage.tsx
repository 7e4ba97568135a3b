/**
 * The meeting's video area in its two layouts: the even grid of cameras, or a stage (a pinned tile,
 * a shared screen, or in speaker view the active speaker) with everyone else in a strip beside it
 * (below it on a tall screen). Which tile goes where is decided in layout.ts; this renders it.
 * Also the header's view controls: grid or speaker view, and full screen for the whole meeting.
 */
import type { Signal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { HeaderToggle } from "../components/header-toggle.tsx";
import { ExitFullscreenIcon, FullscreenIcon, SpeakerViewIcon } from "../components/room-icons.tsx";
import { VideoTile } from "../components/video-tile.tsx";
import { canFullscreen, fullscreenElement, toggleFullscreen } from "./fullscreen.ts";
import { arrangeTiles, holdPlaces, nextStageSpeaker, type Arrangement, type LayoutView } from "./layout.ts";
import { tileQuality } from "./quality.ts";
import type { RoomState, Tile } from "./room-state.ts";

const VIEW_KEY = "dictate.view";

/** The view this browser used last (grid unless speaker view was chosen). */
export function loadView(): LayoutView {
  try {
    return localStorage.getItem(VIEW_KEY) === "speaker" ? "speaker" : "grid";
  } catch {
    return "grid";
  }
}

export function saveView(view: LayoutView) {
  try {
    localStorage.setItem(VIEW_KEY, view);
  } catch {
    // Not remembered; fine.
  }
}

/** Columns for n camera tiles, so 1–8 people fill the stage without scrolling. */
const columnsFor = (n: number) => (n <= 1 ? 1 : n <= 4 ? 2 : n <= 9 ? 3 : 4);

export function VideoArea({ room, view, pinned }: { room: RoomState; view: LayoutView; pinned: Signal<string | null> }) {
  // Speaker view keeps showing the last other person who spoke while you talk or all are quiet.
  const lastSpeaker = useRef<string | null>(null);
  lastSpeaker.current = nextStageSpeaker(room.speaking.value, room.self.value?.id ?? null, lastSpeaker.current);
  const tiles = room.tiles.value;
  const area = useRef<HTMLElement>(null);
  const held = useRef<Arrangement<Tile> | null>(null);
  // The document's own answer: it changes before the `fullscreenchange` event reaches the signal, and a
  // render in between (someone starts talking) must already hold the places, or the tile would move.
  fullscreenElement().value;
  const full = typeof document === "undefined" ? null : document.fullscreenElement;
  const tileIsFull = !!full && !!area.current?.contains(full);
  const layout = tileIsFull && held.current ? holdPlaces(held.current, tiles) : arrangeTiles(tiles, { view, pinned: pinned.value, speakerId: lastSpeaker.current });
  held.current = layout;
  // Pinning needs someone else to pin; alone, your tile is the whole stage anyway.
  const canPin = tiles.length > 1;
  // Pinning moves the tile to another part of the page, a new element: focus follows it to its pin button.
  const refocus = useRef<string | null>(null);
  useEffect(() => {
    const key = refocus.current;
    refocus.current = null;
    if (!key) return;
    const [id, kind] = key.split(":");
    area.current?.querySelector<HTMLElement>(`figure[data-participant-id="${id}"][data-kind="${kind}"] .tile-action[aria-pressed]`)?.focus();
  });
  const togglePin = (t: Tile) => {
    const hadFocus = !!document.activeElement?.closest?.(".tile-actions");
    pinned.value = pinned.value === t.key ? null : t.key;
    if (hadFocus) refocus.current = t.key;
  };
  const marks = room.quality.value;
  const videoOff = room.audioOnly.value !== "off";
  const tile = (t: Tile, stage = false) => (
    <VideoTile
      key={t.key}
      tile={t}
      pinned={pinned.value === t.key}
      onPin={canPin || pinned.value === t.key ? () => togglePin(t) : undefined}
      views={room.views}
      stage={stage}
      quality={tileQuality(marks, t.stream)}
      videoOff={videoOff}
    />
  );

  if (layout.mode === "grid") {
    const n = layout.grid.length;
    return (
      <section ref={area} class="video-area" aria-label="Participants' video" data-layout="grid">
        <div class="grid" style={{ "--cols": columnsFor(n), "--count": Math.max(1, n) }} data-count={n}>
          {layout.grid.map((t) => tile(t))}
        </div>
      </section>
    );
  }
  return (
    <section ref={area} class="video-area has-stage" aria-label="Participants' video" data-layout={layout.why}>
      <div class="stage-layout">
        <div class={`stage-main${layout.stage.length > 1 ? " several" : ""}`}>{layout.stage.map((t) => tile(t, true))}</div>
        {layout.strip.length > 0 && <div class="strip">{layout.strip.map((t) => tile(t))}</div>}
      </div>
    </section>
  );
}

/** Header buttons: speaker view on or off, and the whole meeting full screen. */
export function ViewControls({ view, onView }: { view: LayoutView; onView(v: LayoutView): void }) {
  const full = fullscreenElement().value === document.documentElement;
  const speaker = view === "speaker";
  return (
    <>
      <HeaderToggle
        on={speaker}
        label="Speaker view"
        title={speaker ? "Speaker view is on: back to the grid" : "Speaker view: the one speaking large, the others in a strip"}
        icon={<SpeakerViewIcon />}
        onToggle={() => onView(speaker ? "grid" : "speaker")}
      />
      {canFullscreen() && (
        <button type="button" class="header-button" aria-label={full ? "Exit full screen" : "Full screen"} title={full ? "Exit full screen" : "Show the meeting full screen"} onClick={() => void toggleFullscreen(document.documentElement)}>
          {full ? <ExitFullscreenIcon /> : <FullscreenIcon />}
        </button>
      )}
    </>
  );
}
