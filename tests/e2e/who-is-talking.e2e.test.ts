/**
 * Who is talking, in Chromium against the real server (no Janus: the server's `speaking` messages
 * are added to Ada's room socket by the test, as Janus's talking events would bring them). Before,
 * the highlight was a thin border, and there was no speaker view, no pinning, no full screen and no
 * "You are muted". Now: a thick ring and an animated mark on the speaker's tile, a speaker view and
 * pinning that put one tile on a large stage with the others in a strip, full screen for a tile or
 * the whole meeting, and a notice when Chromium's fake microphone (a beep twice a second) is heard
 * while muted. Screenshots: .test-artifacts/screenshots/talking-*.png.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page, WebSocketRoute } from "playwright-core";
import { audit, canRunBrowser, joinMeeting, launchBrowser, newContext, screenshot, watchErrors } from "../helpers/browser.ts";
import { startServer, type RunningServer } from "../helpers/server.ts";

type Box = { x: number; y: number; width: number; height: number };
const area = (b: Box | null) => (b ? b.width * b.height : 0);

describe.skipIf(!canRunBrowser)("who is talking", () => {
  let server: RunningServer;
  let browser: Browser;
  let dir = "";
  const contexts: BrowserContext[] = [];
  let ada: Page;
  let errors: string[] = [];
  const adaSockets: WebSocketRoute[] = [];
  const ids: Record<string, string> = {};

  const tile = (page: Page, id: string) => page.locator(`figure[data-kind="camera"][data-participant-id="${id}"]`);
  const box = async (page: Page, id: string) => tile(page, id).boundingBox();
  /** What Janus's talking event turns into: the server tells everyone who speaks. */
  const speaking = (participantId: string) => adaSockets.at(-1)!.send(JSON.stringify({ type: "speaking", participantId }));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "dictate-talking-"));
    server = await startServer({ DATA_DIR: dir });
    browser = await launchBrowser();
    const starter = await newContext(browser, { baseURL: server.url });
    contexts.push(starter);
    const code = ((await (await starter.request.post("/api/meetings", { data: {}, headers: { origin: server.url } })).json()) as { meeting: { code: string } }).meeting.code;
    const adaContext = await newContext(browser, { baseURL: server.url });
    contexts.push(adaContext);
    // Ada's room socket goes through the test, which can add server messages (the notes socket is left alone).
    await adaContext.routeWebSocket(/\/ws\/meetings\/[^/]+$/, (ws) => {
      ws.connectToServer();
      adaSockets.push(ws);
    });
    ada = await joinMeeting(adaContext, code, "Ada");
    errors = watchErrors(ada);
    for (const name of ["Ben", "Cy"]) {
      const c = await newContext(browser, { baseURL: server.url });
      contexts.push(c);
      await joinMeeting(c, code, name);
    }
    await ada.locator('figure[data-kind="camera"]').nth(2).waitFor();
    for (const f of await ada.locator('figure[data-kind="camera"]').all()) {
      const name = (await f.locator(".name").innerText()).replace(" (you)", "");
      ids[name] = (await f.getAttribute("data-participant-id"))!;
    }
  }, 90_000);

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the speaker's tile gets a thick green ring, a speaking mark, and says so to screen readers", async () => {
    speaking(ids.Ben!);
    await tile(ada, ids.Ben!).and(ada.locator(".speaking")).waitFor();
    // The ring fades in (a short transition).
    await ada.waitForFunction((id) => getComputedStyle(document.querySelector(`figure[data-participant-id="${id}"]`)!).borderTopColor === "rgb(34, 197, 94)", ids.Ben);
    const look = await tile(ada, ids.Ben!).evaluate((el) => ({
      border: getComputedStyle(el).borderTopColor,
      borderWidth: parseFloat(getComputedStyle(el).borderTopWidth),
      ring: getComputedStyle(el, "::after").boxShadow,
      caption: el.querySelector("figcaption")!.textContent,
      mark: el.querySelector(".speaking-indicator") !== null,
    }));
    expect(look.border).toBe("rgb(34, 197, 94)");
    expect(look.borderWidth).toBeGreaterThanOrEqual(3);
    // Border plus an inner ring over the video: 6 px of green in all.
    expect(look.ring).toContain("3px");
    expect(look.caption).toContain(", speaking");
    expect(look.mark).toBe(true);
    // Only one speaker at a time.
    expect(await ada.locator("figure.speaking").count()).toBe(1);
    await screenshot(ada, "talking-grid-speaking");
  }, 30_000);

  test("speaker view puts the active speaker on a large stage and the others in a strip; it follows who speaks, not you", async () => {
    const toggle = ada.getByRole("button", { name: "Speaker view" });
    expect(await toggle.getAttribute("aria-pressed")).toBe("false");
    const gridBoxes = await Promise.all([ids.Ada!, ids.Ben!, ids.Cy!].map((id) => box(ada, id)));
    // The grid: three tiles of one size.
    expect(Math.abs(area(gridBoxes[0]!) - area(gridBoxes[1]!))).toBeLessThan(area(gridBoxes[0]!) * 0.05);

    await toggle.click();
    expect(await toggle.getAttribute("aria-pressed")).toBe("true");
    await ada.locator('.video-area[data-layout="speaker"]').waitFor();
    expect(await ada.locator(`.stage-main figure[data-participant-id="${ids.Ben}"]`).count()).toBe(1);
    const [stage, stripAda, stripCy] = await Promise.all([box(ada, ids.Ben!), box(ada, ids.Ada!), box(ada, ids.Cy!)]);
    expect(area(stage)).toBeGreaterThan(area(stripAda) * 6);
    expect(area(stripCy)).toBeCloseTo(area(stripAda), -2);
    // The strip sits beside the stage on a wide window.
    expect(stripAda!.x).toBeGreaterThan(stage!.x + stage!.width - 1);
    await screenshot(ada, "talking-speaker-view");

    speaking(ids.Cy!);
    await ada.locator(`.stage-main figure[data-participant-id="${ids.Cy}"]`).waitFor();
    // Ada's own voice does not put herself on her stage: Cy stays.
    speaking(ids.Ada!);
    await tile(ada, ids.Ada!).and(ada.locator(".speaking")).waitFor();
    expect(await ada.locator(`.stage-main figure[data-participant-id="${ids.Cy}"]`).count()).toBe(1);

    // Remembered by this browser.
    expect(await ada.evaluate(() => localStorage.getItem("dictate.view"))).toBe("speaker");
    await toggle.click();
    await ada.locator('.video-area[data-layout="grid"]').waitFor();
  }, 30_000);

  test("pinning a tile makes it the stage in either view; unpinning gives the grid back", async () => {
    const pin = ada.getByRole("button", { name: "Pin Cy", exact: true });
    await pin.click();
    await ada.locator('.video-area[data-layout="pinned"]').waitFor();
    const unpin = ada.getByRole("button", { name: "Unpin Cy", exact: true });
    expect(await unpin.getAttribute("aria-pressed")).toBe("true");
    const [stage, other] = await Promise.all([box(ada, ids.Cy!), box(ada, ids.Ben!)]);
    expect(area(stage)).toBeGreaterThan(area(other) * 6);
    expect(await tile(ada, ids.Cy!).getByRole("img", { name: "Pinned" }).count()).toBe(1);
    // The speaker does not take a pinned stage.
    speaking(ids.Ben!);
    await tile(ada, ids.Ben!).and(ada.locator(".speaking")).waitFor();
    expect(await ada.locator(`.stage-main figure[data-participant-id="${ids.Cy}"]`).count()).toBe(1);
    await screenshot(ada, "talking-pinned");
    // Pinning another moves the stage; by keyboard this time.
    await ada.getByRole("button", { name: "Pin Ben", exact: true }).focus();
    await ada.keyboard.press("Enter");
    await ada.locator(`.stage-main figure[data-participant-id="${ids.Ben}"]`).waitFor();
    // The tile moved to the stage and focus went with it.
    await ada.waitForFunction(() => document.activeElement?.getAttribute("aria-label") === "Unpin Ben");
    await ada.keyboard.press("Enter");
    await ada.locator('.video-area[data-layout="grid"]').waitFor();
    await ada.waitForFunction(() => document.activeElement?.getAttribute("aria-label") === "Pin Ben");
    await ada.getByRole("button", { name: "Pin Ben", exact: true }).click();
    await ada.getByRole("button", { name: "Unpin Ben", exact: true }).click();
    await ada.locator('.video-area[data-layout="grid"]').waitFor();
  }, 30_000);

  test("full screen: a tile's button shows that tile full screen (and nothing moves it meanwhile), the header's the whole meeting", async () => {
    await ada.getByRole("button", { name: "Show Ben full screen" }).click();
    await ada.waitForFunction((id) => (document.fullscreenElement as HTMLElement | null)?.dataset.participantId === id, ids.Ben);
    await ada.getByRole("button", { name: "Exit full screen" }).click();
    await ada.waitForFunction(() => document.fullscreenElement === null);

    // In speaker view the speaker's tile stays full screen when someone else starts talking (taking it
    // off the stage would end full screen), and the stage follows the new speaker afterwards.
    await ada.getByRole("button", { name: "Speaker view" }).click();
    speaking(ids.Ben!);
    await ada.locator(`.stage-main figure[data-participant-id="${ids.Ben}"]`).waitFor();
    await ada.getByRole("button", { name: "Show Ben full screen" }).click();
    await ada.waitForFunction((id) => (document.fullscreenElement as HTMLElement | null)?.dataset.participantId === id, ids.Ben);
    speaking(ids.Cy!);
    await tile(ada, ids.Cy!).and(ada.locator(".speaking")).waitFor();
    await Bun.sleep(300);
    expect(await ada.evaluate(() => (document.fullscreenElement as HTMLElement | null)?.dataset.participantId)).toBe(ids.Ben);
    await ada.getByRole("button", { name: "Exit full screen" }).click();
    await ada.locator(`.stage-main figure[data-participant-id="${ids.Cy}"]`).waitFor();
    await ada.getByRole("button", { name: "Speaker view" }).click();
    await ada.locator('.video-area[data-layout="grid"]').waitFor();

    await ada.getByRole("button", { name: "Full screen", exact: true }).click();
    await ada.waitForFunction(() => document.fullscreenElement === document.documentElement);
    await ada.getByRole("button", { name: "Exit full screen" }).click();
    await ada.waitForFunction(() => document.fullscreenElement === null);
  }, 30_000);

  test("muted while the microphone hears sound: 'You are muted' shows, and goes when unmuted", async () => {
    const notice = ada.getByRole("status").filter({ hasText: "You are muted" });
    expect(await notice.count()).toBe(0);
    await ada.getByRole("button", { name: "Mute microphone" }).click();
    await notice.waitFor({ timeout: 10_000 });
    await screenshot(ada, "talking-you-are-muted");
    // It floats over the video, not over a side panel.
    await ada.getByRole("button", { name: "Open chat" }).click();
    const panel = (await ada.locator("#chat-panel").boundingBox())!;
    const shown = (await ada.locator(".muted-notice").boundingBox())!;
    expect(shown.x + shown.width).toBeLessThanOrEqual(panel.x);
    await screenshot(ada, "talking-you-are-muted-chat");
    await ada.keyboard.press("Escape");
    await ada.getByRole("button", { name: "Unmute microphone" }).click();
    await notice.waitFor({ state: "detached" });
  }, 30_000);

  test("every new control is reached with Tab and has a name", async () => {
    await ada.locator("body").click({ position: { x: 5, y: 400 } });
    const seen: string[] = [];
    for (let i = 0; i < 40; i++) {
      await ada.keyboard.press("Tab");
      seen.push(await ada.evaluate(() => document.activeElement?.getAttribute("aria-label") ?? document.activeElement?.textContent?.trim() ?? ""));
    }
    for (const name of ["Invite people", "Speaker view", "Full screen", "Pin Ben", "Show Ben full screen", "Pin Ada (you)", "Pin Cy"]) expect(seen).toContain(name);
  }, 30_000);

  test("axe finds nothing serious, light and dark, grid, speaker view and pinned", async () => {
    expect(await audit(ada)).toEqual([]);
    await ada.getByRole("button", { name: "Speaker view" }).click();
    await ada.locator('.video-area[data-layout="speaker"]').waitFor();
    expect(await audit(ada)).toEqual([]);
    await ada.emulateMedia({ colorScheme: "dark" });
    await ada.getByRole("button", { name: "Pin Ben", exact: true }).click();
    speaking(ids.Ben!);
    await tile(ada, ids.Ben!).and(ada.locator(".speaking")).waitFor();
    expect(await audit(ada)).toEqual([]);
    await screenshot(ada, "talking-pinned-dark");
    await ada.getByRole("button", { name: "Unpin Ben", exact: true }).click();
    await ada.getByRole("button", { name: "Speaker view" }).click();
    await ada.emulateMedia({ colorScheme: "light" });
  }, 30_000);

  test("at phone width: speaker view stacks the strip under the stage, and stays axe-clean in the dark", async () => {
    await ada.setViewportSize({ width: 390, height: 780 });
    await ada.emulateMedia({ colorScheme: "dark" });
    await ada.getByRole("button", { name: "Speaker view" }).click();
    await ada.locator('.video-area[data-layout="speaker"]').waitFor();
    const [stage, strip] = await Promise.all([box(ada, ids.Ben!), box(ada, ids.Ada!)]);
    expect(strip!.y).toBeGreaterThan(stage!.y + stage!.height - 1);
    expect(stage!.width).toBeLessThanOrEqual(390);
    await screenshot(ada, "talking-phone-speaker-dark");
    expect(await audit(ada)).toEqual([]);
    await ada.getByRole("button", { name: "Speaker view" }).click();
    await ada.emulateMedia({ colorScheme: "light" });
    await ada.setViewportSize({ width: 1280, height: 800 });
  }, 30_000);

  test("no page errors", () => {
    expect(errors).toEqual([]);
  });
});
