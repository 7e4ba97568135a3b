/**
 * Raised hands in order, in Chromium against the real server (no Janus needed). Before, a raised
 * hand was only an icon on a tile: nobody was told, and nobody could tell who was first. Now the
 * others get a notice (announced to screen readers) and the People panel lists the raised hands in
 * the order they went up. Screenshot: .test-artifacts/screenshots/hands-*.png.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { audit, canRunBrowser, joinMeeting, launchBrowser, newContext, screenshot } from "../helpers/browser.ts";
import { startServer, type RunningServer } from "../helpers/server.ts";

describe.skipIf(!canRunBrowser)("raised hands", () => {
  let server: RunningServer;
  let browser: Browser;
  let dir = "";
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "dictate-hands-"));
    server = await startServer({ DATA_DIR: dir });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function joinAs(code: string, name: string, colorScheme: "light" | "dark" = "light"): Promise<Page> {
    const context = await newContext(browser, { baseURL: server.url, colorScheme });
    contexts.push(context);
    return joinMeeting(context, code, name);
  }

  test("the others are told when a hand goes up, and People lists the hands in the order they went up", async () => {
    const starter = await newContext(browser, { baseURL: server.url });
    contexts.push(starter);
    const code = ((await (await starter.request.post("/api/meetings", { data: {}, headers: { origin: server.url } })).json()) as { meeting: { code: string } }).meeting.code;
    const host = await joinAs(code, "Host", "dark");
    const first = await joinAs(code, "First");
    const second = await joinAs(code, "Second");
    await host.locator('figure[data-kind="camera"]').nth(2).waitFor();

    await first.getByRole("button", { name: "Raise hand" }).click();
    const notice = host.locator(".notices .notice", { hasText: "First raised their hand" });
    await notice.waitFor();
    expect(await host.locator(".notices").getAttribute("role")).toBe("status");
    await second.getByRole("button", { name: "Raise hand" }).click();
    await host.locator(".notices").getByText("Second raised their hand").waitFor();

    await host.getByRole("button", { name: "Open people and info" }).click();
    const hands = host.getByRole("list", { name: "Hands raised, in the order they went up" });
    await hands.waitFor();
    expect(await hands.locator("li").allInnerTexts()).toEqual(["First", "Second"]);
    await screenshot(host, "hands-people-dark");
    expect(await audit(host)).toEqual([]);

    // First lowers and raises again: now after Second.
    await first.getByRole("button", { name: "Lower hand" }).click();
    await host.waitForFunction(() => document.querySelectorAll('[aria-label="Hands raised, in the order they went up"] li').length === 1);
    await first.getByRole("button", { name: "Raise hand" }).click();
    await host.waitForFunction(() => document.querySelectorAll('[aria-label="Hands raised, in the order they went up"] li').length === 2);
    expect(await hands.locator("li").allInnerTexts()).toEqual(["Second", "First"]);
    // First's second raise is told again; the notices go away by themselves.
    expect(await notice.count()).toBe(2);
    await host.waitForFunction(() => document.querySelectorAll(".notices .notice").length === 0, undefined, { timeout: 15_000 });
  }, 90_000);
});
