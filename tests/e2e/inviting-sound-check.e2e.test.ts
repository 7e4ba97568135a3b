/**
 * Inviting and the pre-join sound check, in Chromium against the real server (no Janus needed).
 * Before, someone alone in a meeting got no hint to invite anyone, the link sat in the People panel
 * and on a phone the code was hidden; and nothing before joining showed whether the microphone or
 * the speakers worked. Now: "Waiting for others" with a copy button while alone, an Invite button in
 * the header at every width (link, code, copy), a microphone meter that moves with Chromium's fake
 * microphone (a beep twice a second), and a speaker test that plays a chime.
 * Screenshots: .test-artifacts/screenshots/invite-*.png and prejoin-sound-*.png.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { audit, canRunBrowser, joinMeeting, launchBrowser, newContext, screenshot, watchErrors } from "../helpers/browser.ts";
import { startServer, type RunningServer } from "../helpers/server.ts";

describe.skipIf(!canRunBrowser)("inviting and the pre-join sound check", () => {
  let server: RunningServer;
  let browser: Browser;
  let dir = "";
  const contexts: BrowserContext[] = [];
  const errors: string[][] = [];

  async function context(options: { phone?: boolean; colorScheme?: "light" | "dark" } = {}) {
    const c = await newContext(browser, { baseURL: server.url, ...options });
    contexts.push(c);
    // Counts the tones the page plays (Web Audio oscillators started).
    await c.addInitScript(() => {
      const start = OscillatorNode.prototype.start;
      OscillatorNode.prototype.start = function (...args: Parameters<typeof start>) {
        (globalThis as { __tones?: number }).__tones = ((globalThis as { __tones?: number }).__tones ?? 0) + 1;
        return start.apply(this, args);
      };
    });
    return c;
  }

  async function newMeeting(): Promise<string> {
    const c = await context();
    return ((await (await c.request.post("/api/meetings", { data: {}, headers: { origin: server.url } })).json()) as { meeting: { code: string } }).meeting.code;
  }

  async function joinAs(code: string, name: string, options: { phone?: boolean; colorScheme?: "light" | "dark" } = {}): Promise<Page> {
    const page = await joinMeeting(await context(options), code, name);
    errors.push(watchErrors(page));
    return page;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "dictate-invite-"));
    server = await startServer({ DATA_DIR: dir });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the pre-join microphone meter moves with the microphone and rests when it is muted", async () => {
    const code = await newMeeting();
    const page = await (await context()).newPage();
    errors.push(watchErrors(page));
    await page.goto(`/m/${code}`);
    const meter = page.getByRole("meter", { name: "Microphone level" });
    await meter.waitFor();
    const values: number[] = [];
    for (let i = 0; i < 20; i++) {
      values.push(Number(await meter.getAttribute("aria-valuenow")));
      await Bun.sleep(100);
    }
    expect(new Set(values).size).toBeGreaterThanOrEqual(3);
    expect(Math.max(...values)).toBeGreaterThan(30);
    await screenshot(page, "prejoin-sound-light");

    await page.getByRole("button", { name: "Mute microphone" }).click();
    await page.getByText("Microphone off").waitFor();
    await Bun.sleep(1_000);
    expect(Number(await meter.getAttribute("aria-valuenow"))).toBe(0);
    await page.getByRole("button", { name: "Unmute microphone" }).click();
    await page.waitForFunction(() => Number(document.querySelector("[role=meter]")?.getAttribute("aria-valuenow")) > 0, undefined, { timeout: 5_000 });
    expect(await audit(page)).toEqual([]);
  }, 30_000);

  test("the speaker test plays a chime and asks whether it was heard", async () => {
    const code = await newMeeting();
    const page = await (await context({ colorScheme: "dark" })).newPage();
    errors.push(watchErrors(page));
    await page.goto(`/m/${code}`);
    const button = page.getByRole("button", { name: "Test speakers" });
    await button.click();
    await page.getByRole("status").filter({ hasText: "Playing a short chime" }).waitFor();
    expect(await page.evaluate(() => (globalThis as { __tones?: number }).__tones ?? 0)).toBe(3);
    await page.getByRole("status").filter({ hasText: "Did you hear a chime?" }).waitFor({ timeout: 5_000 });
    await screenshot(page, "prejoin-sound-dark");
    expect(await audit(page)).toEqual([]);
    // Reached by keyboard like every control.
    await button.focus();
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => (globalThis as { __tones?: number }).__tones === 6);
  }, 30_000);

  test("the pre-join sound check at phone width is axe-clean and fits the screen", async () => {
    const code = await newMeeting();
    const page = await (await context({ phone: true, colorScheme: "dark" })).newPage();
    errors.push(watchErrors(page));
    await page.goto(`/m/${code}`);
    const meter = page.getByRole("meter", { name: "Microphone level" });
    await meter.waitFor();
    const box = (await page.locator(".mic-checks").boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    await screenshot(page, "prejoin-sound-phone-dark");
    expect(await audit(page)).toEqual([]);
  }, 30_000);

  test("alone in the meeting: 'Waiting for others' with the link to copy, gone when someone joins", async () => {
    const code = await newMeeting();
    const ada = await joinAs(code, "Ada");
    const prompt = ada.getByRole("region", { name: "Waiting for others" });
    await prompt.waitFor();
    expect(await prompt.innerText()).toContain(`${server.url}/m/${code}`);
    await prompt.getByRole("button", { name: "Copy the link to invite others" }).click();
    await prompt.getByText("Copied").waitFor();
    expect(await ada.evaluate(() => navigator.clipboard.readText())).toBe(`${server.url}/m/${code}`);
    await screenshot(ada, "invite-alone");
    expect(await audit(ada)).toEqual([]);

    const ben = await joinAs(code, "Ben");
    await prompt.waitFor({ state: "detached" });
    expect(await ben.getByRole("region", { name: "Waiting for others" }).count()).toBe(0);
    // Alone again when Ben leaves.
    await ben.close();
    await prompt.waitFor({ timeout: 10_000 });
    // Dismissed, it stays away.
    await prompt.getByRole("button", { name: "Dismiss the invitation prompt" }).click();
    await prompt.waitFor({ state: "detached" });
  }, 40_000);

  test("at phone width the header's Invite button opens the link and the code; Esc closes it and gives focus back", async () => {
    const code = await newMeeting();
    const ada = await joinAs(code, "Ada", { phone: true });
    // The header is too narrow to show the code itself.
    expect(await ada.locator(".meeting-header > .code").isVisible()).toBe(false);
    const invite = ada.getByRole("button", { name: "Invite people" });
    expect(await invite.getAttribute("aria-expanded")).toBe("false");
    const size = (await invite.boundingBox())!;
    expect(Math.min(size.width, size.height)).toBeGreaterThanOrEqual(44);
    await invite.focus();
    await ada.keyboard.press("Enter");
    const popover = ada.getByRole("dialog", { name: "Invite people" });
    await popover.waitFor();
    expect(await invite.getAttribute("aria-expanded")).toBe("true");
    // Focus moved into it.
    expect(await ada.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Copy link to the meeting");
    // The code itself, shown (it was hidden with the header's code at first).
    expect(await popover.getByText(code, { exact: true }).isVisible()).toBe(true);
    expect(await popover.innerText()).toContain(`${server.url}/m/${code}`);
    const box = (await popover.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    await popover.getByRole("button", { name: `Copy code ${code}` }).click();
    expect(await ada.evaluate(() => navigator.clipboard.readText())).toBe(code);
    await screenshot(ada, "invite-phone-light");
    expect(await audit(ada)).toEqual([]);
    await ada.emulateMedia({ colorScheme: "dark" });
    await screenshot(ada, "invite-phone-dark");
    expect(await audit(ada)).toEqual([]);

    await ada.keyboard.press("Escape");
    await popover.waitFor({ state: "hidden" });
    expect(await ada.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Invite people");
    // A click elsewhere closes it too.
    await invite.click();
    await popover.waitFor();
    await ada.locator(".meeting-header h1").click();
    await popover.waitFor({ state: "hidden" });
  }, 40_000);

  test("at desktop width the header shows the code and the Invite button, and the popover is axe-clean in the dark", async () => {
    const code = await newMeeting();
    const ada = await joinAs(code, "Ada", { colorScheme: "dark" });
    expect(await ada.locator(".meeting-header > .code").innerText()).toBe(code);
    await ada.getByRole("button", { name: "Invite people" }).click();
    await ada.getByRole("dialog", { name: "Invite people" }).waitFor();
    await screenshot(ada, "invite-desktop-dark");
    expect(await audit(ada)).toEqual([]);
  }, 30_000);

  test("no page errors", () => {
    expect(errors.flat()).toEqual([]);
  });
});
