/**
 * The meeting room's keyboard, in Chromium against the real server (no Janus needed: the room and
 * its controls work without media). Pins the defect found by hand: with focus on the Chat button,
 * typing "hello there" toggled the hand twice and started a recording. Now a key typed on a control
 * is that control's; opening chat or notes puts the cursor in its field; Esc closes the panel and
 * gives focus back; recording has no shortcut and asks for confirmation; the shortcuts can be
 * turned off. Screenshots: .test-artifacts/screenshots/keyboard-*.png.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { audit, canRunBrowser, joinMeeting, launchBrowser, newContext, screenshot, watchErrors } from "../helpers/browser.ts";
import { startServer, type RunningServer } from "../helpers/server.ts";

/** What a person could notice changing in the room: every control's name and state, open panels and dialogs. */
const roomState = (page: Page) =>
  page.evaluate(() => ({
    controls: [...document.querySelectorAll(".controls button")].map((b) => `${b.getAttribute("aria-label")}|${b.getAttribute("aria-pressed")}|${b.getAttribute("aria-expanded")}`),
    panels: [...document.querySelectorAll(".side-panel:not([hidden])")].map((p) => p.id),
    dialogs: [...document.querySelectorAll("dialog[open]")].map((d) => d.textContent?.slice(0, 40)),
    recording: document.querySelector(".rec-indicator") !== null,
  }));

const activeLabel = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute("aria-label") ?? document.activeElement?.id ?? document.activeElement?.tagName ?? null);

describe.skipIf(!canRunBrowser)("the meeting room's keyboard", () => {
  let server: RunningServer;
  let browser: Browser;
  let dir = "";
  let code = "";
  let ada: Page;
  let adaContext: BrowserContext;
  let errors: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "dictate-keyboard-"));
    server = await startServer({ DATA_DIR: dir });
    browser = await launchBrowser();
    adaContext = await newContext(browser, { baseURL: server.url });
    const headers = { origin: server.url };
    expect((await adaContext.request.post("/api/auth/signup", { data: { email: "ada@example.test", username: "ada", password: "a long enough password" }, headers })).status()).toBe(201);
    code = ((await (await adaContext.request.post("/api/meetings", { data: {}, headers })).json()) as { meeting: { code: string } }).meeting.code;
    ada = await joinMeeting(adaContext, code);
    errors = watchErrors(ada);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("typing on any focused toolbar button changes nothing: no recording, no hand, no panel", async () => {
    const before = await roomState(ada);
    const names = before.controls.map((c) => c.split("|")[0]!);
    expect(names).toContain("Start recording");
    for (const name of names) {
      await ada.getByRole("button", { name, exact: true }).focus();
      // Every shortcut letter, both cases, and the old recording key; Space and Enter are the button's own.
      await ada.keyboard.type("hello,there.MVSHCNPRmvshcnpr");
      await Bun.sleep(150);
      expect({ name, ...(await roomState(ada)) }).toEqual({ name, ...before });
    }
  });

  test("Tab to Chat and Enter: the cursor is in the message field, so 'hello there' is a message, and Esc closes the chat", async () => {
    const chat = ada.getByRole("button", { name: "Open chat" });
    await chat.focus();
    await ada.keyboard.press("Enter");
    await ada.locator("#chat-panel").waitFor();
    expect(await ada.evaluate(() => document.activeElement?.id)).toBe("chat-input");
    await ada.keyboard.type("hello there");
    expect(await ada.getByRole("textbox", { name: "Message" }).inputValue()).toBe("hello there");
    const state = await roomState(ada);
    expect(state.recording).toBe(false);
    expect(state.dialogs).toEqual([]);
    expect(state.controls.some((c) => c.startsWith("Lower hand"))).toBe(false);
    await screenshot(ada, "keyboard-chat-open");
    await ada.keyboard.press("Escape");
    await ada.locator("#chat-panel").waitFor({ state: "detached" });
    expect(await activeLabel(ada)).toBe("Open chat");
  });

  test("opening the notes puts the cursor in the editor; Esc closes them and gives focus back", async () => {
    await ada.getByRole("button", { name: "Open notes" }).focus();
    await ada.keyboard.press("Enter");
    const editor = ada.getByRole("textbox", { name: "Meeting notes" });
    await editor.waitFor();
    await ada.waitForFunction(() => document.activeElement?.closest(".notes-editor") != null);
    await ada.keyboard.type("typed straight into the notes");
    expect(await editor.innerText()).toContain("typed straight into the notes");
    await ada.keyboard.press("Escape");
    await ada.locator("#notes-panel").waitFor({ state: "hidden" });
    expect(await activeLabel(ada)).toBe("Open notes");
  });

  test("with focus on no control the shortcuts work, R does nothing, and the shortcuts can be turned off", async () => {
    await ada.locator(".video-area").click();
    await ada.keyboard.press("h");
    await ada.getByRole("button", { name: "Lower hand" }).waitFor();
    await ada.locator(".video-area").click();
    await ada.keyboard.press("h");
    await ada.getByRole("button", { name: "Raise hand" }).waitFor();
    await ada.keyboard.press("r");
    await Bun.sleep(150);
    expect((await roomState(ada)).dialogs).toEqual([]);

    await ada.keyboard.press("p");
    await ada.locator("#people-panel").waitFor();
    expect(await ada.evaluate(() => document.activeElement?.id)).toBe("people-panel");
    const toggle = ada.getByRole("checkbox", { name: /One-key shortcuts/ });
    expect(await toggle.isChecked()).toBe(true);
    await toggle.uncheck();
    await screenshot(ada, "keyboard-shortcuts-off");
    await ada.keyboard.press("Escape");
    await ada.locator(".video-area").click();
    await ada.keyboard.press("h");
    await Bun.sleep(150);
    expect(await ada.getByRole("button", { name: "Raise hand" }).count()).toBe(1);
    expect(await ada.getByRole("button", { name: "Raise hand" }).getAttribute("aria-keyshortcuts")).toBeNull();
    // The choice is remembered by this browser.
    await ada.reload();
    await ada.getByRole("button", { name: "Join meeting" }).click();
    await ada.getByRole("button", { name: "Open people and info" }).click();
    expect(await ada.getByRole("checkbox", { name: /One-key shortcuts/ }).isChecked()).toBe(false);
    await ada.getByRole("checkbox", { name: /One-key shortcuts/ }).check();
    await ada.keyboard.press("Escape");
  });

  test("starting a recording asks for confirmation first; Cancel records nothing", async () => {
    await ada.getByRole("button", { name: "Start recording" }).click();
    const dialog = ada.getByRole("dialog", { name: "Start recording?" });
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain("Everyone in the meeting is told");
    await screenshot(ada, "keyboard-record-confirm");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "hidden" });
    await Bun.sleep(200);
    expect((await roomState(ada)).recording).toBe(false);
    expect(await activeLabel(ada)).toBe("Start recording");
  });

  test("a guest pressing record is asked to sign in, not to confirm", async () => {
    const guest = await joinMeeting(await newContext(browser, { baseURL: server.url }), code, "Grace");
    await guest.getByRole("button", { name: "Start recording" }).click();
    await guest.getByRole("dialog", { name: "Sign in to record" }).waitFor();
    expect(await guest.getByRole("dialog", { name: "Start recording?" }).count()).toBe(0);
    await guest.context().close();
  });

  for (const scheme of ["light", "dark"] as const) {
    test(`${scheme}, phone width: the people panel with its keyboard switch and the recording dialog are accessible`, async () => {
      const context = await newContext(browser, { baseURL: server.url, colorScheme: scheme, phone: true });
      await context.addCookies(await adaContext.cookies());
      const page = await joinMeeting(context, code);
      // At phone width People and Record are items of the toolbar's More menu.
      const more = page.getByRole("button", { name: "More controls" });
      await more.click();
      await page.getByRole("menuitem", { name: "People and info" }).click();
      await page.getByRole("checkbox", { name: /One-key shortcuts/ }).waitFor();
      const withPeople = await audit(page);
      await screenshot(page, `keyboard-people-phone-${scheme}`);
      await page.keyboard.press("Escape");
      await more.click();
      await page.getByRole("menuitem", { name: "Start recording" }).click();
      await page.getByRole("dialog", { name: "Start recording?" }).waitFor();
      const withDialog = await audit(page);
      expect({ withPeople, withDialog }).toEqual({ withPeople: [], withDialog: [] });
      await context.close();
    }, 60_000);
  }

  test("no page errors along the way", () => {
    expect(errors).toEqual([]);
  });
});
