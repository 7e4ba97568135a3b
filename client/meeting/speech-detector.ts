/**
 * Tells speech from silence and clicks in a stream of microphone levels, for the "You are muted"
 * notice. Pure: it is fed `(level, atMs)` samples and answers whether to show the notice now.
 *
 * Speech is a run of loud samples whose gaps stay under `hangoverMs` (syllables and short pauses
 * belong to one run) and that lasts `minSpeechMs`; a single knock or cough is shorter and never
 * counts. Once shown, the notice is not asked for again within `cooldownMs`, however long the
 * person goes on talking.
 */
export interface SpeechDetectorOptions {
  /** RMS level (0–1) from which a sample counts as loud; 0.02 is about −34 dBFS. */
  threshold?: number;
  /** How long a run of speech must last before the notice shows. */
  minSpeechMs?: number;
  /** The longest quiet gap inside one run of speech. */
  hangoverMs?: number;
  /** The least time between two notices. */
  cooldownMs?: number;
}

export const SPEECH_DEFAULTS = { threshold: 0.02, minSpeechMs: 500, hangoverMs: 600, cooldownMs: 10_000 } as const;

export function createSpeechDetector(options: SpeechDetectorOptions = {}) {
  const { threshold, minSpeechMs, hangoverMs, cooldownMs } = { ...SPEECH_DEFAULTS, ...options };
  let runStart: number | null = null;
  let lastLoud = -Infinity;
  let lastNotice = -Infinity;

  return {
    /** Takes one sample; true when the notice should show now. */
    push(level: number, atMs: number): boolean {
      if (level < threshold) {
        if (atMs - lastLoud > hangoverMs) runStart = null;
        return false;
      }
      if (runStart === null || atMs - lastLoud > hangoverMs) runStart = atMs;
      lastLoud = atMs;
      if (atMs - runStart < minSpeechMs || atMs - lastNotice < cooldownMs) return false;
      lastNotice = atMs;
      return true;
    },
    /** Forgets the current run (the microphone was unmuted); the cooldown stays. */
    reset() {
      runStart = null;
      lastLoud = -Infinity;
    },
  };
}

/** The RMS level (0–1) of a block of samples. */
export function rms(samples: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  return samples.length ? Math.sqrt(sum / samples.length) : 0;
}

/** A level as a meter shows it: 0 at −60 dBFS and below, 1 at 0 dBFS, even steps in decibels. */
export function meterValue(level: number): number {
  if (level <= 0) return 0;
  const db = 20 * Math.log10(level);
  return Math.min(1, Math.max(0, (db + 60) / 60));
}
