/**
 * A dropped connection, as people in the meeting notice it, in Chromium against the real server (no
 * Janus needed). Before: a page whose network went away showed nothing for ~20 s (the keepalive),
 * and the others never saw that someone was reconnecting. Now the page says "Reconnecting…" within
 * 2 s (the browser's offline event), the others see the person as reconnecting while the seat is
 * held (the server notices a silent socket within ~15 s), and coming back takes the same seat.
 * Screenshots: .test-artifacts/screenshots/connection-*.png.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { audit, canRunBrowser, joinMeeting, launchBrowser, newContext, screenshot } from "../helpers/browser.ts";
import { startServer, type RunningServer } from "../helpers/server.ts";

describe.skipIf(!canRunBrowser)("a dropped connection", () => {
  let server: RunningServer;
  let browser: Browser;
  let dir = "";

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "dictate-connection-"));
    server = await startServer({ DATA_DIR: dir });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the page says Reconnecting… within 2 s, the others see the person reconnecting, and coming back keeps the seat", async () => {
    const hostContext = await newContext(browser, { baseURL: server.url });
    const code = ((await (await hostContext.request.post("/api/meetings", { data: {}, headers: { origin: server.url } })).json()) as { meeting: { code: string } }).meeting.code;
    const host = await joinMeeting(hostContext, code, "Host");
    const guestContext = await newContext(browser, { baseURL: server.url });
    const guest = await joinMeeting(guestContext, code, "Wanderer");
    const guestTile = host.locator('figure[data-self="false"]');
    await guestTile.waitFor();
    const seat = await guestTile.getAttribute("data-participant-id");

    await guestContext.setOffline(true);
    const offlineAt = performance.now();
    await guest.getByRole("status").filter({ hasText: "Reconnecting" }).first().waitFor({ timeout: 2_000 });
    const shownAfterMs = performance.now() - offlineAt;
    await screenshot(guest, "connection-offline-self");

    await guestTile.getByText("Reconnecting…").waitFor({ timeout: 30_000 });
    await host.getByRole("button", { name: "Open people and info" }).click();
    const entry = host.locator("#people-panel .people li", { hasText: "Wanderer" });
    expect(await entry.innerText()).toContain("Reconnecting");
    await screenshot(host, "connection-others-see-reconnecting");
    expect(await audit(host)).toEqual([]);

    await guestContext.setOffline(false);
    await guest.getByRole("status").filter({ hasText: "Reconnecting" }).first().waitFor({ state: "detached", timeout: 20_000 });
    await guestTile.getByText("Reconnecting…").waitFor({ state: "detached", timeout: 10_000 });
    expect(await host.locator('figure[data-self="false"]').getAttribute("data-participant-id")).toBe(seat);
    expect(await entry.innerText()).not.toContain("Reconnecting");
    expect(shownAfterMs).toBeLessThan(2_000);
    await hostContext.close();
    await guestContext.close();
  }, 90_000);
});
