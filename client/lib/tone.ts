/**
 * Short tones for what everyone must notice even when not looking: recording starting (two rising
 * beeps) and stopping (one falling). Made with Web Audio, no sound files; quiet by design.
 */
let context: AudioContext | null = null;

export function playTone(kind: "recording-started" | "recording-stopped") {
  try {
    context ??= new AudioContext();
    const ctx = context;
    const notes = kind === "recording-started" ? [660, 880] : [660, 440];
    notes.forEach((frequency, i) => {
      const at = ctx.currentTime + i * 0.18;
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.15, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.15);
      osc.connect(gain).connect(ctx.destination);
      osc.start(at);
      osc.stop(at + 0.16);
    });
  } catch {
    // No audio output (or none allowed yet): the visible notice still says it.
  }
}
