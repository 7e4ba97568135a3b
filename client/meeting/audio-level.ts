/**
 * How loud a microphone is, measured in this page (no server): an AnalyserNode on the captured
 * audio track. One AudioContext serves every reader and is suspended while none is open, so an idle
 * page runs no audio thread.
 */
import { rms } from "./speech-detector.ts";

let context: AudioContext | null = null;
let open = 0;

export interface LevelReader {
  /** The RMS level (0–1) of the latest few tens of milliseconds. */
  level(): number;
  dispose(): void;
}

/**
 * Reads the level of `track`. A disabled track (a muted microphone) reads as silence: to hear a
 * muted microphone, pass a clone (its own `enabled`), and the reader stops the clone on dispose
 * when `ownsTrack` is set.
 */
export function createLevelReader(track: MediaStreamTrack, { fftSize = 2048, ownsTrack = false }: { fftSize?: number; ownsTrack?: boolean } = {}): LevelReader | null {
  let ctx: AudioContext;
  try {
    ctx = context ??= new AudioContext();
  } catch {
    return null;
  }
  open++;
  // Created or resumed after a click (Join, Mute) the context may run; before one it may stay suspended and read silence.
  if (ctx.state === "suspended") void ctx.resume().catch(() => undefined);
  const source = ctx.createMediaStreamSource(new MediaStream([track]));
  const analyser = ctx.createAnalyser();
  analyser.fftSize = fftSize;
  source.connect(analyser);
  const buffer = new Float32Array(analyser.fftSize);
  let disposed = false;
  return {
    level() {
      if (disposed) return 0;
      analyser.getFloatTimeDomainData(buffer);
      return rms(buffer);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      source.disconnect();
      if (ownsTrack) track.stop();
      if (--open === 0) void ctx.suspend().catch(() => undefined);
    },
  };
}
