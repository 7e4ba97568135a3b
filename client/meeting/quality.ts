/**
 * Connection quality as the receiver sees it, from the subscriber PeerConnection's getStats: per
 * received stream the loss and frame rate over the last sample, and the path's round-trip time. Each
 * tile shows a mark from it ("Connection: good / fair / poor"), and when video cannot be kept up at
 * all (frames stop decoding while packets still come, or most packets are lost) for several samples
 * in a row, the meeting falls back to audio only by itself. Apart from the samples, a quicker check
 * tells of a video that froze (packets, no frames) so its publisher can be asked for a keyframe.
 */
import { signal, type ReadonlySignal } from "@preact/signals";
import type { Clock } from "./connection.ts";

export type Quality = "good" | "fair" | "poor";

/** One received stream over one sample. */
export interface StreamSample {
  /** Packets lost / (received + lost) over the sample, 0…1. */
  loss: number;
  /** Round-trip time of the path in ms, if known. */
  rttMs: number | null;
  /** Frames decoded per second (video only; null for audio, or video that is paused on purpose). */
  fps: number | null;
}

/** The mark for a tile from its streams' latest sample (pure). */
export function rateQuality(s: StreamSample): Quality {
  const rtt = s.rttMs ?? 0;
  if (s.loss > 0.1 || rtt > 500 || (s.fps !== null && s.fps < 5)) return "poor";
  if (s.loss > 0.03 || rtt > 250 || (s.fps !== null && s.fps < 12)) return "fair";
  return "good";
}

/** Samples in a row that say video cannot be kept up (already on the lowest layer) before falling back to audio only. */
export const STALL_SAMPLES = 6;
/** Congested samples in a row before asking for a lower layer. */
export const CONGESTED_SAMPLES = 2;
/** Good samples in a row before trying a higher layer again; doubled after each try that failed. */
export const PROBE_AFTER_SAMPLES = 20;

/**
 * Whether one sample says the link is congested (pure): some expected video loses more than 5 % of
 * its packets, or decodes under 10 frames a second while the link shows strain (some loss, or a
 * round trip over 300 ms). A slow frame rate alone is a busy computer, not a slow link: lowering
 * the stage for it would blur it for nothing the network did.
 */
export function congested(streams: { expected: boolean; framesDelta: number; packetsDelta: number; loss: number; fps: number | null }[], rttMs: number | null = null): boolean {
  const strained = (s: { loss: number }) => s.loss > 0.01 || (rttMs ?? 0) > 300;
  return streams.some((s) => s.expected && (s.loss > 0.05 || (s.packetsDelta > 0 && s.fps !== null && s.fps < 10 && strained(s))));
}

/**
 * Whether one sample says video is failing (pure): some video is expected, and of the expected video
 * streams none decodes a frame while packets keep arriving, or the video loss is over 30 %.
 */
export function videoFailing(streams: { expected: boolean; framesDelta: number; packetsDelta: number; loss: number }[]): boolean {
  const expected = streams.filter((s) => s.expected);
  if (!expected.length) return false;
  const stalled = expected.every((s) => s.framesDelta === 0 && s.packetsDelta > 0);
  const lossy = expected.reduce((n, s) => n + s.loss, 0) / expected.length > 0.3;
  return stalled || lossy;
}

interface Counters {
  at: number;
  packets: number;
  lost: number;
  frames: number;
}

export interface QualityMonitorDeps {
  clock: Clock;
  pc(): RTCPeerConnection | null;
  /** Whether video on this track is meant to flow now (its tile is visible and not audio only). */
  videoExpected(track: MediaStreamTrack): boolean;
  /** Tracks currently shown, to map stats (by trackIdentifier) back to them. */
  tracks(): MediaStreamTrack[];
  /** Video could not be kept up for STALL_SAMPLES samples: fall back to audio only. */
  onVideoFailing(): void;
  /** The highest simulcast layer the link takes changed (2 = no limit). */
  onCap?(cap: 0 | 1 | 2): void;
  /**
   * This video froze: its packets keep coming but no frame decoded for FREEZE_CHECK_MS (a lost
   * packet that retransmission did not bring back leaves every later frame undecodable until a
   * keyframe; Chromium asks for one itself only after up to 3 s). Called again at most every
   * FREEZE_REPEAT_MS while it stays frozen.
   */
  onFrozen?(track: MediaStreamTrack): void;
  intervalMs?: number;
}

/** How often received video is checked for a freeze (its own getStats, beside the 1 s samples). */
export const FREEZE_CHECK_MS = 500;
/** A frozen video is reported again after this long if it is still frozen. */
export const FREEZE_REPEAT_MS = 2_000;

/** Polls the subscriber's stats; `byTrack` holds each received track's latest mark. */
export function createQualityMonitor(deps: QualityMonitorDeps) {
  const intervalMs = deps.intervalMs ?? 1_000;
  const byTrack = signal<ReadonlyMap<string, Quality>>(new Map());
  const previous = new Map<string, Counters>();
  let failing = 0;
  let cap: 0 | 1 | 2 = 2;
  let congestedRun = 0;
  let goodRun = 0;
  let probeAfter = PROBE_AFTER_SAMPLES;
  /** The cap was just raised: congestion now means the probe failed. */
  let probing = false;
  const setCap = (next: 0 | 1 | 2) => {
    if (next === cap) return;
    cap = next;
    deps.onCap?.(cap);
  };
  let disposed = false;

  async function sample() {
    const pc = deps.pc();
    if (!pc || pc.connectionState === "closed") return;
    const report = await pc.getStats();
    const now = deps.clock.now();
    let rttMs: number | null = null;
    const inbound: { trackId: string; kind: string; packets: number; lost: number; frames: number }[] = [];
    report.forEach((r: any) => {
      if (r.type === "candidate-pair" && r.nominated && typeof r.currentRoundTripTime === "number") rttMs = r.currentRoundTripTime * 1000;
      if (r.type === "inbound-rtp" && r.trackIdentifier) inbound.push({ trackId: r.trackIdentifier, kind: r.kind, packets: r.packetsReceived ?? 0, lost: Math.max(0, r.packetsLost ?? 0), frames: r.framesDecoded ?? 0 });
    });
    const tracks = new Map(deps.tracks().map((t) => [t.id, t]));
    const next = new Map<string, Quality>();
    const video: Parameters<typeof congested>[0] = [];
    for (const s of inbound) {
      const before = previous.get(s.trackId);
      previous.set(s.trackId, { at: now, packets: s.packets, lost: s.lost, frames: s.frames });
      const track = tracks.get(s.trackId);
      if (!before || !track || now <= before.at) continue;
      const packetsDelta = s.packets - before.packets;
      const lostDelta = s.lost - before.lost;
      const loss = packetsDelta + lostDelta > 0 ? Math.max(0, lostDelta) / (packetsDelta + lostDelta) : 0;
      const expected = s.kind === "video" && deps.videoExpected(track);
      const framesDelta = s.frames - before.frames;
      const fps = expected ? (framesDelta * 1000) / (now - before.at) : null;
      next.set(s.trackId, rateQuality({ loss, rttMs, fps }));
      if (s.kind === "video") video.push({ expected, framesDelta, packetsDelta, loss, fps });
    }
    for (const id of [...previous.keys()]) if (!inbound.some((s) => s.trackId === id)) previous.delete(id);
    byTrack.value = next;
    // Receiver-side adaptation: Janus's fallback covers layers the publisher stops sending, not a
    // receiver's slow or lossy link, so the receiver asks for less itself and probes back up slowly.
    const isCongested = congested(video, rttMs);
    if (isCongested) {
      goodRun = 0;
      if (probing) probeAfter = Math.min(probeAfter * 2, PROBE_AFTER_SAMPLES * 8);
      probing = false;
      if (++congestedRun >= CONGESTED_SAMPLES && cap > 0) {
        congestedRun = 0;
        setCap((cap - 1) as 0 | 1);
      }
    } else if (video.some((v) => v.expected)) {
      congestedRun = 0;
      if (++goodRun >= (probing ? 5 : probeAfter) && cap < 2) {
        if (probing) probeAfter = PROBE_AFTER_SAMPLES;
        goodRun = 0;
        probing = true;
        setCap((cap + 1) as 1 | 2);
      } else if (probing && goodRun >= 5) {
        probing = false;
        probeAfter = PROBE_AFTER_SAMPLES;
      }
    }
    // A stall the link explains is first met with lower layers; one it does not (a clean link, frames
    // still not decoding: a starved or broken decoder) counts at once.
    failing = videoFailing(video) && (cap === 0 || !isCongested) ? failing + 1 : 0;
    if (failing >= STALL_SAMPLES) {
      failing = 0;
      deps.onVideoFailing();
    }
  }

  /** Frames and packets of each video at the last freeze check, and when it was last reported. */
  const lastCheck = new Map<string, { packets: number; frames: number; reportedAt: number | null }>();

  async function checkFreezes() {
    const pc = deps.pc();
    if (!pc || pc.connectionState === "closed") return;
    const report = await pc.getStats();
    const now = deps.clock.now();
    const tracks = new Map(deps.tracks().map((t) => [t.id, t]));
    const seen = new Set<string>();
    report.forEach((r: any) => {
      if (r.type !== "inbound-rtp" || r.kind !== "video" || !r.trackIdentifier) return;
      const id: string = r.trackIdentifier;
      seen.add(id);
      const packets: number = r.packetsReceived ?? 0;
      const frames: number = r.framesDecoded ?? 0;
      const before = lastCheck.get(id);
      const track = tracks.get(id);
      const frozen = !!before && !!track && packets > before.packets && frames === before.frames && deps.videoExpected(track);
      let reportedAt = before?.reportedAt ?? null;
      if (!frozen) reportedAt = null;
      else if (reportedAt === null || now - reportedAt >= FREEZE_REPEAT_MS) {
        reportedAt = now;
        deps.onFrozen!(track!);
      }
      lastCheck.set(id, { packets, frames, reportedAt });
    });
    for (const id of [...lastCheck.keys()]) if (!seen.has(id)) lastCheck.delete(id);
  }

  /** Runs `task` every `ms` (after the previous run settled) until disposed. */
  const timers = new Set<unknown>();
  function every(ms: number, task: () => Promise<void>) {
    const timer = deps.clock.setTimeout(() => {
      timers.delete(timer);
      void task()
        .catch(() => undefined)
        .finally(() => {
          if (!disposed) every(ms, task);
        });
    }, ms);
    timers.add(timer);
  }
  every(intervalMs, sample);
  if (deps.onFrozen) every(FREEZE_CHECK_MS, checkFreezes);

  return {
    /** Each received track's latest mark, by track id. */
    byTrack: byTrack as ReadonlySignal<ReadonlyMap<string, Quality>>,
    /** Starts counting anew (after audio only is turned off, give video a fresh chance). */
    reset() {
      failing = 0;
      congestedRun = goodRun = 0;
    },
    dispose() {
      disposed = true;
      for (const timer of timers) deps.clock.clearTimeout(timer);
      timers.clear();
    },
  };
}

/** A tile's mark: the worse of its tracks' marks, or null when nothing is known yet. */
export function tileQuality(marks: ReadonlyMap<string, Quality>, stream: MediaStream | null): Quality | null {
  let worst: Quality | null = null;
  const rank = { good: 0, fair: 1, poor: 2 } as const;
  for (const t of stream?.getTracks() ?? []) {
    const q = marks.get(t.id);
    if (q && (worst === null || rank[q] > rank[worst])) worst = q;
  }
  return worst;
}
