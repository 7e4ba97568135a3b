/**
 * Background blur, loaded lazily (client/lib/lazy.ts) when someone switches it on: MediaPipe's
 * selfie segmentation (its script, WebAssembly and model are files of this bundle, served by Dictate
 * itself) finds the person in each camera frame, and a canvas composites the sharp person over a
 * blurred copy of the frame; the canvas's captured stream is the track sent and shown.
 *
 * Frames come from a MediaStreamTrackProcessor where the browser has one (it keeps delivering in a
 * background tab, and reading the next frame only when the last is done drops the ones we cannot
 * keep up with); elsewhere from a hidden <video> polled by a timer. `stop()` ends the loop, closes
 * the segmenter and stops the processed track; the camera's own track is never touched (we read a
 * clone of it).
 */
import solutionScript from "@mediapipe/selfie_segmentation/selfie_segmentation.js" with { type: "file" };
import graph from "@mediapipe/selfie_segmentation/selfie_segmentation.binarypb" with { type: "file" };
import modelGeneral from "@mediapipe/selfie_segmentation/selfie_segmentation.tflite" with { type: "file" };
import modelLandscape from "@mediapipe/selfie_segmentation/selfie_segmentation_landscape.tflite" with { type: "file" };
import simdData from "@mediapipe/selfie_segmentation/selfie_segmentation_solution_simd_wasm_bin.data" with { type: "file" };
import simdLoader from "@mediapipe/selfie_segmentation/selfie_segmentation_solution_simd_wasm_bin.js" with { type: "file" };
import simdWasm from "@mediapipe/selfie_segmentation/selfie_segmentation_solution_simd_wasm_bin.wasm" with { type: "file" };
import plainLoader from "@mediapipe/selfie_segmentation/selfie_segmentation_solution_wasm_bin.js" with { type: "file" };
import plainWasm from "@mediapipe/selfie_segmentation/selfie_segmentation_solution_wasm_bin.wasm" with { type: "file" };
import type { BlurPart, BlurProcessor } from "./effects-types.ts";

/** The files the solution asks for by name (`locateFile`), as this bundle serves them. */
const FILES: Record<string, string> = {
  "selfie_segmentation.binarypb": graph,
  "selfie_segmentation.tflite": modelGeneral,
  "selfie_segmentation_landscape.tflite": modelLandscape,
  "selfie_segmentation_solution_simd_wasm_bin.data": simdData,
  "selfie_segmentation_solution_simd_wasm_bin.js": simdLoader,
  "selfie_segmentation_solution_simd_wasm_bin.wasm": simdWasm,
  "selfie_segmentation_solution_wasm_bin.js": plainLoader,
  "selfie_segmentation_solution_wasm_bin.wasm": plainWasm,
};
/** The bundler names files relative to the page's folder; the page may be /m/<code>, so anchor them at the root. */
const at = (path: string) => new URL(path.replace(/^\.\//, "/"), location.origin).href;

/** The slice of @mediapipe/selfie_segmentation's API used here (its script defines it globally). */
interface Segmenter {
  setOptions(options: { modelSelection?: number; selfieMode?: boolean }): void;
  onResults(listener: (results: { image: CanvasImageSource; segmentationMask: CanvasImageSource }) => void): void;
  initialize(): Promise<void>;
  send(inputs: { image: HTMLCanvasElement | HTMLVideoElement }): Promise<void>;
  close(): Promise<void>;
}
type SegmenterClass = new (config: { locateFile: (file: string, prefix?: string) => string }) => Segmenter;

let loading: Promise<SegmenterClass> | null = null;

/** Adds the solution's script once (a same-origin classic script: it defines `SelfieSegmentation` on the window). */
function loadSolution(): Promise<SegmenterClass> {
  loading ??= new Promise<SegmenterClass>((resolve, reject) => {
    const script = document.createElement("script");
    script.src = at(solutionScript);
    script.onload = () => {
      const found = (globalThis as { SelfieSegmentation?: SegmenterClass }).SelfieSegmentation;
      if (found) resolve(found);
      else reject(new Error("the segmentation script did not load"));
    };
    script.onerror = () => reject(new Error("the segmentation script could not be fetched"));
    document.head.append(script);
  });
  loading.catch(() => (loading = null));
  return loading;
}

/** How soft the background gets, in CSS pixels at 640 px wide (scaled with the frame). */
const BLUR_PX = 12;

async function blur(source: MediaStreamTrack): Promise<BlurProcessor> {
  const Solution = await loadSolution();
  const segmenter = new Solution({ locateFile: (file) => at(FILES[file] ?? file) });
  // The landscape model (256×144) suits a 16:9 camera and costs a third of the general one.
  segmenter.setOptions({ modelSelection: 1, selfieMode: false });

  const input = source.clone();
  const settings = input.getSettings();
  const width = settings.width ?? 640;
  const height = settings.height ?? 360;
  const frame = document.createElement("canvas");
  frame.width = width;
  frame.height = height;
  const frameCtx = frame.getContext("2d")!;
  // The segmenter gets the frame at the landscape model's own size (256×144): scaling it down here
  // is cheap, while a full frame costs MediaPipe a large WebGL upload and resize each time (with
  // software WebGL, most of its time). The person is then cut from the full-size frame.
  const small = document.createElement("canvas");
  small.width = 256;
  small.height = Math.round((256 * height) / width);
  const smallCtx = small.getContext("2d")!;
  const out = document.createElement("canvas");
  out.width = width;
  out.height = height;
  const ctx = out.getContext("2d")!;
  const radius = Math.max(4, Math.round((BLUR_PX * width) / 640));

  let firstFrame: () => void = () => {};
  const composited = new Promise<void>((resolve) => (firstFrame = resolve));
  const image = frame;
  segmenter.onResults(({ segmentationMask }) => {
    firstFrame();
    ctx.save();
    ctx.globalCompositeOperation = "copy";
    // The mask's alpha is the person; a little softening hides its blocky edge.
    ctx.filter = "blur(2px)";
    ctx.drawImage(segmentationMask, 0, 0, width, height);
    ctx.filter = "none";
    ctx.globalCompositeOperation = "source-in";
    ctx.drawImage(image, 0, 0, width, height);
    ctx.globalCompositeOperation = "destination-over";
    ctx.filter = `blur(${radius}px)`;
    // Drawn a little larger than the frame: blurring at the edge would pull in transparency (a dark rim).
    ctx.drawImage(image, -radius, -radius, width + 2 * radius, height + 2 * radius);
    ctx.restore();
  });
  try {
    await segmenter.initialize();
  } catch (err) {
    input.stop();
    await segmenter.close().catch(() => {});
    throw err;
  }

  const track = out.captureStream().getVideoTracks()[0]!;
  track.contentHint = "motion";
  let stopped = false;
  let frames = 0;
  let busyMs = 0;

  async function step(draw: () => void) {
    const t0 = performance.now();
    draw();
    smallCtx.drawImage(frame, 0, 0, small.width, small.height);
    await segmenter.send({ image: small });
    busyMs += performance.now() - t0;
    frames++;
  }

  let cancel: () => void;
  const Processor = (globalThis as { MediaStreamTrackProcessor?: new (init: { track: MediaStreamTrack; maxBufferSize?: number }) => { readable: ReadableStream<VideoFrame> } }).MediaStreamTrackProcessor;
  if (Processor) {
    const reader = new Processor({ track: input, maxBufferSize: 1 }).readable.getReader();
    cancel = () => void reader.cancel().catch(() => {});
    void (async () => {
      while (!stopped) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
        if (done || !value) break;
        try {
          if (!stopped) await step(() => frameCtx.drawImage(value, 0, 0, width, height));
        } catch {
          // A frame the segmenter failed on is skipped; the next one is tried.
        } finally {
          value.close();
        }
        // A task boundary between frames: the next frame is often queued already, and reading it
        // at once would keep clicks and timers waiting behind frame after frame.
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    })();
  } else {
    const video = document.createElement("video");
    video.muted = true;
    video.playsInline = true;
    video.srcObject = new MediaStream([input]);
    await video.play().catch(() => {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fps = Math.min(settings.frameRate ?? 24, 24);
    const tick = async () => {
      if (stopped) return;
      const started = performance.now();
      await step(() => frameCtx.drawImage(video, 0, 0, width, height)).catch(() => {});
      if (!stopped) timer = setTimeout(tick, Math.max(0, 1000 / fps - (performance.now() - started)));
    };
    cancel = () => {
      clearTimeout(timer);
      video.pause();
      video.srcObject = null;
    };
    void tick();
  }

  // The first composited frame before the track is handed out, so it does not start black.
  await Promise.race([composited, new Promise((resolve) => setTimeout(resolve, 3_000))]);
  return {
    track,
    stats: () => ({ frames, busyMs }),
    stop() {
      if (stopped) return;
      stopped = true;
      cancel();
      input.stop();
      track.stop();
      void segmenter.close().catch(() => {});
    },
  };
}

const part: BlurPart = { blur };
const registry = ((globalThis as { __dictateLazy?: Record<string, unknown> }).__dictateLazy ??= {});
registry.blur = part;
