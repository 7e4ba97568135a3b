/**
 * Before joining, hear yourself as the others will: a microphone level meter that moves with your
 * voice, and a speaker test that plays a short chime. Both run in the page; nothing goes to the server.
 */
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { MicIcon, MicOffIcon } from "../components/icons.tsx";
import { SpeakerIcon } from "../components/room-icons.tsx";
import { playTone } from "../lib/tone.ts";
import { createLevelReader } from "./audio-level.ts";
import { meterValue } from "./speech-detector.ts";

/** How often the meter reads the level; a CSS transition fills in between. */
const METER_MS = 60;

/**
 * A level meter for the microphone of `stream` (role meter, named, with its value 0–100). The
 * DOM is written directly on each reading: re-rendering the pre-join screen 16 times a second
 * would cost more than the meter.
 */
export function MicMeter({ stream, on }: { stream: MediaStream | null; on: boolean }) {
  const meter = useRef<HTMLDivElement>(null);
  const track = stream?.getAudioTracks()[0] ?? null;
  useEffect(() => {
    const el = meter.current;
    if (!el) return;
    const show = (value: number) => {
      el.style.setProperty("--level", value.toFixed(3));
      el.setAttribute("aria-valuenow", String(Math.round(value * 100)));
    };
    show(0);
    const reader = track && on ? createLevelReader(track) : null;
    if (!reader) return;
    let shown = 0;
    // Rises at once, falls back gently: a meter that flickers with every sample is hard to read.
    const timer = setInterval(() => show((shown = Math.max(meterValue(reader.level()), shown * 0.8))), METER_MS);
    return () => {
      clearInterval(timer);
      reader.dispose();
    };
  }, [track, on]);

  return (
    <div class="mic-meter-row">
      {on ? <MicIcon /> : <MicOffIcon />}
      <div ref={meter} class={on ? "mic-meter" : "mic-meter off"} role="meter" aria-label="Microphone level" aria-valuemin={0} aria-valuemax={100} aria-valuenow={0}>
        <span class="mic-meter-fill" />
      </div>
      <span class="mic-meter-note">{!track ? "No microphone" : on ? "Speak to test" : "Microphone off"}</span>
    </div>
  );
}

/** Plays a short chime through the speakers and asks whether it was heard. */
export function SpeakerTest() {
  const state = useSignal<"idle" | "playing" | "played" | "failed">("idle");
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  function play() {
    const ms = playTone("speaker-test");
    clearTimeout(timer.current);
    if (!ms) {
      state.value = "failed";
      return;
    }
    state.value = "playing";
    timer.current = setTimeout(() => (state.value = "played"), ms + 100);
  }
  return (
    <div class="speaker-test">
      <button type="button" onClick={play}>
        <SpeakerIcon />
        Test speakers
      </button>
      <span role="status" class="hint">
        {state.value === "playing"
          ? "Playing a short chime…"
          : state.value === "played"
            ? "Did you hear a chime? If not, turn the volume up or choose other speakers in your system's sound settings."
            : state.value === "failed"
              ? "This browser could not play sound."
              : ""}
      </span>
    </div>
  );
}
