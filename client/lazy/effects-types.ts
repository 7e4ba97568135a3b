/**
 * The types of the two media effects parts, apart from them so the app names them without pulling
 * MediaPipe or RNNoise into the pages' bundle. Load with `loadLazy<BlurPart>("blur")` and
 * `loadLazy<NoisePart>("noise")` (client/lib/lazy.ts): each is fetched only when switched on.
 */

/** A running effect: `track` is the processed track to send and show; `stop()` ends all its work. */
export interface TrackProcessor {
  track: MediaStreamTrack;
  /** Stops the processing (no timer, reader or audio graph left running) and the processed track; never the source. */
  stop(): void;
}

export interface BlurProcessor extends TrackProcessor {
  /** Frames composited so far, and the milliseconds spent segmenting and compositing them. */
  stats(): { frames: number; busyMs: number };
}

/** What client/lazy/blur.ts registers as `globalThis.__dictateLazy.blur`. */
export interface BlurPart {
  /** Background blur of `source` (a camera track) with MediaPipe's selfie segmentation. */
  blur(source: MediaStreamTrack): Promise<BlurProcessor>;
}

/** What client/lazy/noise.ts registers as `globalThis.__dictateLazy.noise`. */
export interface NoisePart {
  /** Noise suppression of `source` (a microphone track) with RNNoise in an AudioWorklet. */
  suppress(source: MediaStreamTrack): Promise<TrackProcessor>;
}
