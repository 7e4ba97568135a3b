/**
 * Renaming a meeting from inside it (issue 17 item 6), in Chromium against the real server (no Janus
 * needed): the signed-in creator renames it from the header and a guest's page shows the new title at
 * once, without a reload; the guest gets no Rename button, and a guest's `meeting.rename` on the
 * room socket is refused with FORBIDDEN and a reason. The header and its form axe-clean in light and
 * dark, at desktop and phone width. Screenshots: .test-artifacts/screenshots/rename-*.png.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext } from "playwright-core";
import { audit, canRunBrowser, joinMeeting, launchBrowser, newContext, screenshot, watchErrors } from "../helpers/browser.ts";
import { eventually } from "../helpers/eventually.ts";
import { startServer, type RunningServer } from "../helpers/server.ts";
import { openRoomSocket, wsUrl } from "../helpers/ws.ts";

describe.skipIf(!canRunBrowser)("renaming the meeting in the room", () => {
  let server: RunningServer;
  let browser: Browser;
  let dir = "";
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "dictate-rename-"));
    server = await startServer({ DATA_DIR: dir, NODE_ENV: "production" });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function context(options: { phone?: boolean; colorScheme?: "light" | "dark" } = {}) {
    const c = await newContext(browser, { baseURL: server.url, ...options });
    contexts.push(c);
    return c;
  }

  test("the creator renames it; a guest sees the new title at once; a guest may not rename", async () => {
    const anaContext = await context({ colorScheme: "dark" });
    const handle = `ana${Math.random().toString(36).slice(2, 8)}`;
    const signup = await anaContext.request.post("/api/auth/signup", {
      data: { email: `${handle}@example.test`, username: handle, displayName: "Ana", password: "correct horse battery" },
      headers: { origin: server.url },
    });
    expect(signup.status()).toBe(201);
    const created = await anaContext.request.post("/api/meetings", { data: { title: "Weekly sync" }, headers: { origin: server.url } });
    const { code } = ((await created.json()) as { meeting: { code: string } }).meeting;

    const ana = await joinMeeting(anaContext, code);
    const anaErrors = watchErrors(ana);
    const guestContext = await context({ phone: true });
    const guest = await joinMeeting(guestContext, code, "Gus");
    const guestErrors = watchErrors(guest);
    const guestTitle = guest.locator(".meeting-header h1");
    expect(await guestTitle.textContent()).toBe("Weekly sync");
    // Only whoever may rename it sees the button.
    expect(await guest.getByRole("button", { name: "Rename meeting" }).count()).toBe(0);

    // By keyboard: focus Rename, Enter opens the field with the title, type, Enter saves.
    const rename = ana.getByRole("button", { name: "Rename meeting" });
    await rename.focus();
    await ana.keyboard.press("Enter");
    const field = ana.getByLabel("Meeting title");
    await field.waitFor();
    expect(await field.inputValue()).toBe("Weekly sync");
    await screenshot(ana, "rename-form-dark");
    expect(await audit(ana)).toEqual([]);
    await field.fill("Budget review, week 49");
    const sent = Date.now();
    await ana.keyboard.press("Enter");

    // The guest's page shows it without a reload, and is told who renamed it.
    await eventually(async () => expect(await guestTitle.textContent()).toBe("Budget review, week 49"), { timeoutMs: 5_000 });
    const seenAfterMs = Date.now() - sent;
    await guest.locator(".notices").getByText("Ana renamed the meeting to “Budget review, week 49”").waitFor();
    expect(await ana.locator(".meeting-header h1").textContent()).toBe("Budget review, week 49");
    await eventually(async () => expect(await rename.evaluate((el) => el === document.activeElement)).toBe(true));
    expect(seenAfterMs).toBeLessThan(5_000);
    await screenshot(guest, "rename-seen-phone-light");
    expect(await audit(guest)).toEqual([]);
    // Saved: the meeting's page and a fresh load say so.
    expect(((await (await anaContext.request.get(`/api/meetings/${code}`)).json()) as { meeting: { title: string } }).meeting.title).toBe("Budget review, week 49");

    // A guest's own rename on the room socket: FORBIDDEN, in the one error shape, with why.
    const socket = await openRoomSocket(wsUrl(server.url, `/ws/meetings/${code}`), { origin: server.url });
    socket.send({ type: "hello", name: "Mallory" });
    await socket.next("welcome", undefined, 10_000);
    socket.send({ type: "meeting.rename", id: "r1", title: "Pwned" });
    const refused = await socket.next("error", undefined, 5_000);
    expect(refused).toEqual({ type: "error", code: "FORBIDDEN", message: "Only the person who started this meeting can rename it", id: "r1" });
    socket.send({ type: "leave" });
    await Bun.sleep(300);
    expect(await guestTitle.textContent()).toBe("Budget review, week 49");

    // The form at phone width, in light: Ana on a phone.
    const anaPhone = await context({ phone: true });
    await anaPhone.addCookies(await anaContext.cookies(server.url));
    const phone = await joinMeeting(anaPhone, code);
    await phone.getByRole("button", { name: "Rename meeting" }).click();
    await phone.getByLabel("Meeting title").waitFor();
    expect(await phone.evaluate(() => document.documentElement.scrollWidth <= innerWidth)).toBe(true);
    await screenshot(phone, "rename-form-phone-light");
    expect(await audit(phone)).toEqual([]);
    await phone.keyboard.press("Escape");
    await phone.getByLabel("Meeting title").waitFor({ state: "detached" });

    expect(anaErrors).toEqual([]);
    expect(guestErrors).toEqual([]);
  }, 90_000);
});
