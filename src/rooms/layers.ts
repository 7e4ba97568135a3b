/**
 * Which simulcast layer a subscriber gets of one received video stream, from what its tile shows
 * (DESIGN.md "media quality"): a tile that is not visible gets no video at all, the stage and a
 * screen share get the top layer, and otherwise the tile's height in device pixels picks the
 * smallest layer that serves it (LAYER_HEIGHTS). Pure, so the rule is tested on its own.
 *
 * Camera publishers send three VP8 layers (client/meeting/media.ts): substream 0 ≈ 320×180,
 * 1 ≈ 640×360, 2 ≈ 1280×720; temporal layer 2 is the full frame rate.
 */

/** What the client said about one tile (heights and widths in device pixels). */
export interface TileView {
  visible: boolean;
  width: number;
  height: number;
  /** The tile is the stage (pinned, the active speaker in speaker view, or full screen). */
  stage?: boolean;
}

/** What Janus is asked to send for one subscriber video stream. */
export interface LayerChoice {
  send: boolean;
  /** Simulcast substream (0 lowest … 2 highest); absent when nothing is sent. */
  substream?: 0 | 1 | 2;
  /** VP8 temporal layer (2: every frame). */
  temporal?: 0 | 1 | 2;
}

/**
 * The largest tile height each lower layer serves; taller tiles get the top layer. A layer serves
 * tiles up to 4/3 of its own height (180 → 240, 360 → 480): slightly upscaled, a grid tile looks the
 * same, and a laptop's six-person grid (tiles ~230 px high) takes the 150 kbit/s layer instead of the
 * 500 kbit/s one.
 */
export const LAYER_HEIGHTS = { low: 240, mid: 480 } as const;

/**
 * How long a simulcast subscriber may miss packets of its layer before Janus drops it to the layer
 * below by itself, in microseconds (the VideoRoom's `fallback`): a lossy receiver degrades instead of
 * freezing.
 */
export const FALLBACK_US = 250_000;

/**
 * `cap` is the highest substream the receiver says its link takes now (it lowers it when its video
 * loses packets or frames, and raises it again when the link recovers): it bounds every camera.
 */
export function chooseLayer(kind: "camera" | "screen", view: TileView, cap: 0 | 1 | 2 = 2): LayerChoice {
  if (!view.visible || view.width <= 0 || view.height <= 0) return { send: false };
  // A screen share is sent in one layer: there is nothing lower to fall to.
  if (kind === "screen") return { send: true, substream: 2, temporal: 2 };
  const wanted = view.stage ? 2 : view.height <= LAYER_HEIGHTS.low ? 0 : view.height <= LAYER_HEIGHTS.mid ? 1 : 2;
  return { send: true, substream: Math.min(wanted, cap) as 0 | 1 | 2, temporal: 2 };
}

export const sameChoice = (a: LayerChoice | undefined, b: LayerChoice) => !!a && a.send === b.send && a.substream === b.substream && a.temporal === b.temporal;
