/**
 * Short tones for what everyone must notice even when not looking: recording starting (two rising
 * beeps) and stopping (one falling), and the pre-join screen's speaker test (a three-note chime).
 * Made with Web Audio, no sound files; quiet by design.
 */
let context: AudioContext | null = null;

export type ToneKind = "recording-started" | "recording-stopped" | "speaker-test" | "knock";

const TONES: Record<ToneKind, { notes: number[]; step: number; length: number; gain: number }> = {
  "recording-started": { notes: [660, 880], step: 0.18, length: 0.15, gain: 0.15 },
  "recording-stopped": { notes: [660, 440], step: 0.18, length: 0.15, gain: 0.15 },
  "speaker-test": { notes: [523, 659, 784], step: 0.3, length: 0.28, gain: 0.25 },
  /** Someone knocks in the lobby (hosts hear it). */
  knock: { notes: [784, 784], step: 0.16, length: 0.1, gain: 0.15 },
};

/** Plays a tone; returns how long it lasts, in milliseconds (0 when nothing could play). */
export function playTone(kind: ToneKind): number {
  const { notes, step, length, gain: level } = TONES[kind];
  try {
    context ??= new AudioContext();
    const ctx = context;
    if (ctx.state === "suspended") void ctx.resume().catch(() => undefined);
    notes.forEach((frequency, i) => {
      const at = ctx.currentTime + i * step;
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(level, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + length);
      osc.connect(gain).connect(ctx.destination);
      osc.start(at);
      osc.stop(at + length + 0.01);
    });
    return Math.round(((notes.length - 1) * step + length) * 1000);
  } catch {
    // No audio output (or none allowed yet): the visible notice still says it.
    return 0;
  }
}
