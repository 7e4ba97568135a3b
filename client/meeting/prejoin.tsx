/**
 * The pre-join screen: a camera preview, camera and microphone pickers, mic and camera toggles, a
 * microphone level meter and a speaker test, and a name for guests. What it captures is handed to the room, so joining does not ask again.
 */
import { useSignal } from "@preact/signals";
import { useEffect, useMemo, useRef } from "preact/hooks";
import { CameraIcon, CameraOffIcon, MicIcon, MicOffIcon } from "../components/icons.tsx";
import { loadDisplayName, saveDisplayName } from "../lib/prefs.ts";
import { createEffects, type Effects } from "./effects.ts";
import { EffectToggles } from "./effect-toggles.tsx";
import { MicMeter, SpeakerTest } from "./mic-check.tsx";

export interface JoinChoice {
  name?: string;
  stream: MediaStream | null;
  audioMuted: boolean;
  videoMuted: boolean;
  /** Background blur and noise suppression, running on `stream` as the preview showed them. */
  effects?: Effects;
}

const DEVICES_KEY = "dictate.devices";

function savedDevices(): { audio?: string; video?: string } {
  try {
    return JSON.parse(localStorage.getItem(DEVICES_KEY) ?? "{}");
  } catch {
    return {};
  }
}

function describeCaptureError(err: unknown): string {
  const name = (err as { name?: string })?.name;
  if (name === "NotAllowedError") return "Your camera and microphone are blocked for this site. Allow them in the browser's site settings (the icon left of the address), then try again. You can also join without them.";
  if (name === "NotFoundError") return "No camera or microphone was found. You can still join to see and hear the others.";
  if (name === "NotReadableError") return "Your camera or microphone is in use by another application.";
  return "Your camera and microphone could not be started. You can still join to see and hear the others.";
}

export function PreJoin({
  title,
  username,
  busy,
  recording = false,
  waiting = null,
  onJoin,
}: {
  title: string | null;
  /** Joining means knocking: why, said before anyone presses Join. */
  waiting?: string | null;
  /** The meeting is being recorded now: said before anyone joins. */
  recording?: boolean;
  /** The signed-in user's name; guests type theirs. */
  username: string | null | undefined;
  busy?: boolean;
  onJoin(choice: JoinChoice): void;
}) {
  const name = useSignal(loadDisplayName());
  const nameError = useSignal<string | null>(null);
  const stream = useSignal<MediaStream | null>(null);
  const captureError = useSignal<string | null>(null);
  const starting = useSignal(true);
  const mic = useSignal(true);
  const camera = useSignal(true);
  const devices = useSignal<MediaDeviceInfo[]>([]);
  const chosen = useSignal(savedDevices());
  const attempt = useSignal(0);
  const video = useRef<HTMLVideoElement>(null);
  const handedOver = useRef(false);
  /** The capture in flight (settles either way), so Join can wait for it instead of racing it. */
  const capturing = useRef<Promise<unknown> | null>(null);
  const effectError = useSignal<string | null>(null);
  const effects = useMemo(() => createEffects({ onError: (message) => (effectError.value = message) }), []);
  /** The blurred camera while blur runs: the preview shows what the others will see. */
  const processedVideo = useSignal<MediaStreamTrack | null>(null);
  useEffect(() => () => void (handedOver.current || effects.dispose()), []);
  useEffect(() => {
    processedVideo.value = null;
    effects.attach(stream.value, (kind, track) => {
      if (kind === "video") processedVideo.value = track;
    });
  }, [stream.value]);

  // (Re)captures whenever the chosen devices change or the person retries.
  useEffect(() => {
    let cancelled = false;
    let captured: MediaStream | null = null;
    starting.value = true;
    const { audio, video: cam } = chosen.value;
    capturing.current = navigator.mediaDevices
      ?.getUserMedia({
        audio: { ...(audio ? { deviceId: { exact: audio } } : {}), echoCancellation: true, noiseSuppression: true, autoGainControl: true },
        video: { ...(cam ? { deviceId: { exact: cam } } : {}), width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24, max: 30 } },
      })
      .then(async (s) => {
        if (cancelled) return s.getTracks().forEach((t) => t.stop());
        captured = s;
        for (const t of s.getAudioTracks()) t.enabled = mic.value;
        for (const t of s.getVideoTracks()) t.enabled = camera.value;
        stream.value = s;
        captureError.value = null;
        devices.value = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.deviceId && d.kind !== "audiooutput");
      })
      .catch((err) => {
        if (cancelled) return;
        // A device remembered from another machine: fall back to the defaults once.
        if ((err as { name?: string })?.name === "OverconstrainedError" && (audio || cam)) {
          chosen.value = {};
          return;
        }
        stream.value = null;
        captureError.value = navigator.mediaDevices ? describeCaptureError(err) : "This browser cannot use a camera here (the page needs HTTPS).";
      })
      .finally(() => {
        if (!cancelled) starting.value = false;
      });
    if (!navigator.mediaDevices) {
      captureError.value = "This browser cannot use a camera here (the page needs HTTPS).";
      starting.value = false;
    }
    return () => {
      cancelled = true;
      if (captured && !handedOver.current) captured.getTracks().forEach((t) => t.stop());
    };
  }, [chosen.value, attempt.value]);

  const shown = useMemo(() => (processedVideo.value ? new MediaStream([processedVideo.value]) : stream.value), [processedVideo.value, stream.value]);
  useEffect(() => {
    const el = video.current;
    if (el && el.srcObject !== shown) el.srcObject = shown;
  }, [shown]);

  function pick(kind: "audio" | "video", deviceId: string) {
    chosen.value = { ...chosen.value, [kind]: deviceId };
    try {
      localStorage.setItem(DEVICES_KEY, JSON.stringify(chosen.value));
    } catch {
      // Not remembered; fine.
    }
  }

  function toggle(kind: "mic" | "camera") {
    const on = kind === "mic" ? (mic.value = !mic.value) : (camera.value = !camera.value);
    const tracks = kind === "mic" ? stream.value?.getAudioTracks() : stream.value?.getVideoTracks();
    for (const t of tracks ?? []) t.enabled = on;
  }

  async function join(event: Event) {
    event.preventDefault();
    if (handedOver.current) return;
    let chosenName: string | undefined;
    if (!username) {
      const trimmed = name.value.trim();
      if (!trimmed) {
        nameError.value = "Enter the name the others will see";
        document.getElementById("display-name")?.focus();
        return;
      }
      chosenName = trimmed.slice(0, 60);
      saveDisplayName(chosenName);
    }
    handedOver.current = true;
    // Joined before the preview's camera came: wait for it (a little) and hand it over. Capturing
    // again in the meeting while this capture is still open makes Chromium give the meeting's the
    // camera's default size (640×480), too small for the top simulcast layer.
    if (starting.value && capturing.current) await Promise.race([capturing.current.catch(() => {}), new Promise((r) => setTimeout(r, 3_000))]);
    onJoin({ name: chosenName, stream: stream.value, audioMuted: !mic.value, videoMuted: !camera.value, effects });
  }

  const cams = devices.value.filter((d) => d.kind === "videoinput");
  const mics = devices.value.filter((d) => d.kind === "audioinput");
  const hasVideo = !!stream.value?.getVideoTracks().length;
  return (
    <div class="prejoin">
      <div class="prejoin-preview">
        <figure class="tile preview">
          <video ref={video} autoplay playsInline muted class="mirror" aria-label="Your camera preview" />
          {(!hasVideo || !camera.value) && (
            <div class="avatar">
              <span aria-hidden="true">{starting.value ? "…" : <CameraOffIcon />}</span>
              <p class="avatar-note">{starting.value ? "Starting your camera…" : !camera.value ? "Your camera is off" : "No camera"}</p>
            </div>
          )}
        </figure>
        <div class="prejoin-toggles" role="group" aria-label="Before joining">
          <button type="button" class={mic.value ? undefined : "off"} disabled={!stream.value?.getAudioTracks().length} aria-label={mic.value ? "Mute microphone" : "Unmute microphone"} onClick={() => toggle("mic")}>
            {mic.value ? <MicIcon /> : <MicOffIcon />}
            <span>{mic.value ? "Mute" : "Unmute"}</span>
          </button>
          <button type="button" class={camera.value ? undefined : "off"} disabled={!hasVideo} aria-label={camera.value ? "Stop camera" : "Start camera"} onClick={() => toggle("camera")}>
            {camera.value ? <CameraIcon /> : <CameraOffIcon />}
            <span>{camera.value ? "Stop camera" : "Start camera"}</span>
          </button>
        </div>
        <div class="mic-checks" role="group" aria-label="Sound check">
          <MicMeter stream={stream.value} on={mic.value} />
          <SpeakerTest />
        </div>
        <EffectToggles blur={effects.blur.value} noise={effects.noise.value} wanted={effects.wanted} hasVideo={hasVideo} hasAudio={!!stream.value?.getAudioTracks().length} onSet={(name, on) => {
          effectError.value = null;
          effects.set(name, on);
        }} />
        {effectError.value && (
          <div class="banner warn" role="alert">
            <span>{effectError.value}</span>
          </div>
        )}
        {captureError.value && (
          <div class="banner warn" role="alert">
            <span>{captureError.value}</span>
            <button type="button" onClick={() => attempt.value++}>
              Try again
            </button>
          </div>
        )}
      </div>
      <form class="prejoin-form" onSubmit={join} noValidate>
        <h1>{title ?? "Meeting"}</h1>
        {recording && (
          <p class="recording-notice" role="status">
            <span class="rec-dot" aria-hidden="true" /> This meeting is being recorded. Joining puts your camera, screen and voice in the recording.
          </p>
        )}
        {waiting && (
          <p class="prejoin-waiting" role="note">
            {waiting}
          </p>
        )}
        <p class="muted">Check how you look and sound, then join.</p>
        {username ? (
          <p>
            Joining as <strong>{username}</strong>
          </p>
        ) : (
          <div class="field">
            <label for="display-name">Your name</label>
            <input
              id="display-name"
              name="name"
              autocomplete="name"
              maxLength={60}
              value={name.value}
              aria-invalid={nameError.value ? "true" : undefined}
              aria-describedby={nameError.value ? "name-error" : "name-hint"}
              onInput={(e) => {
                name.value = e.currentTarget.value;
                nameError.value = null;
              }}
            />
            {nameError.value ? (
              <p id="name-error" class="field-error">
                {nameError.value}
              </p>
            ) : (
              <p id="name-hint" class="hint">
                You join as a guest; the others see this name.
              </p>
            )}
          </div>
        )}
        {cams.length > 0 && (
          <div class="field">
            <label for="camera-select">Camera</label>
            <select id="camera-select" value={stream.value?.getVideoTracks()[0]?.getSettings().deviceId ?? chosen.value.video ?? ""} onChange={(e) => pick("video", e.currentTarget.value)}>
              {cams.map((d, i) => (
                <option key={d.deviceId} value={d.deviceId}>
                  {d.label || `Camera ${i + 1}`}
                </option>
              ))}
            </select>
          </div>
        )}
        {mics.length > 0 && (
          <div class="field">
            <label for="mic-select">Microphone</label>
            <select id="mic-select" value={stream.value?.getAudioTracks()[0]?.getSettings().deviceId ?? chosen.value.audio ?? ""} onChange={(e) => pick("audio", e.currentTarget.value)}>
              {mics.map((d, i) => (
                <option key={d.deviceId} value={d.deviceId}>
                  {d.label || `Microphone ${i + 1}`}
                </option>
              ))}
            </select>
          </div>
        )}
        <button type="submit" class="primary join-button" disabled={busy}>
          Join meeting
        </button>
      </form>
    </div>
  );
}
