/**
 * Fake media for the browser scenarios: a voice-like signal for Chromium's fake microphone (its own
 * beeps are too short to count as speech, and a steady tone is taken for noise), written as a WAV
 * file, and a page script that keeps every PeerConnection the app creates so a scenario can read
 * their stats.
 */
import { writeFileSync } from "node:fs";

export function writeWav(path: string, seconds: number, sample: (t: number) => number) {
  const rate = 48_000;
  const n = rate * seconds;
  const buf = Buffer.alloc(44 + n * 2);
  buf.write("RIFF", 0);
  buf.writeUInt32LE(36 + n * 2, 4);
  buf.write("WAVEfmt ", 8);
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write("data", 36);
  buf.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) buf.writeInt16LE(Math.round(Math.max(-1, Math.min(1, sample(i / rate))) * 32_000), 44 + i * 2);
  writeFileSync(path, buf);
}

/** A 150 Hz voice whose pitch wanders by ±60 Hz, with harmonics, its loudness pulsing like syllables. */
export const voice = (t: number) => {
  const phase = 2 * Math.PI * (150 * t - (60 / (2 * Math.PI * 0.7)) * Math.cos(2 * Math.PI * 0.7 * t));
  let s = 0;
  for (let h = 1; h <= 6; h++) s += Math.sin(h * phase) / h;
  const envelope = 0.55 + 0.45 * Math.abs(Math.sin(2 * Math.PI * 3 * t));
  return 0.45 * envelope * s;
};

/**
 * Chromium's switches for the media scenarios: fake devices without prompts, autoplay, and real host
 * candidates (mDNS names would not resolve inside a test's network namespace). Add
 * `--use-file-for-fake-audio-capture=<wav>` for a microphone that says something.
 */
export const MEDIA_CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
  "--autoplay-policy=no-user-gesture-required",
  "--disable-features=WebRtcHideLocalIpsWithMdns",
];

/** Page script: every RTCPeerConnection the app makes is kept in `window.__pcs`. */
export const RECORD_PEER_CONNECTIONS = `(() => {
  const OriginalPc = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = class extends OriginalPc {
    constructor(...args) { super(...args); window.__pcs.push(this); }
  };
})();`;
