/** Icons for the meeting's layout, inviting and sound checks; drawn like those in icons.tsx. */
import { Icon, type IconProps } from "./icons.tsx";

export const PinIcon = (p: IconProps) => (
  <Icon {...p}>
    <path d="M9 4h6l-1 5 3 3v2H7v-2l3-3zM12 14v7" />
  </Icon>
);

export const UnpinIcon = (p: IconProps) => (
  <Icon {...p}>
    <path d="M9 4h6l-1 5 3 3v2H7v-2l3-3zM12 14v7M3 3l18 18" />
  </Icon>
);

export const FullscreenIcon = (p: IconProps) => (
  <Icon {...p}>
    <path d="M4 9V4h5M15 4h5v5M20 15v5h-5M9 20H4v-5" />
  </Icon>
);

export const ExitFullscreenIcon = (p: IconProps) => (
  <Icon {...p}>
    <path d="M9 4v5H4M20 9h-5V4M15 20v-5h5M4 15h5v5" />
  </Icon>
);

export const SpeakerViewIcon = (p: IconProps) => (
  <Icon {...p}>
    <rect x="3" y="3" width="18" height="12" rx="1.5" />
    <path d="M4 20h4M10 20h4M16 20h4" />
  </Icon>
);

export const InviteIcon = (p: IconProps) => (
  <Icon {...p}>
    <circle cx="9" cy="8" r="3.5" />
    <path d="M2.5 20a6.5 6.5 0 0 1 13 0M19 8v6M16 11h6" />
  </Icon>
);

export const SpeakerIcon = (p: IconProps) => (
  <Icon {...p}>
    <path d="M4 9v6h4l5 4V5L8 9zM16.5 8.5a5 5 0 0 1 0 7M19 6a8.5 8.5 0 0 1 0 12" />
  </Icon>
);

/** Three bars, for a tile whose person is speaking (animated in CSS unless motion is reduced). */
export const SpeakingIcon = (p: IconProps) => (
  <Icon {...p} class={`speaking-bars ${p.class ?? ""}`}>
    <path d="M6 10v4M12 6v12M18 9v6" />
  </Icon>
);

/** Headphones: hear everyone, receive no video (audio only). */
export const AudioOnlyIcon = (p: IconProps) => (
  <Icon {...p}>
    <path d="M4 15v-3a8 8 0 0 1 16 0v3M4 15h3v5H4zM17 15h3v5h-3z" />
  </Icon>
);
