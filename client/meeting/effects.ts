/**
 * Background blur and noise suppression for one camera-and-microphone stream: `createEffects(deps)`
 * keeps whether each is wanted (remembered in this browser), loads its lazy part only when it is
 * switched on, and hands the processed track to a sink — the pre-join preview, then the room's media,
 * which sends it in place of the camera's or microphone's own track (RTCRtpSender.replaceTrack, no
 * renegotiation). Switching off stops the processing and gives the sink the original track back
 * (`null`). A part that fails to load is reported once, switched off, and the plain track stays.
 */
import { batch, signal, type ReadonlySignal } from "@preact/signals";
import type { BlurPart, NoisePart, TrackProcessor } from "../lazy/effects-types.ts";
import { loadLazy } from "../lib/lazy.ts";
import { loadEffects, saveEffects, type EffectPrefs } from "../lib/prefs.ts";

export type EffectName = "blur" | "noise";
/** `loading`: switched on, its part or model still loading (the plain track is sent meanwhile). */
export type EffectStatus = "off" | "loading" | "on";
/** Where a processed track goes: `null` means "the original track again". */
export type EffectSink = (media: "audio" | "video", track: MediaStreamTrack | null) => void;

export interface EffectsDeps {
  /** The effects' implementations; defaults to the lazily loaded parts. */
  start?: Record<EffectName, (source: MediaStreamTrack) => Promise<TrackProcessor>>;
  /** What was wanted last time (defaults to this browser's prefs) and where changes are kept. */
  prefs?: EffectPrefs;
  save?(prefs: EffectPrefs): void;
  onError(message: string): void;
}

const MEDIA: Record<EffectName, "audio" | "video"> = { blur: "video", noise: "audio" };

const lazyStart: Record<EffectName, (source: MediaStreamTrack) => Promise<TrackProcessor>> = {
  blur: async (source) => (await loadLazy<BlurPart>("blur")).blur(source),
  noise: async (source) => (await loadLazy<NoisePart>("noise")).suppress(source),
};

const FAILED: Record<EffectName, string> = {
  blur: "Background blur could not be started, so your camera is sent as it is",
  noise: "Noise suppression could not be started, so your microphone is sent as it is",
};

export function createEffects(deps: EffectsDeps) {
  const start = deps.start ?? lazyStart;
  const save = deps.save ?? saveEffects;
  const wanted: EffectPrefs = { ...(deps.prefs ?? loadEffects()) };
  const status = { blur: signal<EffectStatus>("off"), noise: signal<EffectStatus>("off") };
  const running: Record<EffectName, TrackProcessor | null> = { blur: null, noise: null };
  /** Bumped whenever an effect's run is superseded, so a late load is stopped instead of used. */
  const generation: Record<EffectName, number> = { blur: 0, noise: 0 };
  let source: MediaStream | null = null;
  let sink: EffectSink | null = null;
  let disposed = false;
  let report = deps.onError;

  const sourceTrack = (name: EffectName) => {
    const tracks = MEDIA[name] === "video" ? source?.getVideoTracks() : source?.getAudioTracks();
    return tracks?.find((t) => t.readyState === "live") ?? null;
  };

  function halt(name: EffectName) {
    generation[name]++;
    const was = running[name];
    running[name] = null;
    status[name].value = "off";
    if (was) {
      sink?.(MEDIA[name], null);
      was.stop();
    }
  }

  /** Brings one effect in line with what is wanted and the source at hand. */
  function sync(name: EffectName) {
    if (disposed) return;
    const track = sourceTrack(name);
    if (!wanted[name] || !track) return halt(name);
    if (running[name] || status[name].value === "loading") return;
    const gen = ++generation[name];
    status[name].value = "loading";
    start[name](track).then(
      (processor) => {
        if (gen !== generation[name] || disposed) return processor.stop();
        running[name] = processor;
        status[name].value = "on";
        sink?.(MEDIA[name], processor.track);
      },
      (err) => {
        if (gen !== generation[name] || disposed) return;
        console.warn(`${name} failed to start`, err);
        status[name].value = "off";
        // Off until the person tries again; what they chose stays remembered.
        wanted[name] = false;
        report(FAILED[name]);
      },
    );
  }

  return {
    /** Background blur's state. */
    blur: status.blur as ReadonlySignal<EffectStatus>,
    /** Noise suppression's state. */
    noise: status.noise as ReadonlySignal<EffectStatus>,
    /** Whether each is switched on (wanted), whatever its state. */
    wanted: (name: EffectName) => wanted[name],

    /** Switches an effect on or off, and remembers it in this browser. */
    set(name: EffectName, on: boolean) {
      wanted[name] = on;
      save({ ...wanted });
      sync(name);
    },

    /**
     * Processes `stream` and gives the processed tracks to `to`. The same stream again (the pre-join
     * preview handing over to the room) keeps the running effects and gives their tracks to the new
     * sink; another stream restarts them on it. `onError` replaces where failures are told.
     */
    attach(stream: MediaStream | null, to: EffectSink, onError?: (message: string) => void) {
      if (disposed) return;
      if (onError) report = onError;
      if (stream !== source) {
        batch(() => {
          halt("blur");
          halt("noise");
        });
        source = stream;
      }
      sink = to;
      for (const name of ["blur", "noise"] as const) {
        const p = running[name];
        if (p) sink(MEDIA[name], p.track);
        else sync(name);
      }
    },

    /** Stops both effects and everything they run; the source's tracks are left alone. */
    dispose() {
      if (disposed) return;
      halt("blur");
      halt("noise");
      disposed = true;
      sink = null;
      source = null;
    },
  };
}

export type Effects = ReturnType<typeof createEffects>;
