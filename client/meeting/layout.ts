/**
 * Which tiles go where: the even grid, or a stage (one large tile, or the shared screens) with
 * everyone else in a strip beside it. Pure, so the rules are tested without rendering.
 *
 * - A pinned tile is the stage, whatever the view.
 * - Otherwise a shared screen is (as before: a screen is unreadable in a grid cell).
 * - Otherwise, in speaker view, the active speaker's camera is: the person who spoke last among
 *   the others (you never fill your own stage while someone else is here), or the first of the
 *   others until someone speaks.
 * - Otherwise the grid holds every camera.
 */
export type LayoutView = "grid" | "speaker";

export interface LayoutTile {
  key: string;
  kind: "camera" | "screen";
  isSelf: boolean;
  participant: { id: string };
}

export type Arrangement<T extends LayoutTile> =
  | { mode: "grid"; grid: T[] }
  | { mode: "stage"; why: "pinned" | "screen" | "speaker"; stage: T[]; strip: T[] };

export function arrangeTiles<T extends LayoutTile>(tiles: readonly T[], { view, pinned, speakerId }: { view: LayoutView; pinned: string | null; speakerId: string | null }): Arrangement<T> {
  const rest = (stage: T[]) => tiles.filter((t) => !stage.includes(t));
  const pin = pinned ? tiles.find((t) => t.key === pinned) : undefined;
  if (pin) return { mode: "stage", why: "pinned", stage: [pin], strip: rest([pin]) };
  const screens = tiles.filter((t) => t.kind === "screen");
  if (screens.length) return { mode: "stage", why: "screen", stage: screens, strip: rest(screens) };
  const cameras = tiles.filter((t) => t.kind === "camera");
  if (view === "speaker" && cameras.length > 1) {
    const others = cameras.filter((t) => !t.isSelf);
    const speaker = others.find((t) => t.participant.id === speakerId) ?? others[0]!;
    return { mode: "stage", why: "speaker", stage: [speaker], strip: rest([speaker]) };
  }
  return { mode: "grid", grid: cameras };
}

/**
 * The arrangement `previous` again, with the tiles as they are now: while a tile is full screen,
 * nothing may move it to another part of the page (a new speaker, a pin, a screen share), since
 * the browser leaves full screen when its element is taken out of the page. Tiles that came
 * meanwhile join the strip (or the grid); tiles that went are dropped.
 */
export function holdPlaces<T extends LayoutTile>(previous: Arrangement<T>, tiles: readonly T[]): Arrangement<T> {
  const now = new Map(tiles.map((t) => [t.key, t]));
  const keep = (ts: T[]) => ts.flatMap((t) => now.get(t.key) ?? []);
  const placed = new Set((previous.mode === "grid" ? previous.grid : [...previous.stage, ...previous.strip]).map((t) => t.key));
  const added = tiles.filter((t) => !placed.has(t.key));
  if (previous.mode === "grid") return { mode: "grid", grid: [...keep(previous.grid), ...added] };
  return { ...previous, stage: keep(previous.stage), strip: [...keep(previous.strip), ...added] };
}

/**
 * The one to show in speaker view: who speaks now, unless that is you, then who spoke before you.
 * Returns the id to remember as the last other speaker.
 */
export function nextStageSpeaker(speaking: string | null, selfId: string | null, previous: string | null): string | null {
  return speaking && speaking !== selfId ? speaking : previous;
}
