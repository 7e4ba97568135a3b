/**
 * "You are muted": told when your microphone hears you speak while it is muted, as Meet and Zoom
 * do. Measured in the page on a clone of the captured track (the muted track itself is disabled
 * and reads silence); nothing is sent anywhere. The notice shows after about half a second of
 * speech, stays a few seconds, and comes back at most every ten seconds (speech-detector.ts).
 */
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { MicOffIcon } from "../components/icons.tsx";
import { createLevelReader } from "./audio-level.ts";
import type { RoomState } from "./room-state.ts";
import { createSpeechDetector } from "./speech-detector.ts";

const SAMPLE_MS = 50;
const SHOWN_MS = 5_000;

export function MutedNotice({ room, shortcut }: { room: RoomState; shortcut?: string }) {
  const shown = useSignal(false);
  // One detector for the room's life: muting again within ten seconds of a notice does not repeat it.
  const detector = useRef(createSpeechDetector()).current;
  const muted = room.audioMuted.value;
  // The microphone as captured: with noise suppression on, the sent track carries the worklet's output of the muted (silent) microphone.
  const track = room.capturedStream.value?.getAudioTracks()[0] ?? null;

  useEffect(() => {
    if (!muted || !track || track.readyState !== "live") {
      shown.value = false;
      return;
    }
    // A clone starts as disabled as its muted original: enable the copy, which goes nowhere but here.
    const copy = track.clone();
    copy.enabled = true;
    const reader = createLevelReader(copy, { ownsTrack: true });
    if (!reader) return;
    detector.reset();
    let hide: ReturnType<typeof setTimeout> | undefined;
    const timer = setInterval(() => {
      if (!detector.push(reader.level(), performance.now())) return;
      shown.value = true;
      clearTimeout(hide);
      hide = setTimeout(() => (shown.value = false), SHOWN_MS);
    }, SAMPLE_MS);
    return () => {
      clearInterval(timer);
      clearTimeout(hide);
      reader.dispose();
    };
  }, [muted, track]);

  // The region is always there, so a screen reader announces the text when it appears.
  return (
    <div class="muted-notice-region" role="status">
      {shown.value && muted && (
        <p class="muted-notice">
          <MicOffIcon />
          <span>
            You are muted. Unmute to be heard{shortcut ? ` (press ${shortcut.toUpperCase()})` : ""}.
          </span>
        </p>
      )}
    </div>
  );
}
