/**
 * Background blur and noise suppression (issue 17 item 9) in real Chromium against the real server
 * in production mode (its bundle and CSP; no Janus needed): both off by default and nothing of them
 * fetched until switched on; blur on the pre-join screen makes the preview's frames lose the fake
 * camera's sharp edges (a real pixel measure: it fails if blur did nothing) while the page still
 * answers clicks; remembered across a reload; in the meeting, noise suppression puts the
 * AudioWorklet's MediaStreamAudioDestinationNode track in the local stream the camera publisher
 * sends, and off gives the microphone's own track back with the AudioContext closed; blur off ends
 * the canvas track. No CSP violation or page error throughout. The controls named, keyboard
 * reachable and axe-clean in light and dark, at desktop and phone width.
 * Screenshots: .test-artifacts/screenshots/effects-*.png.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { audit, canRunBrowser, newContext, screenshot, watchErrors } from "../helpers/browser.ts";
import { sharpness, writeCheckerboard } from "../helpers/effects.ts";
import { eventually } from "../helpers/eventually.ts";
import { MEDIA_CHROMIUM_FLAGS } from "../helpers/fake-media.ts";
import { startServer, type RunningServer } from "../helpers/server.ts";

/** Keeps what the effects create (AudioContexts, AudioWorkletNodes, destinations, canvas tracks) and every captured stream on `window.__fx`. */
const INSTRUMENT = `(() => {
  const fx = (window.__fx = { contexts: [], worklets: [], dests: [], canvasTracks: [], captured: [] });
  const Ctx = window.AudioContext;
  window.AudioContext = class extends Ctx { constructor(...a) { super(...a); fx.contexts.push(this); } };
  const dest = Ctx.prototype.createMediaStreamDestination;
  Ctx.prototype.createMediaStreamDestination = function () { const d = dest.call(this); fx.dests.push(d); return d; };
  const Node = window.AudioWorkletNode;
  window.AudioWorkletNode = class extends Node { constructor(...a) { super(...a); fx.worklets.push(this); } };
  const capture = HTMLCanvasElement.prototype.captureStream;
  HTMLCanvasElement.prototype.captureStream = function (...a) { const s = capture.apply(this, a); fx.canvasTracks.push(...s.getVideoTracks()); return s; };
  const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (c) => { const s = await gum(c); fx.captured.push(s); return s; };
})();`;

/** Requests that belong to the effects: their lazy parts, MediaPipe's files, RNNoise's WebAssembly. */
const EFFECT_REQUEST = /\/_lazy\/(blur|noise)|selfie_segmentation|rnnoise|\.wasm|\.tflite|\.binarypb/;

const PREVIEW = 'video[aria-label="Your camera preview"]';
const SELF_TILE = 'figure[data-self="true"][data-kind="camera"] video';

/** The longest a 50 ms timer was late over `ms`: the page's main thread is free if this stays small. */
const timerLag = (page: Page, ms: number) =>
  page.evaluate(
    (ms) =>
      new Promise<number>((resolve) => {
        let last = performance.now();
        let worst = 0;
        const id = setInterval(() => {
          const now = performance.now();
          worst = Math.max(worst, now - last - 50);
          last = now;
        }, 50);
        setTimeout(() => {
          clearInterval(id);
          resolve(Math.round(worst));
        }, ms);
      }),
    ms,
  );

describe.skipIf(!canRunBrowser)("background blur and noise suppression", () => {
  let server: RunningServer;
  let browser: Browser;
  let dir = "";
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "dictate-effects-"));
    server = await startServer({ DATA_DIR: dir, NODE_ENV: "production" });
    const camera = join(dir, "checkerboard.y4m");
    writeCheckerboard(camera);
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: [...MEDIA_CHROMIUM_FLAGS, `--use-file-for-fake-video-capture=${camera}`] });
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function context(options: { phone?: boolean; colorScheme?: "light" | "dark" } = {}) {
    const c = await newContext(browser, { baseURL: server.url, ...options });
    await c.addInitScript(INSTRUMENT);
    contexts.push(c);
    return c;
  }

  async function newMeeting(c: BrowserContext) {
    const res = await c.request.post("/api/meetings", { data: {}, headers: { origin: server.url } });
    return ((await res.json()) as { meeting: { code: string } }).meeting.code;
  }

  test("pre-join: nothing loaded until switched on; blur softens the preview's frames and the page stays responsive; remembered after a reload", async () => {
    const c = await context();
    const code = await newMeeting(c);
    const page = await c.newPage();
    const errors = watchErrors(page);
    const requests: string[] = [];
    page.on("request", (r) => requests.push(new URL(r.url()).pathname));
    await page.goto(`/m/${code}`);
    const blur = page.getByRole("checkbox", { name: "Blur my background" });
    const noise = page.getByRole("checkbox", { name: "Suppress background noise" });
    await eventually(async () => expect(await blur.isEnabled()).toBe(true), { timeoutMs: 10_000 });
    expect(await blur.isChecked()).toBe(false);
    expect(await noise.isChecked()).toBe(false);
    await Bun.sleep(500);
    expect(requests.filter((u) => EFFECT_REQUEST.test(u))).toEqual([]);
    await screenshot(page, "effects-prejoin-off-light");
    expect(await audit(page)).toEqual([]);

    const rawSharpness = await sharpness(page, { track: "raw" });
    // By keyboard: focus the checkbox and press Space.
    await blur.focus();
    await page.keyboard.press("Space");
    await eventually(async () => expect(await page.evaluate(() => (window as any).__fx.canvasTracks.length)).toBe(1), { timeoutMs: 30_000 });
    const loaded = requests.filter((u) => EFFECT_REQUEST.test(u));
    expect(loaded).toContain("/_lazy/blur");
    expect(loaded.some((u) => u.endsWith(".tflite"))).toBe(true);
    expect(loaded.some((u) => u.endsWith(".wasm"))).toBe(true);
    expect(loaded.some((u) => /noise|rnnoise/.test(u))).toBe(false);
    // The preview shows the processed track.
    await eventually(async () => expect(await page.evaluate(() => (document.querySelector('video[aria-label="Your camera preview"]') as HTMLVideoElement).srcObject === null ? null : ((document.querySelector('video[aria-label="Your camera preview"]') as HTMLVideoElement).srcObject as MediaStream).getVideoTracks()[0]!.id)).toBe(await page.evaluate(() => (window as any).__fx.canvasTracks[0].id)), { timeoutMs: 10_000 });
    const blurredSharpness = await sharpness(page, PREVIEW);
    console.log(`sharpness: camera ${rawSharpness.toFixed(2)}, blurred preview ${blurredSharpness.toFixed(2)}`);
    expect(rawSharpness).toBeGreaterThan(1_000);
    expect(blurredSharpness).toBeLessThan(rawSharpness * 0.2);

    // Still responsive: a click is answered promptly and timers run nearly on time while it blurs.
    // Measured from the click to the page's own DOM change (a MutationObserver), with a raw mouse
    // click: Playwright's click() first waits for the button to sit still over animation frames,
    // which the busy compositor delays without the page being any slower to answer.
    const box = (await page.getByRole("button", { name: "Mute microphone" }).boundingBox())!;
    const changed = page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          new MutationObserver(() => document.querySelector('button[aria-label="Unmute microphone"]') && resolve(Date.now())).observe(document.body, { attributes: true, subtree: true, childList: true });
        }),
    );
    await Bun.sleep(100);
    const clicked = Date.now();
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    const answeredMs = (await changed) - clicked;
    const lag = await timerLag(page, 2_000);
    console.log(`while blurring: click answered in ${answeredMs} ms, worst timer lag ${lag} ms`);
    expect(answeredMs).toBeLessThan(1_000);
    // MediaPipe reads its WebGL results back on the main thread: with software WebGL on a busy
    // 2-core machine (load average 14-19 while another suite ran) a frame's GPU work held a timer 67-1024 ms.
    expect(lag).toBeLessThan(2_000);
    await page.getByRole("button", { name: "Unmute microphone" }).click();
    await screenshot(page, "effects-prejoin-blur-light");

    // Remembered in this browser: after a reload blur is on again, and starts by itself.
    await page.reload();
    await eventually(async () => expect(await blur.isChecked()).toBe(true), { timeoutMs: 10_000 });
    await eventually(async () => expect(await page.evaluate(() => (window as any).__fx.canvasTracks.length)).toBe(1), { timeoutMs: 30_000 });
    expect(errors).toEqual([]);
  }, 120_000);

  test("without MediaStreamTrackProcessor (Firefox, Safari) blur reads the camera through a video element and still blurs", async () => {
    const c = await context();
    await c.addInitScript("delete window.MediaStreamTrackProcessor;");
    const code = await newMeeting(c);
    const page = await c.newPage();
    const errors = watchErrors(page);
    await page.goto(`/m/${code}`);
    expect(await page.evaluate(() => "MediaStreamTrackProcessor" in window)).toBe(false);
    const blur = page.getByRole("checkbox", { name: "Blur my background" });
    await eventually(async () => expect(await blur.isEnabled()).toBe(true), { timeoutMs: 10_000 });
    const raw = await sharpness(page, { track: "raw" });
    await blur.check();
    await eventually(async () => expect(await page.evaluate(() => (window as any).__fx.canvasTracks.length)).toBe(1), { timeoutMs: 30_000 });
    await eventually(async () => expect(await sharpness(page, PREVIEW)).toBeLessThan(raw * 0.2), { timeoutMs: 20_000 });
    await blur.uncheck();
    await eventually(async () => expect(await page.evaluate(() => (window as any).__fx.canvasTracks[0].readyState)).toBe("ended"));
    expect(errors).toEqual([]);
  }, 90_000);

  test("a part that cannot load: a clear message, the box unticked, the camera shown as it is", async () => {
    const c = await context();
    const code = await newMeeting(c);
    const page = await c.newPage();
    const errors = watchErrors(page);
    await page.route("**/_lazy/blur", (route) => route.fulfill({ status: 503, body: "unavailable" }));
    await page.goto(`/m/${code}`);
    const blur = page.getByRole("checkbox", { name: "Blur my background" });
    await eventually(async () => expect(await blur.isEnabled()).toBe(true), { timeoutMs: 10_000 });
    // click(), not check(): the box unticks itself at once when the part fails, which check() would take for a failed click.
    await blur.click();
    await page.getByRole("alert").getByText("Background blur could not be started, so your camera is sent as it is").waitFor();
    expect(await blur.isChecked()).toBe(false);
    const shown = await page.evaluate(() => ((document.querySelector('video[aria-label="Your camera preview"]') as HTMLVideoElement).srcObject as MediaStream).getVideoTracks()[0]!.id);
    expect(shown).toBe(await page.evaluate(() => (window as any).__fx.captured.at(-1).getVideoTracks()[0].id));
    expect(await page.evaluate(() => (window as any).__fx.canvasTracks.length)).toBe(0);
    await screenshot(page, "effects-failed-light");
    expect(await audit(page)).toEqual([]);
    // The 503 itself is the console's "Failed to load resource", which watchErrors leaves out; nothing else went wrong.
    expect(errors.filter((e) => !e.includes("blur failed to start"))).toEqual([]);
  }, 60_000);

  test("in the meeting: noise suppression sends the worklet's track, off gives the microphone back; blur off stops its canvas; controls in the Effects menu, dark and phone", async () => {
    const c = await context({ colorScheme: "dark" });
    const code = await newMeeting(c);
    const page = await c.newPage();
    const errors = watchErrors(page);
    const requests: string[] = [];
    page.on("request", (r) => requests.push(new URL(r.url()).pathname));
    await page.goto(`/m/${code}`);
    await page.getByLabel("Your name").fill("Noa");
    await page.getByRole("button", { name: "Join meeting" }).click();
    await page.getByRole("toolbar", { name: "Meeting controls" }).waitFor();
    await page.locator('figure[data-self="true"] video').waitFor();
    expect(requests.filter((u) => EFFECT_REQUEST.test(u))).toEqual([]);

    // The tile's audio tracks; null until the tile's video element has its stream (it is rendered
    // first and given the stream just after: on a loaded machine the test once read it in between).
    const tileAudio = () =>
      page.evaluate(() => ((document.querySelector('figure[data-self="true"][data-kind="camera"] video') as HTMLVideoElement).srcObject as MediaStream | null)?.getAudioTracks().map((t) => t.id) ?? null);
    const micId = await page.evaluate(() => (window as any).__fx.captured.at(-1).getAudioTracks()[0].id);
    await eventually(async () => expect(await tileAudio()).toEqual([micId]));

    // The Effects menu by keyboard: focus it, Enter opens it on its first item, Arrow Down, Enter.
    const menuButton = page.getByRole("button", { name: "Effects: background blur and noise suppression" });
    await menuButton.focus();
    await page.keyboard.press("Enter");
    await page.getByRole("menu", { name: "Effects: background blur and noise suppression" }).waitFor();
    await screenshot(page, "effects-menu-dark");
    expect(await audit(page)).toEqual([]);
    await page.keyboard.press("ArrowDown");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Suppress background noise");
    await page.keyboard.press("Enter");

    // The local stream (what the camera publisher sends and the tile shows) now carries the worklet's output.
    await eventually(async () => {
      const fx = await page.evaluate(() => {
        const f = (window as any).__fx;
        return { worklets: f.worklets.length, dests: f.dests.flatMap((d: MediaStreamAudioDestinationNode) => d.stream.getAudioTracks().map((t) => t.id)) };
      });
      expect(fx.worklets).toBe(1);
      expect(fx.dests).toHaveLength(1);
      expect(await tileAudio()).toEqual(fx.dests);
      // That destination is fed by the worklet's own AudioContext.
      expect(await page.evaluate(() => (window as any).__fx.dests[0].context === (window as any).__fx.worklets[0].context)).toBe(true);
    }, { timeoutMs: 20_000 });
    expect(await tileAudio()).not.toEqual([micId]);
    const noiseRequests = requests.filter((u) => EFFECT_REQUEST.test(u));
    expect(noiseRequests).toContain("/_lazy/noise");
    expect(noiseRequests).toContain("/_lazy/noise-worklet");
    expect(noiseRequests.some((u) => u.endsWith(".wasm"))).toBe(true);
    expect(noiseRequests.some((u) => /blur|selfie|tflite/.test(u))).toBe(false);
    // The worklet really runs: the AudioContext plays and its clock moves.
    const clock = await page.evaluate(async () => {
      const ctx = (window as any).__fx.worklets[0].context as AudioContext;
      const t0 = ctx.currentTime;
      await new Promise((r) => setTimeout(r, 500));
      return { state: ctx.state, advanced: ctx.currentTime - t0 };
    });
    expect(clock.state).toBe("running");
    expect(clock.advanced).toBeGreaterThan(0.2);

    // Blur on from the same menu, then both off: the microphone's own track again, the audio graph closed, the canvas track ended.
    await menuButton.click();
    await page.getByRole("menuitem", { name: "Blur background" }).click();
    await eventually(async () => expect(await page.evaluate(() => (window as any).__fx.canvasTracks.length)).toBe(1), { timeoutMs: 30_000 });
    // The local tile shows the processed track (once its first frame is composited), and it is blurred.
    await eventually(
      async () => expect(await page.evaluate((sel) => ((document.querySelector(sel) as HTMLVideoElement).srcObject as MediaStream).getVideoTracks()[0]!.id, SELF_TILE)).toBe(await page.evaluate(() => (window as any).__fx.canvasTracks[0].id)),
      { timeoutMs: 30_000 },
    );
    await eventually(async () => expect(await sharpness(page, SELF_TILE)).toBeLessThan((await sharpness(page, { track: "raw" })) * 0.2), { timeoutMs: 20_000 });
    await menuButton.click();
    await page.getByRole("menuitem", { name: "Stop suppressing noise" }).click();
    await eventually(async () => expect(await tileAudio()).toEqual([micId]));
    await eventually(async () => expect(await page.evaluate(() => (window as any).__fx.worklets[0].context.state)).toBe("closed"));
    await menuButton.click();
    await page.getByRole("menuitem", { name: "Stop blurring background" }).click();
    await eventually(async () => expect(await page.evaluate(() => (window as any).__fx.canvasTracks[0].readyState)).toBe("ended"));
    expect(await page.evaluate(() => (window as any).__fx.captured.at(-1).getTracks().map((t: MediaStreamTrack) => t.readyState))).toEqual(["live", "live"]);
    expect(errors).toEqual([]);

    // At phone width the two are items of the More menu, axe-clean in light.
    const phone = await context({ phone: true });
    const p = await phone.newPage();
    const phoneErrors = watchErrors(p);
    await p.goto(`/m/${code}`);
    await p.getByLabel("Your name").fill("Pia");
    await screenshot(p, "effects-prejoin-phone-light");
    expect(await audit(p)).toEqual([]);
    expect(await p.evaluate(() => document.documentElement.scrollWidth <= innerWidth)).toBe(true);
    await p.getByRole("button", { name: "Join meeting" }).click();
    await p.getByRole("toolbar", { name: "Meeting controls" }).waitFor();
    await p.getByRole("button", { name: "More controls" }).click();
    await p.getByRole("menuitem", { name: "Blur background" }).waitFor();
    await p.getByRole("menuitem", { name: "Suppress background noise" }).waitFor();
    await screenshot(p, "effects-more-phone-light");
    expect(await audit(p)).toEqual([]);
    expect(phoneErrors).toEqual([]);
  }, 150_000);
});
