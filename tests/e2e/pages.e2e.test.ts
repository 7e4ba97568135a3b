/**
 * Every page as a person meets it, in Chromium against the real server (no media: the meeting
 * page is checked up to its pre-join screen here; the room itself runs with Janus in
 * meeting-room.e2e.test.ts). axe-core audits each page in light and dark mode for what a screen
 * reader or a low-vision reader would trip on (names, labels, contrast, landmarks); the theme
 * switch persists; the phone menu opens; an unknown address shows "Page not found".
 * Screenshots: .test-artifacts/screenshots/page-*.png.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { audit, canRunBrowser, joinMeeting, launchBrowser, newContext, screenshot, watchErrors } from "../helpers/browser.ts";
import { startServer, type RunningServer } from "../helpers/server.ts";

describe.skipIf(!canRunBrowser)("every page, in Chromium", () => {
  let server: RunningServer;
  let browser: Browser;
  let dir = "";
  let member: BrowserContext;
  let teamId = "";
  let meetingCode = "";

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "dictate-pages-"));
    server = await startServer({ DATA_DIR: dir, NODE_ENV: "production" });
    browser = await launchBrowser();
    member = await newContext(browser, { baseURL: server.url });
    const headers = { origin: server.url };
    expect((await member.request.post("/api/auth/signup", { data: { email: "lin@example.test", username: "lin", password: "a long enough password" }, headers })).status()).toBe(201);
    const team = (await (await member.request.post("/api/teams", { data: { name: "Design" }, headers })).json()) as { team: { id: string } };
    teamId = team.team.id;
    const tomorrow = new Date(Date.now() + 86_400_000);
    tomorrow.setUTCHours(10, 0, 0, 0);
    const meeting = await member.request.post("/api/meetings", {
      data: { teamId, title: "Design review", agenda: "1. Colours\n2. Type", startsAt: tomorrow.toISOString(), endsAt: new Date(tomorrow.getTime() + 3_600_000).toISOString() },
      headers,
    });
    meetingCode = ((await meeting.json()) as { meeting: { code: string } }).meeting.code;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const signedOutPages = ["/", "/login", "/signup", "/no-such-page"];
  const signedInPages = () => ["/", "/calendar", "/teams", `/teams/${teamId}`, "/resources", "/profile"];
  const slug = (path: string) => (path === "/" ? "home" : path.slice(1).replace(/[^a-z0-9]+/gi, "-").replace(/-[0-9a-f-]{20,}$/, "-detail"));

  for (const scheme of ["light", "dark"] as const) {
    test(`signed out, ${scheme}: no serious accessibility problems, no page errors`, async () => {
      const context = await newContext(browser, { baseURL: server.url, colorScheme: scheme });
      const page = await context.newPage();
      const errors = watchErrors(page);
      const problems: Record<string, string[]> = {};
      for (const path of signedOutPages) {
        await page.goto(path);
        await page.locator("main h1").first().waitFor();
        await page.waitForLoadState("networkidle");
        problems[path] = await audit(page);
        await screenshot(page, `page-${slug(path)}-signed-out-${scheme}`);
      }
      await page.goto(`/m/${meetingCode}`);
      await page.getByRole("heading", { name: "Team meeting" }).waitFor();
      problems["/m (team, signed out)"] = await audit(page);
      await screenshot(page, `page-meeting-team-only-${scheme}`);
      await context.close();
      expect(problems).toEqual(Object.fromEntries(Object.keys(problems).map((k) => [k, []])));
      expect(errors).toEqual([]);
    }, 90_000);

    test(`signed in, ${scheme}: no serious accessibility problems, no page errors`, async () => {
      const context = await newContext(browser, { baseURL: server.url, colorScheme: scheme });
      await context.addCookies(await member.cookies());
      const page = await context.newPage();
      const errors = watchErrors(page);
      const problems: Record<string, string[]> = {};
      for (const path of signedInPages()) {
        await page.goto(path);
        await page.locator("main h1").first().waitFor();
        await page.waitForLoadState("networkidle");
        problems[path] = await audit(page);
        await screenshot(page, `page-${slug(path)}-${scheme}`);
      }
      await page.goto(`/m/${meetingCode}`);
      await page.getByRole("button", { name: "Join meeting" }).waitFor();
      await page.waitForLoadState("networkidle");
      problems["/m (pre-join)"] = await audit(page);
      await screenshot(page, `page-prejoin-${scheme}`);
      await context.close();
      expect(problems).toEqual(Object.fromEntries(Object.keys(problems).map((k) => [k, []])));
      expect(errors).toEqual([]);
    }, 120_000);
  }

  test("an unknown address shows Page not found, with a way home", async () => {
    const context = await newContext(browser, { baseURL: server.url });
    const page = await context.newPage();
    const response = await page.goto("/this/does/not/exist");
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "Page not found" }).count()).resolves.toBe(1);
    await page.getByRole("link", { name: "Go to the start page" }).click();
    await page.getByRole("button", { name: "Start a meeting" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/");
    await context.close();
  });

  test("dark mode follows the system, can be switched, and the switch is remembered", async () => {
    const context = await newContext(browser, { baseURL: server.url, colorScheme: "dark" });
    const page = await context.newPage();
    await page.goto("/");
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const darkBg = await background();
    await page.getByRole("button", { name: "Switch to light mode" }).click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("light");
    const lightBg = await background();
    expect(lightBg).not.toBe(darkBg);
    await page.reload();
    await page.getByRole("button", { name: "Switch to dark mode" }).waitFor();
    expect(await background()).toBe(lightBg);
    await page.getByRole("button", { name: "Switch to dark mode" }).click();
    await page.reload();
    await page.getByRole("button", { name: "Switch to light mode" }).waitFor();
    expect(await background()).toBe(darkBg);
    await context.close();
  });

  test("at phone width the menu opens and closes, and its links work", async () => {
    const context = await newContext(browser, { baseURL: server.url, phone: true });
    await context.addCookies(await member.cookies());
    const page = await context.newPage();
    await page.goto("/");
    const calendar = page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Calendar" });
    expect(await calendar.isVisible()).toBe(false);
    const toggle = page.getByRole("button", { name: "Open menu" });
    expect(await toggle.getAttribute("aria-expanded")).toBe("false");
    await toggle.click();
    expect(await page.getByRole("button", { name: "Close menu" }).getAttribute("aria-expanded")).toBe("true");
    expect(await calendar.isVisible()).toBe(true);
    await screenshot(page, "page-home-phone-menu");
    await calendar.click();
    await page.waitForFunction(() => location.pathname === "/calendar");
    await page.locator("main h1").waitFor();
    expect(await page.getByRole("button", { name: "Open menu" }).getAttribute("aria-expanded")).toBe("false");
    // Nothing on the page is wider than the phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth)).toBe(true);
    await context.close();
  });

  test("the keyboard reaches the main actions, with a visible focus ring", async () => {
    const context = await newContext(browser, { baseURL: server.url });
    const page = await context.newPage();
    await page.goto("/");
    await page.getByRole("button", { name: "Start a meeting" }).waitFor();
    // The header's account links come once the session check answers (later, on a loaded machine).
    await page.getByRole("link", { name: "Log in", exact: true }).waitFor();
    const reached: string[] = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press("Tab");
      const focused = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        // Past the last control, focus leaves the page for the browser's own UI.
        if (el === document.body) return null;
        const style = getComputedStyle(el);
        return { name: el.getAttribute("aria-label") || el.textContent?.trim() || (el as HTMLInputElement).placeholder, ring: style.outlineStyle !== "none" && style.outlineWidth !== "0px" };
      });
      if (!focused) break;
      reached.push(`${focused.name}${focused.ring ? "" : " (NO FOCUS RING)"}`);
    }
    expect(reached.filter((r) => r.includes("NO FOCUS RING"))).toEqual([]);
    expect(reached[0]).toBe("Skip to content");
    expect(reached).toContain("Start a meeting");
    expect(reached).toContain("k7fq-xm3t-rpzw");
    expect(reached).toContain("Log in");
    await context.close();
  });

  test("home: an unknown code and a bad code are told apart; starting a meeting opens its pre-join screen", async () => {
    const context = await newContext(browser, { baseURL: server.url });
    const page = await context.newPage();
    await page.goto("/");
    const input = page.getByLabel("Meeting code or link");
    await input.fill("not a code!");
    await page.getByRole("button", { name: "Join", exact: true }).click();
    expect(await page.getByRole("alert").innerText()).toContain("That is not a meeting code");
    expect(await input.getAttribute("aria-invalid")).toBe("true");
    await input.fill("abcd-efgh-jkmn");
    await page.getByRole("button", { name: "Join", exact: true }).click();
    await page.getByText("There is no meeting with the code abcd-efgh-jkmn").waitFor();
    await screenshot(page, "page-home-unknown-code-light");
    await page.getByRole("button", { name: "Start a meeting" }).click();
    await page.getByRole("button", { name: "Join meeting" }).waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/m\/[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/);
    await context.close();
  });

  test("a blocked camera gets a clear message on the pre-join screen, and the meeting can still be joined", async () => {
    // No --use-fake-ui-for-media-stream and no permission granted: headless Chromium refuses the camera.
    const blocked = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--use-fake-device-for-media-stream"] });
    try {
      const context = await blocked.newContext({ baseURL: server.url });
      const page = await context.newPage();
      await page.goto("/");
      await page.getByRole("button", { name: "Start a meeting" }).click();
      const alert = page.getByRole("alert");
      await alert.waitFor();
      expect(await alert.innerText()).toContain("Your camera and microphone are blocked for this site");
      await screenshot(page, "page-prejoin-camera-blocked");
      await page.getByLabel("Your name").fill("Nomedia");
      await page.getByRole("button", { name: "Join meeting" }).click();
      await page.getByRole("toolbar", { name: "Meeting controls" }).waitFor();
      expect(await page.locator('figure[data-self="true"] figcaption').innerText()).toContain("Nomedia (you)");
    } finally {
      await blocked.close();
    }
  });

  test("eight people fit the screen: every tile visible at once, none overlapping, on a laptop and a phone", async () => {
    // No Janus here: each guest shows as a camera tile with their initials, which is what is laid out.
    const code = ((await (await member.request.post("/api/meetings", { data: {}, headers: { origin: server.url } })).json()) as { meeting: { code: string } }).meeting.code;
    const contexts: BrowserContext[] = [];
    try {
      const join = async (name: string, phone = false) => {
        const context = await newContext(browser, { baseURL: server.url, phone });
        contexts.push(context);
        return joinMeeting(context, code, name);
      };
      const laptop = await join("Guest 1");
      for (let i = 2; i <= 7; i++) await join(`Guest ${i}`);
      const phone = await join("Guest 8", true);
      for (const page of [laptop, phone]) {
        await page.waitForFunction(() => document.querySelectorAll('figure[data-kind="camera"]').length === 8);
        const layout = await page.evaluate(() => {
          const tiles = [...document.querySelectorAll('figure[data-kind="camera"]')].map((f) => f.getBoundingClientRect());
          const area = document.querySelector(".video-area")!.getBoundingClientRect();
          const inside = tiles.every((t) => t.top >= area.top - 1 && t.bottom <= area.bottom + 1 && t.left >= area.left - 1 && t.right <= area.right + 1);
          const overlap = tiles.some((a, i) => tiles.some((b, j) => i < j && a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1));
          return { inside, overlap, smallest: Math.min(...tiles.map((t) => t.width)) };
        });
        expect(layout).toMatchObject({ inside: true, overlap: false });
        expect(layout.smallest).toBeGreaterThan(100);
      }
      await screenshot(laptop, "page-meeting-eight-laptop");
      await screenshot(phone, "page-meeting-eight-phone");
    } finally {
      for (const c of contexts) await c.close();
    }
  }, 120_000);

  test("home, signed in: the next scheduled meetings with a way to join each", async () => {
    const context = await newContext(browser, { baseURL: server.url });
    await context.addCookies(await member.cookies());
    const page = await context.newPage();
    await page.goto("/");
    const upcoming = page.getByRole("region", { name: "Your next meetings" });
    await upcoming.locator(".upcoming-title", { hasText: "Design review" }).waitFor();
    const join = upcoming.getByRole("link", { name: "Join Design review" });
    expect(await join.getAttribute("href")).toBe(`/m/${meetingCode}`);
    await screenshot(page, "page-home-signed-in-upcoming");
    await join.click();
    await page.waitForFunction((code) => location.pathname === `/m/${code}`, meetingCode);
    await context.close();
  });
});
