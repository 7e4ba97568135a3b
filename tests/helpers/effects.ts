/**
 * What the background blur tests share: a fake camera picture that is sharp all over, and a measure
 * of how sharp a video's picture is, taken in the page.
 */
import { writeFileSync } from "node:fs";
import type { Page } from "playwright-core";

/**
 * A checkerboard of 16 px squares at 640×360, as a few frames of YUV4MPEG2 for Chromium's
 * `--use-file-for-fake-video-capture` (it loops them). Blurring the background must smooth nearly
 * all of it; Chromium's own fake picture is a flat green with one shape, too little to measure.
 */
export function writeCheckerboard(path: string) {
  const [w, h] = [640, 360];
  const y = Buffer.alloc(w * h);
  for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) y[r * w + c] = ((r >> 4) + (c >> 4)) % 2 ? 235 : 16;
  const chroma = Buffer.alloc((w / 2) * (h / 2), 128);
  const frame = Buffer.concat([Buffer.from("FRAME\n"), y, chroma, chroma]);
  writeFileSync(path, Buffer.concat([Buffer.from(`YUV4MPEG2 W${w} H${h} F24:1 Ip A1:1 C420jpeg\n`), frame, frame, frame]));
}

/**
 * How sharp a video's picture is: the mean squared brightness step between neighbouring pixels of
 * one frame drawn at 320×180. Blurring spreads each edge's step over many pixels, which the square
 * punishes (the mean absolute step would barely change: a blurred edge climbs as far, in smaller
 * steps). `source` is a video element's selector, or `{ track: "raw" }` for the video track of the
 * last stream getUserMedia gave the page (kept on `window.__fx.captured` by the page's init script).
 */
export async function sharpness(page: Page, source: string | { track: "raw" }): Promise<number> {
  return page.evaluate(async (source) => {
    let video: HTMLVideoElement;
    let own = false;
    if (typeof source !== "string") {
      video = document.createElement("video");
      video.muted = true;
      video.srcObject = new MediaStream([(window as any).__fx.captured.at(-1).getVideoTracks()[0]]);
      await video.play();
      own = true;
    } else video = document.querySelector(source)!;
    await new Promise<void>((resolve) => (video.readyState >= 2 ? resolve() : video.addEventListener("loadeddata", () => resolve(), { once: true })));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const c = document.createElement("canvas");
    c.width = 320;
    c.height = 180;
    const x = c.getContext("2d", { willReadFrequently: true })!;
    x.drawImage(video, 0, 0, 320, 180);
    const d = x.getImageData(0, 0, 320, 180).data;
    const lum = (i: number) => 0.299 * d[i]! + 0.587 * d[i + 1]! + 0.114 * d[i + 2]!;
    let sum = 0;
    let n = 0;
    for (let y = 0; y < 179; y++)
      for (let px = 0; px < 319; px++) {
        const i = (y * 320 + px) * 4;
        const step = Math.abs(lum(i) - lum(i + 4)) + Math.abs(lum(i) - lum(i + 320 * 4));
        sum += step * step;
        n++;
      }
    if (own) video.srcObject = null;
    return sum / n;
  }, source);
}
