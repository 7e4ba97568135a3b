/**
 * The camera the meeting sends is captured once, at the top simulcast layer's size, even when Join
 * is pressed before the pre-join preview's camera came (issue 15). Chromium gives a second capture
 * made while the first is still open the camera's default size (640×480 on its fake camera), so the
 * meeting used to send its "1280" layer at 640 wide. Here the page's getUserMedia answers slowly
 * (800 ms) and Join is pressed at once: the meeting must end up with one live camera, 1280×720.
 * No Janus: the self view is enough to read the captured track.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext } from "playwright-core";
import { canRunBrowser, launchBrowser, newContext, watchErrors } from "../helpers/browser.ts";
import { startServer, type RunningServer } from "../helpers/server.ts";

/** Page script: getUserMedia answers 800 ms late; every capture and every live camera track is kept. */
const SLOW_CAMERA = `(() => {
  const md = navigator.mediaDevices;
  if (!md) return;
  const gum = md.getUserMedia.bind(md);
  window.__videoCaptures = 0;
  window.__cameraTracks = [];
  md.getUserMedia = async (c) => {
    if (c && c.video) window.__videoCaptures++;
    await new Promise((r) => setTimeout(r, 800));
    const s = await gum(c);
    window.__cameraTracks.push(...s.getVideoTracks());
    return s;
  };
})();`;

describe.skipIf(!canRunBrowser)("the meeting's camera when Join comes before the preview (Chromium)", () => {
  let server: RunningServer;
  let browser: Browser;
  let context: BrowserContext;
  let dir = "";

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "dictate-camera-size-"));
    server = await startServer({ DATA_DIR: dir, NODE_ENV: "production" });
    browser = await launchBrowser();
    context = await newContext(browser, { baseURL: server.url });
    await context.addInitScript(SLOW_CAMERA);
  }, 120_000);

  afterAll(async () => {
    await context?.close().catch(() => {});
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("one capture is handed over and raised to 1280×720; no second camera is opened", async () => {
    const res = await context.request.post("/api/meetings", { data: {}, headers: { origin: server.url } });
    const code = ((await res.json()) as { meeting: { code: string } }).meeting.code;
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`/m/${code}`);
    await page.getByLabel("Your name").fill("Ada");
    // At once: the preview's capture is still in flight.
    await page.getByRole("button", { name: "Join meeting" }).click();
    await page.getByRole("toolbar", { name: "Meeting controls" }).waitFor();
    await page.locator('figure[data-self="true"] video').waitFor();
    await page.waitForFunction(() => ((window as any).__cameraTracks as MediaStreamTrack[]).some((t) => t.readyState === "live" && (t.getSettings().width ?? 0) >= 1280), null, { timeout: 20_000 }).catch(() => null);
    const state = await page.evaluate(() => ({
      captures: (window as any).__videoCaptures as number,
      live: ((window as any).__cameraTracks as MediaStreamTrack[]).filter((t) => t.readyState === "live").map((t) => t.getSettings().width),
    }));
    expect(state).toEqual({ captures: 1, live: [1280] });
    expect(errors).toEqual([]);
  }, 60_000);
});
