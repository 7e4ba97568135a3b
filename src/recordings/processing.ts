/**
 * The steps that turn one recording's Janus files into one playable WebM: probe each `.mjr`
 * (`janus-pp-rec -j`), convert it (`janus-pp-rec F.mjr F.webm|F.opus`), align the tracks by the
 * time their first packet was written, and compose them with ffmpeg (every participant's video in
 * a grid on a 1280×720 canvas, all audio mixed). Each step is a plain function over files; the
 * durable job around them lives in worker.ts.
 */
import { mkdir, readdir, rm, stat } from "node:fs/promises";
import { basename, join } from "node:path";

export interface Tools {
  janusPpRec: string;
  ffmpeg: string;
  ffprobe: string;
}
export const DEFAULT_TOOLS: Tools = { janusPpRec: "janus-pp-rec", ffmpeg: "ffmpeg", ffprobe: "ffprobe" };

export interface MjrTrack {
  path: string;
  kind: "audio" | "video";
  codec: string;
  /** The publisher's feed id, from the file name (`…-user-<feed>-<ts>-audio-0.mjr`). */
  feed: string;
  /** When the first packet was written (µs since the epoch; falls back to the file's creation). */
  startUs: number;
}

export interface ConvertedTrack extends MjrTrack {
  output: string;
  durationMs: number;
}

export interface ParticipantTracks {
  feed: string;
  audio: ConvertedTrack[];
  video: ConvertedTrack[];
}

/** A converted track placed on the recording's timeline. */
export interface PlacedTrack extends ConvertedTrack {
  offsetMs: number;
}

export interface Timeline {
  /** The earliest track start, µs since the epoch: the composed file's time zero. */
  originUs: number;
  spanMs: number;
  participants: { feed: string; audio: PlacedTrack[]; video: PlacedTrack[] }[];
}

export class ProcessingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProcessingError";
  }
}

const FILE = /-user-([^-]+)-\d+-(audio|video)-\d+\.mjr$/;

/** The .mjr files of a recording folder (subfolders and other files are ignored), sorted by name. */
export async function listMjrFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir);
  return names.filter((n) => n.endsWith(".mjr")).sort().map((n) => join(dir, n));
}

async function run(cmd: string[], signal?: AbortSignal): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const kill = () => proc.kill("SIGKILL");
  signal?.addEventListener("abort", kill, { once: true });
  try {
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    if (signal?.aborted) throw new ProcessingError(`${basename(cmd[0]!)} was stopped`);
    return { code, stdout, stderr };
  } finally {
    signal?.removeEventListener("abort", kill);
  }
}

const tail = (text: string, lines = 6) => text.trim().split("\n").slice(-lines).join("\n");

/** Reads a .mjr's JSON header: its kind, codec and start time. */
export async function probeMjr(path: string, tools: Tools = DEFAULT_TOOLS, signal?: AbortSignal): Promise<MjrTrack> {
  const name = basename(path);
  const match = FILE.exec(name);
  if (!match) throw new ProcessingError(`Not a Janus recording name: ${name}`);
  const r = await run([tools.janusPpRec, "-j", path], signal);
  const line = r.stdout.split("\n").find((l) => l.trim().startsWith("{"));
  if (r.code !== 0 || !line) throw new ProcessingError(`janus-pp-rec -j ${name} failed (${r.code}): ${tail(r.stderr || r.stdout)}`);
  let header: { t?: string; c?: string; s?: number; u?: number };
  try {
    header = JSON.parse(line);
  } catch {
    throw new ProcessingError(`janus-pp-rec -j ${name} printed no JSON header`);
  }
  const kind = header.t === "a" ? "audio" : header.t === "v" ? "video" : null;
  if (!kind || !header.c) throw new ProcessingError(`${name}: unsupported header ${line.trim()}`);
  const startUs = Number(header.u || header.s);
  if (!Number.isFinite(startUs) || startUs <= 0) throw new ProcessingError(`${name}: no start time in its header`);
  return { path, kind, codec: header.c.toLowerCase(), feed: match[1]!, startUs };
}

/** The container janus-pp-rec writes for a codec (what ffmpeg then reads). */
export function extensionFor(track: Pick<MjrTrack, "kind" | "codec">): string {
  switch (track.codec) {
    case "opus":
    case "multiopus":
      return "opus";
    case "vp8":
    case "vp9":
    case "av1":
      return "webm";
    case "h264":
    case "h265":
      return "mp4";
    case "g711":
    case "pcmu":
    case "pcma":
    case "g722":
    case "l16":
      return "wav";
    default:
      throw new ProcessingError(`Unsupported ${track.kind} codec: ${track.codec}`);
  }
}

/** A media file's duration in milliseconds, from ffprobe. */
export async function probeDurationMs(path: string, tools: Tools = DEFAULT_TOOLS, signal?: AbortSignal): Promise<number> {
  const r = await run([tools.ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "default=nw=1:nk=1", path], signal);
  const seconds = Number(r.stdout.trim());
  if (r.code !== 0 || !Number.isFinite(seconds)) throw new ProcessingError(`ffprobe ${basename(path)} failed (${r.code}): ${tail(r.stderr)}`);
  return Math.round(seconds * 1000);
}

/** Converts one .mjr into `workDir` (janus-pp-rec), and measures the result. */
export async function convertTrack(track: MjrTrack, workDir: string, tools: Tools = DEFAULT_TOOLS, signal?: AbortSignal): Promise<ConvertedTrack> {
  await mkdir(workDir, { recursive: true });
  const output = join(workDir, `${basename(track.path, ".mjr")}.${extensionFor(track)}`);
  await rm(output, { force: true });
  const r = await run([tools.janusPpRec, track.path, output], signal);
  const size = await stat(output).then((s) => s.size, () => 0);
  if (r.code !== 0 || size === 0) {
    throw new ProcessingError(`janus-pp-rec ${basename(track.path)} failed (${r.code}): ${tail(r.stderr || r.stdout)}`);
  }
  return { ...track, output, durationMs: await probeDurationMs(output, tools, signal) };
}

/** Groups tracks per publisher feed, in order of first appearance on the timeline. */
export function pairByFeed(tracks: ConvertedTrack[]): ParticipantTracks[] {
  const byFeed = new Map<string, ParticipantTracks>();
  for (const t of [...tracks].sort((a, b) => a.startUs - b.startUs || a.path.localeCompare(b.path))) {
    let p = byFeed.get(t.feed);
    if (!p) byFeed.set(t.feed, (p = { feed: t.feed, audio: [], video: [] }));
    p[t.kind].push(t);
  }
  return [...byFeed.values()];
}

/** Places every track on one timeline whose zero is the earliest start. */
export function alignTracks(participants: ParticipantTracks[]): Timeline {
  const all = participants.flatMap((p) => [...p.audio, ...p.video]);
  if (all.length === 0) throw new ProcessingError("The recording holds no streams");
  const originUs = Math.min(...all.map((t) => t.startUs));
  const place = (t: ConvertedTrack): PlacedTrack => ({ ...t, offsetMs: Math.round((t.startUs - originUs) / 1000) });
  const placed = participants.map((p) => ({ feed: p.feed, audio: p.audio.map(place), video: p.video.map(place) }));
  const spanMs = Math.max(...placed.flatMap((p) => [...p.audio, ...p.video]).map((t) => t.offsetMs + t.durationMs));
  return { originUs, spanMs, participants: placed };
}

export interface ComposeOptions {
  width?: number;
  height?: number;
  fps?: number;
  videoBitrate?: string;
  audioBitrate?: string;
}

/** Cells of a grid for `n` tiles on a `width`×`height` canvas (even sizes, centred last row not needed). */
export function gridCells(n: number, width: number, height: number): { x: number; y: number; w: number; h: number }[] {
  if (n === 0) return [];
  const cols = Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const w = Math.floor(width / cols / 2) * 2;
  const h = Math.floor(height / rows / 2) * 2;
  return Array.from({ length: n }, (_, i) => ({ x: (i % cols) * w, y: Math.floor(i / cols) * h, w, h }));
}

/**
 * ffmpeg arguments composing the timeline into one VP8/Opus WebM: a black canvas as long as the
 * span, each participant's video scaled into its grid cell and overlaid from its offset, and every
 * audio track delayed by its offset and mixed.
 */
export function composeArgs(timeline: Timeline, output: string, options: ComposeOptions = {}): string[] {
  const { width = 1280, height = 720, fps = 15, videoBitrate = "1200k", audioBitrate = "96k" } = options;
  const seconds = (timeline.spanMs / 1000).toFixed(3);
  const inputs: string[] = [];
  const filters: string[] = [];
  let index = 0;
  const videoFeeds = timeline.participants.filter((p) => p.video.length > 0);
  const cells = gridCells(videoFeeds.length, width, height);
  filters.push(`color=c=black:s=${width}x${height}:r=${fps}:d=${seconds},format=yuv420p[base0]`);
  let base = "base0";
  let n = 0;
  videoFeeds.forEach((p, cell) => {
    const { x, y, w, h } = cells[cell]!;
    for (const t of p.video) {
      // A track changes size where Janus's recorder moved to another simulcast layer. By default
      // ffmpeg rebuilds the whole filter graph then, and everything composed after it came out
      // black; kept, the scale filter takes the new size itself and keeps the cell's.
      inputs.push("-reinit_filter", "0", "-i", t.output);
      const label = `v${index}`;
      filters.push(
        `[${index}:v:0]setpts=PTS-STARTPTS+${(t.offsetMs / 1000).toFixed(3)}/TB,` +
          `scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,format=yuv420p[${label}]`,
      );
      const next = `base${++n}`;
      filters.push(`[${base}][${label}]overlay=x=${x}:y=${y}:eof_action=pass:repeatlast=0[${next}]`);
      base = next;
      index++;
    }
  });
  const audioLabels: string[] = [];
  for (const p of timeline.participants) {
    for (const t of p.audio) {
      inputs.push("-i", t.output);
      const label = `a${index}`;
      filters.push(`[${index}:a:0]aresample=48000,aformat=channel_layouts=stereo,asetpts=PTS-STARTPTS,adelay=${t.offsetMs}:all=1[${label}]`);
      audioLabels.push(`[${label}]`);
      index++;
    }
  }
  if (audioLabels.length === 0) filters.push(`anullsrc=r=48000:cl=stereo,atrim=0:${seconds}[aout]`);
  else if (audioLabels.length === 1) filters.push(`${audioLabels[0]}apad=whole_dur=${seconds}[aout]`);
  else filters.push(`${audioLabels.join("")}amix=inputs=${audioLabels.length}:duration=longest:dropout_transition=0:normalize=0,apad=whole_dur=${seconds}[aout]`);
  return [
    "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-nostats", "-progress", "pipe:1",
    ...inputs,
    "-filter_complex", filters.join(";"),
    "-map", `[${base}]`, "-map", "[aout]",
    "-t", seconds,
    // Realtime speed, on both cores (libvpx encodes on one thread unless told).
    "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "16", "-threads", "2", "-b:v", videoBitrate, "-g", String(fps * 4),
    "-c:a", "libopus", "-b:a", audioBitrate,
    "-f", "webm", output,
  ];
}

/** Reads ffmpeg's `-progress` stream: the output time reached, as a 0..1 share of `totalMs`. */
export function progressParser(totalMs: number, onProgress: (fraction: number) => void) {
  let buffered = "";
  return (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) {
      const [key, value] = line.trim().split("=", 2);
      if ((key === "out_time_us" || key === "out_time_ms") && value && /^\d+$/.test(value)) {
        onProgress(Math.min(1, Math.max(0, Number(value) / 1000 / Math.max(1, totalMs))));
      } else if (key === "progress" && value === "end") {
        onProgress(1);
      }
    }
  };
}

/** Runs ffmpeg over the timeline, reporting 0..1 progress, and returns the output's duration. */
export async function compose(
  timeline: Timeline,
  output: string,
  opts: { tools?: Tools; signal?: AbortSignal; onProgress?: (fraction: number) => void; compose?: ComposeOptions } = {},
): Promise<{ durationMs: number }> {
  const tools = opts.tools ?? DEFAULT_TOOLS;
  await rm(output, { force: true });
  const proc = Bun.spawn([tools.ffmpeg, ...composeArgs(timeline, output, opts.compose)], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const kill = () => proc.kill("SIGKILL");
  opts.signal?.addEventListener("abort", kill, { once: true });
  try {
    const parse = progressParser(timeline.spanMs, opts.onProgress ?? (() => {}));
    const decoder = new TextDecoder();
    const readStdout = (async () => {
      const reader = proc.stdout.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parse(decoder.decode(value, { stream: true }));
      }
    })();
    const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited, readStdout]);
    if (opts.signal?.aborted) throw new ProcessingError("ffmpeg was stopped");
    if (code !== 0) throw new ProcessingError(`ffmpeg failed (${code}): ${tail(stderr)}`);
  } finally {
    opts.signal?.removeEventListener("abort", kill);
  }
  return { durationMs: await probeDurationMs(output, tools, opts.signal) };
}

export interface ProcessResult {
  output: string;
  durationMs: number;
  spanMs: number;
  tracks: number;
  participants: number;
}

/**
 * All the steps for one recording folder: probe and convert every .mjr into `workDir`, align,
 * compose into `output`. Progress: conversion fills 0..0.2, composition 0.2..1.
 */
export async function processRecordingFolder(
  sourceDir: string,
  workDir: string,
  output: string,
  opts: { tools?: Tools; signal?: AbortSignal; onProgress?: (fraction: number) => void; compose?: ComposeOptions } = {},
): Promise<ProcessResult> {
  const tools = opts.tools ?? DEFAULT_TOOLS;
  const report = opts.onProgress ?? (() => {});
  const files = await listMjrFiles(sourceDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") throw new ProcessingError(`The recording folder is missing: ${sourceDir}`);
    throw err;
  });
  if (files.length === 0) throw new ProcessingError("The recording holds no streams");
  const converted: ConvertedTrack[] = [];
  for (const [i, file] of files.entries()) {
    const track = await probeMjr(file, tools, opts.signal);
    converted.push(await convertTrack(track, workDir, tools, opts.signal));
    report((0.2 * (i + 1)) / files.length);
  }
  const timeline = alignTracks(pairByFeed(converted));
  const { durationMs } = await compose(timeline, output, { ...opts, tools, onProgress: (f) => report(0.2 + 0.8 * f) });
  return { output, durationMs, spanMs: timeline.spanMs, tracks: converted.length, participants: timeline.participants.length };
}
