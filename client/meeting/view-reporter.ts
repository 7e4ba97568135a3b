/**
 * Tells the server what each received video's tile really shows (`media.view`), so the SFU sends the
 * simulcast layer the tile needs and no video at all to a tile nobody sees (src/rooms/layers.ts
 * decides). A tile is watched with a ResizeObserver (its size), an IntersectionObserver (on screen or
 * scrolled away, a collapsed strip) and the page's visibility (a hidden tab); "audio only" marks every
 * tile not visible. Changes are coalesced: one report a little after the first change, and at most
 * one every `minIntervalMs`; a report equal to the last one is not sent.
 */
import type { Clock } from "./connection.ts";
import type { StreamView } from "./protocol.ts";

/** What is known about one tile showing a received video. */
export interface TileState {
  mid: string;
  /** CSS pixels. */
  width: number;
  height: number;
  /** Any part of it is inside the viewport. */
  onScreen: boolean;
  stage: boolean;
}

/**
 * The report for a set of tiles (pure): device pixels, not visible when the page is hidden or audio
 * only is on; a video shown in two tiles (a tile and its full-screen copy) reports the larger.
 */
export function viewReport(tiles: Iterable<TileState>, page: { visible: boolean; audioOnly: boolean; pixelRatio: number }): StreamView[] {
  const byMid = new Map<string, StreamView>();
  for (const t of tiles) {
    const width = Math.min(8192, Math.max(0, Math.round(t.width * page.pixelRatio)));
    const height = Math.min(8192, Math.max(0, Math.round(t.height * page.pixelRatio)));
    const visible = page.visible && !page.audioOnly && t.onScreen && width > 0 && height > 0;
    const view: StreamView = { mid: t.mid, visible, width, height, ...(t.stage ? { stage: true } : {}) };
    const before = byMid.get(t.mid);
    if (!before || (view.visible && (!before.visible || view.height > before.height))) byMid.set(t.mid, view);
  }
  return [...byMid.values()].sort((a, b) => a.mid.localeCompare(b.mid, "en", { numeric: true })).slice(0, 64);
}

export interface ViewReporterDeps {
  clock: Clock;
  /** Sends one `media.view` (errors are the caller's to swallow: a later report supersedes it). */
  send(streams: StreamView[], cap: 0 | 1 | 2 | undefined): void;
  /** The subscriber m-line a received track arrives on, or null (not received yet). */
  midOf(track: MediaStreamTrack): string | null;
  /** Wait after a change before reporting (more changes join it). */
  delayMs?: number;
  minIntervalMs?: number;
}

interface Watched {
  track: MediaStreamTrack;
  stage: boolean;
  width: number;
  height: number;
  onScreen: boolean;
}

export function createViewReporter(deps: ViewReporterDeps) {
  const delayMs = deps.delayMs ?? 100;
  const minIntervalMs = deps.minIntervalMs ?? 400;
  const watched = new Map<Element, Watched>();
  let audioOnly = false;
  let cap: 0 | 1 | 2 = 2;
  let last = "";
  /** Whether each mid's video was last reported visible. */
  let shown = new Map<string, boolean>();
  let lastAt = -Infinity;
  let timer: unknown = null;
  let disposed = false;
  const doc = typeof document === "undefined" ? null : document;

  const resize =
    typeof ResizeObserver === "undefined"
      ? null
      : new ResizeObserver((entries) => {
          for (const e of entries) {
            const w = watched.get(e.target);
            if (!w) continue;
            w.width = e.contentRect.width;
            w.height = e.contentRect.height;
          }
          schedule();
        });
  const intersect =
    typeof IntersectionObserver === "undefined"
      ? null
      : new IntersectionObserver((entries) => {
          for (const e of entries) {
            const w = watched.get(e.target);
            if (w) w.onScreen = e.isIntersecting;
          }
          schedule();
        });
  const onVisibility = () => schedule();
  doc?.addEventListener("visibilitychange", onVisibility);

  function schedule() {
    if (disposed || timer !== null) return;
    const wait = Math.max(delayMs, lastAt + minIntervalMs - deps.clock.now());
    timer = deps.clock.setTimeout(() => {
      timer = null;
      flush();
    }, wait);
  }

  function flush(force = false) {
    if (disposed) return;
    const tiles: TileState[] = [];
    for (const w of watched.values()) {
      const mid = deps.midOf(w.track);
      if (mid !== null) tiles.push({ mid, width: w.width, height: w.height, onScreen: w.onScreen, stage: w.stage });
    }
    const report = viewReport(tiles, {
      visible: doc ? doc.visibilityState !== "hidden" : true,
      audioOnly,
      pixelRatio: typeof devicePixelRatio === "number" && devicePixelRatio > 0 ? devicePixelRatio : 1,
    });
    const key = JSON.stringify([report, cap]);
    if (!report.length || (key === last && !force)) return;
    last = key;
    shown = new Map(report.map((v) => [v.mid, v.visible]));
    lastAt = deps.clock.now();
    deps.send(report, cap < 2 ? cap : undefined);
  }

  return {
    /**
     * Watches `element` (the tile) as showing the received `track`; `stage` says it is the stage.
     * Returns the function that stops watching it.
     */
    watch(element: Element, track: MediaStreamTrack, stage: boolean): () => void {
      const rect = element.getBoundingClientRect?.();
      watched.set(element, { track, stage, width: rect?.width ?? 0, height: rect?.height ?? 0, onScreen: true });
      resize?.observe(element);
      intersect?.observe(element);
      schedule();
      return () => {
        if (watched.get(element)?.track !== track) return;
        watched.delete(element);
        resize?.unobserve(element);
        intersect?.unobserve(element);
        schedule();
      };
    },
    /** Whether the video of `track` was last reported as shown (so it should be arriving). */
    expected(track: MediaStreamTrack): boolean {
      const mid = deps.midOf(track);
      return mid !== null && shown.get(mid) === true;
    },
    /** Audio only: every tile reports not visible, so no video is received at all. */
    setAudioOnly(on: boolean) {
      if (audioOnly === on) return;
      audioOnly = on;
      schedule();
    },
    /** The highest simulcast layer the link takes now (2: no limit); sent with every report. */
    setCap(next: 0 | 1 | 2) {
      if (cap === next) return;
      cap = next;
      schedule();
    },
    /** The subscription changed (a new answer): report everything again, even if unchanged. */
    resend() {
      if (disposed) return;
      last = "";
      schedule();
    },
    dispose() {
      disposed = true;
      if (timer !== null) deps.clock.clearTimeout(timer);
      timer = null;
      resize?.disconnect();
      intersect?.disconnect();
      doc?.removeEventListener("visibilitychange", onVisibility);
      watched.clear();
    },
  };
}

export type ViewReporter = ReturnType<typeof createViewReporter>;
