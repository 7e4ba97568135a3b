/**
 * Runs INSIDE the network namespace that effects-media.e2e.test.ts creates (never start it
 * otherwise): the real server (`bun src/main.ts`, embedded Janus, PGlite in a temp folder) and two
 * Chromiums. Ana's camera is a checkerboard; Ben receives it through Janus. Ana switches background
 * blur and noise suppression on from the meeting's Effects menu, then off; the scenario reads how
 * sharp Ana's picture is as Ben's page decodes it, what Ana's camera publisher's senders carry, and
 * whether any PeerConnection was added (a renegotiation would need one). Prints one JSON line
 * `{"results": …}` for the test to judge.
 *
 * Environment: DICTATE_E2E_WORK (a folder the test owns and deletes), TMPDIR inside it.
 */
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { sharpness, writeCheckerboard } from "../helpers/effects.ts";
import { MEDIA_CHROMIUM_FLAGS, RECORD_PEER_CONNECTIONS, voice, writeWav } from "../helpers/fake-media.ts";
import { closeScenario, noteFailure, reportScenario, startScenarioServer, waiter } from "../helpers/scenario-script.ts";

const work = process.env.DICTATE_E2E_WORK;
if (!work) throw new Error("DICTATE_E2E_WORK is not set: run this through effects-media.e2e.test.ts");
const started = performance.now();
const elapsed = () => Math.round(performance.now() - started);
const step = (what: string) => process.stderr.write(`[effects-media ${(elapsed() / 1000).toFixed(1)}s] ${what}\n`);
const results: Record<string, unknown> = {};

/** Every PeerConnection (window.__pcs), and what the effects make: canvas tracks, audio destinations, worklet nodes. */
const INSTRUMENT = `${RECORD_PEER_CONNECTIONS}
(() => {
  const fx = (window.__fx = { canvasTracks: [], dests: [], worklets: [], captured: [] });
  const capture = HTMLCanvasElement.prototype.captureStream;
  HTMLCanvasElement.prototype.captureStream = function (...a) { const s = capture.apply(this, a); fx.canvasTracks.push(...s.getVideoTracks()); return s; };
  const dest = AudioContext.prototype.createMediaStreamDestination;
  AudioContext.prototype.createMediaStreamDestination = function () { const d = dest.call(this); fx.dests.push(d); return d; };
  const Node = window.AudioWorkletNode;
  window.AudioWorkletNode = class extends Node { constructor(...a) { super(...a); fx.worklets.push(this); } };
  const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (c) => { const s = await gum(c); fx.captured.push(s); return s; };
})();`;

const until = waiter({ timeoutMs: 20_000, intervalMs: 200 });

/** What Ana's page sends: its open PeerConnections, and the track ids its sendonly senders carry, by kind. */
const sending = (page: Page) =>
  page.evaluate(() => {
    const pcs = ((window as any).__pcs as RTCPeerConnection[]).filter((p) => p.connectionState !== "closed");
    const senders = pcs.flatMap((pc) => pc.getSenders()).filter((s) => s.track);
    const fx = (window as any).__fx;
    return {
      pcsCreated: ((window as any).__pcs as RTCPeerConnection[]).length,
      audio: senders.filter((s) => s.track!.kind === "audio").map((s) => s.track!.id),
      video: senders.filter((s) => s.track!.kind === "video").map((s) => s.track!.id),
      mic: fx.captured.at(-1).getAudioTracks()[0].id as string,
      camera: fx.captured.at(-1).getVideoTracks()[0].id as string,
      canvas: fx.canvasTracks.map((t: MediaStreamTrack) => t.id) as string[],
      dests: fx.dests.flatMap((d: MediaStreamAudioDestinationNode) => d.stream.getAudioTracks().map((t) => t.id)) as string[],
      worklets: fx.worklets.length as number,
    };
  });

/**
 * One participant's audio as decoded at `page` so far (found through the tile's audio track): its
 * energy, how many seconds of it were played out, and how many of those the jitter buffer made up.
 */
const energyFrom = (page: Page, name: string) =>
  page.evaluate(async (name) => {
    const fig = [...document.querySelectorAll<HTMLElement>('figure[data-kind="camera"]')].find((f) => f.querySelector("figcaption")?.textContent?.includes(name));
    const ids = new Set(((fig?.querySelector("video")?.srcObject as MediaStream | null)?.getAudioTracks() ?? []).map((t) => t.id));
    const got = { energy: 0, seconds: 0, concealed: 0, samples: 0 };
    let found = false;
    for (const pc of (window as any).__pcs as RTCPeerConnection[]) {
      if (pc.connectionState === "closed") continue;
      (await pc.getStats()).forEach((r: any) => {
        if (r.type === "inbound-rtp" && r.kind === "audio" && ids.has(r.trackIdentifier)) {
          found = true;
          got.energy += r.totalAudioEnergy ?? 0;
          got.seconds += r.totalSamplesDuration ?? 0;
          got.concealed += r.concealedSamples ?? 0;
          got.samples += r.totalSamplesReceived ?? 0;
        }
      });
    }
    return found ? got : null;
  }, name);

type Heard = NonNullable<Awaited<ReturnType<typeof energyFrom>>>;
/** Energy per second played out between two readings, and the share of samples concealed meanwhile. */
const between = (a: Heard, b: Heard) => ({
  perSecond: (b.energy - a.energy) / Math.max(1e-3, b.seconds - a.seconds),
  concealed: (b.concealed - a.concealed) / Math.max(1, b.samples - a.samples),
});

/** Audio Ben's page has received so far: bytes, and its energy as decoded (Ana's voice, or silence). */
const audioIn = (page: Page) =>
  page.evaluate(async () => {
    let bytes = 0;
    let energy = 0;
    for (const pc of (window as any).__pcs as RTCPeerConnection[]) {
      if (pc.connectionState === "closed") continue;
      (await pc.getStats()).forEach((r: any) => {
        if (r.type === "inbound-rtp" && r.kind === "audio") {
          bytes += r.bytesReceived ?? 0;
          energy += r.totalAudioEnergy ?? 0;
        }
      });
    }
    return { bytes, energy };
  });

const port = 3330;
const base = `http://127.0.0.1:${port}`;
const browsers: Browser[] = [];
let server: Bun.Subprocess | null = null;
const serverLog = join(work, "server.log");
/** Ana's tile on Ben's page. */
const ANA_AT_BEN = 'figure[data-self="false"][data-kind="camera"] video';

try {
  step("starting the server (embedded Janus, PGlite)");
  server = await startScenarioServer({ work, port });

  const camera = join(work, "checkerboard.y4m");
  writeCheckerboard(camera);
  const wav = join(work, "voice.wav");
  writeWav(wav, 3, voice);
  const launch = async (extra: string[]) => {
    const b = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: [...MEDIA_CHROMIUM_FLAGS, ...extra] });
    browsers.push(b);
    return b;
  };
  // Nia's microphone hears only steady noise (seeded white noise), which RNNoise exists to remove.
  const noiseWav = join(work, "noise.wav");
  let seed = 12345;
  writeWav(noiseWav, 3, () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return (seed / 2147483648 - 0.5) * 0.6;
  });
  const [anaBrowser, benBrowser, niaBrowser] = await Promise.all([
    launch([`--use-file-for-fake-video-capture=${camera}`, `--use-file-for-fake-audio-capture=${wav}`]),
    launch([]),
    launch([`--use-file-for-fake-audio-capture=${noiseWav}`]),
  ]);
  const join_ = async (browser: Browser, name: string) => {
    const context = await browser.newContext({ baseURL: base, viewport: { width: 1100, height: 700 } });
    await context.addInitScript(INSTRUMENT);
    const page = await context.newPage();
    page.on("pageerror", (err) => process.stderr.write(`[page error ${name}] ${err.message}\n`));
    page.on("console", (m) => m.type() === "error" && !m.text().startsWith("Failed to load resource") && process.stderr.write(`[console ${name}] ${m.text()}\n`));
    await page.goto(`/m/${code}`);
    await page.getByLabel("Your name").fill(name);
    await page.getByRole("button", { name: "Join meeting" }).click();
    await page.getByRole("toolbar", { name: "Meeting controls" }).waitFor({ timeout: 20_000 });
    return page;
  };
  const created = await fetch(`${base}/api/meetings`, { method: "POST", headers: { "content-type": "application/json", origin: base }, body: "{}" });
  const code = ((await created.json()) as { meeting: { code: string } }).meeting.code;

  step("Ana and Ben join");
  const ana = await join_(anaBrowser, "Ana");
  const ben = await join_(benBrowser, "Ben");
  await until("Ana's picture at Ben's", () => ben.evaluate((sel) => (document.querySelector(sel) as HTMLVideoElement | null)?.videoWidth ?? 0, ANA_AT_BEN), 30_000);
  await Bun.sleep(1_500);
  results.sharpAtBenBefore = await sharpness(ben, ANA_AT_BEN);
  const before = await sending(ana);
  results.before = before;

  step("Ana switches blur on");
  const menu = ana.getByRole("button", { name: "Effects: background blur and noise suppression" });
  await menu.click();
  await ana.getByRole("menuitem", { name: "Blur background" }).click();
  await until("Ana's blur to run", async () => (await sending(ana)).canvas.length > 0, 60_000);
  // Through Janus to Ben: the picture Ben decodes loses the checkerboard's edges.
  results.sharpAtBenBlurred = await until(
    "a blurred picture at Ben's",
    async () => {
      const s = await sharpness(ben, ANA_AT_BEN);
      return s < (results.sharpAtBenBefore as number) * 0.2 ? s : null;
    },
    30_000,
    500,
  ).catch(async () => sharpness(ben, ANA_AT_BEN));

  step("Ana switches noise suppression on");
  await menu.click();
  await ana.getByRole("menuitem", { name: "Suppress background noise" }).click();
  await until("Ana's noise suppression to run", async () => (await sending(ana)).audio.some((id) => !id.startsWith(before.mic)) && (await sending(ana)).dests.length > 0, 30_000);
  const benAudio0 = await audioIn(ben);
  await Bun.sleep(3_000);
  const benAudio1 = await audioIn(ben);
  results.benAudioBytesWhileSuppressed = benAudio1.bytes - benAudio0.bytes;
  // Ana's fake microphone plays a voice-like signal: what comes out of RNNoise still carries it.
  results.benAudioEnergyWhileSuppressed = benAudio1.energy - benAudio0.energy;
  results.on = await sending(ana);

  step("Nia joins with a noisy microphone and switches noise suppression on");
  const nia = await join_(niaBrowser, "Nia");
  const niaHeard = () => energyFrom(ben, "Nia");
  await until("Nia's audio at Ben's", async () => ((await niaHeard())?.energy ?? 0) > 0, 30_000);
  await Bun.sleep(1_000);
  const e0 = (await niaHeard())!;
  await Bun.sleep(3_000);
  const plain = between(e0, (await niaHeard())!);
  await nia.getByRole("button", { name: "Effects: background blur and noise suppression" }).click();
  await nia.getByRole("menuitem", { name: "Suppress background noise" }).click();
  await until("Nia's noise suppression to run", async () => (await sending(nia)).dests.length > 0 && (await sending(nia)).audio[0] === (await sending(nia)).dests[0], 30_000);
  await Bun.sleep(1_500);
  // Up to three 2 s windows: on a loaded machine one window can be spoilt by the receiver's jitter
  // buffer concealing late packets with noise-like audio of its own; without suppression every
  // window carries the full noise.
  const windows: ReturnType<typeof between>[] = [];
  for (let i = 0; i < 3 && !(windows.length && Math.min(...windows.map((w) => w.perSecond)) < plain.perSecond * 0.2); i++) {
    const a = (await niaHeard())!;
    await Bun.sleep(2_000);
    windows.push(between(a, (await niaHeard())!));
  }
  results.niaNoiseEnergy = { plain: plain.perSecond, suppressed: Math.min(...windows.map((w) => w.perSecond)), plainConcealed: plain.concealed, windows };

  step("Ana switches both off");
  await menu.click();
  await ana.getByRole("menuitem", { name: "Stop suppressing noise" }).click();
  await menu.click();
  await ana.getByRole("menuitem", { name: "Stop blurring background" }).click();
  await until("Ana's own tracks to be sent again", async () => {
    const s = await sending(ana);
    return s.audio[0] === s.mic && s.video[0] === s.camera;
  });
  results.off = await sending(ana);
  results.sharpAtBenAfter = await until(
    "a sharp picture again at Ben's",
    async () => {
      const s = await sharpness(ben, ANA_AT_BEN);
      return s > (results.sharpAtBenBefore as number) * 0.5 ? s : null;
    },
    30_000,
    500,
  ).catch(async () => sharpness(ben, ANA_AT_BEN));
  results.ok = true;
} catch (err) {
  noteFailure(results, err, serverLog);
} finally {
  await closeScenario(browsers, server);
  results.totalMs = elapsed();
}
reportScenario(results);
