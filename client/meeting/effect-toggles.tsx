/**
 * The pre-join screen's switches for background blur and noise suppression: two checkboxes (named,
 * keyboard reachable), each saying while its part loads. What is chosen is remembered in this
 * browser and carried into the meeting.
 */
import type { EffectName, EffectStatus } from "./effects.ts";

const LABELS: Record<EffectName, { label: string; loading: string }> = {
  blur: { label: "Blur my background", loading: "Starting background blur…" },
  noise: { label: "Suppress background noise", loading: "Starting noise suppression…" },
};

export function EffectToggles({
  blur,
  noise,
  wanted,
  hasVideo,
  hasAudio,
  onSet,
}: {
  blur: EffectStatus;
  noise: EffectStatus;
  wanted(name: EffectName): boolean;
  hasVideo: boolean;
  hasAudio: boolean;
  onSet(name: EffectName, on: boolean): void;
}) {
  const row = (name: EffectName, status: EffectStatus, available: boolean) => (
    <div class="effect-toggle">
      <input id={`effect-${name}`} type="checkbox" checked={wanted(name) || status !== "off"} disabled={!available} onChange={(e) => onSet(name, e.currentTarget.checked)} />
      <label for={`effect-${name}`}>{LABELS[name].label}</label>
      {status === "loading" && (
        <span class="hint" role="status">
          {LABELS[name].loading}
        </span>
      )}
    </div>
  );
  return (
    <fieldset class="effect-toggles">
      <legend>Effects</legend>
      {row("blur", blur, hasVideo)}
      {row("noise", noise, hasAudio)}
    </fieldset>
  );
}
