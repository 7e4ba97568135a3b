/**
 * Meeting control in Chromium against the real server (issue 14): a signed-in host with the lobby
 * on admits one guest and denies another, locks the meeting against a third, removes a guest, mutes
 * one, and ends the meeting for everyone; reactions show on the sender's tile. Screenshots of the
 * waiting screen, the People panel with host actions and the host menu at desktop and 390 px, light
 * and dark (.test-artifacts/screenshots/control-*.png); axe-clean; the host actions by keyboard.
 * Scheduling from the calendar sets the lobby and self-unmute by keyboard, and a team meeting's
 * outsider is told on the pre-join screen that they will wait to be let in.
 * No Janus here: the SFU's enforcement of a host's mute (VideoRoom `moderate`) is checked by
 * meeting-control-media.e2e.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { audit, canRunBrowser, launchBrowser, newContext, screenshot, watchErrors } from "../helpers/browser.ts";
import { startServer, type RunningServer } from "../helpers/server.ts";

describe.skipIf(!canRunBrowser)("meeting control in the browser", () => {
  let server: RunningServer;
  let browser: Browser;
  let dir = "";
  const contexts: BrowserContext[] = [];
  const errors: string[][] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "dictate-control-"));
    server = await startServer({ DATA_DIR: dir });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function context(opts: { phone?: boolean; colorScheme?: "light" | "dark" } = {}) {
    const c = await newContext(browser, { baseURL: server.url, ...opts });
    contexts.push(c);
    return c;
  }
  async function page(c: BrowserContext) {
    const p = await c.newPage();
    errors.push(watchErrors(p));
    return p;
  }
  /** Opens the meeting as a guest and presses Join; the caller waits for what comes next. */
  async function knock(c: BrowserContext, code: string, name: string) {
    const p = await page(c);
    await p.goto(`/m/${code}`);
    await p.getByLabel("Your name").fill(name);
    await p.getByRole("button", { name: "Join meeting" }).click();
    return p;
  }

  test("lobby, lock, remove, mute, reactions and end for everyone, by keyboard where it matters", async () => {
    const hostCtx = await context({ colorScheme: "dark" });
    const handle = `host${Date.now().toString(36)}`;
    const signup = await hostCtx.request.post("/api/auth/signup", {
      data: { email: `${handle}@example.test`, username: handle, displayName: "Hana Host", password: "correct horse battery staple" },
      headers: { origin: server.url },
    });
    expect(signup.status()).toBe(201);
    const created = await hostCtx.request.post("/api/meetings", { data: { title: "Control room", lobby: true, agenda: "## Control agenda" }, headers: { origin: server.url } });
    const code = ((await created.json()) as { meeting: { code: string; lobby: boolean } }).meeting.code;

    const host = await page(hostCtx);
    await host.goto(`/m/${code}`);
    await host.getByRole("button", { name: "Join meeting" }).click();
    await host.getByRole("toolbar", { name: "Meeting controls" }).waitFor();

    // Two guests knock: they wait on the waiting screen with their camera; the host is told.
    const gusCtx = await context();
    const gus = await knock(gusCtx, code, "Gus");
    await gus.getByRole("heading", { name: "Waiting to be let in" }).waitFor();
    await screenshot(gus, "control-waiting-desktop-light");
    expect(await audit(gus)).toEqual([]);
    const eveCtx = await context({ phone: true, colorScheme: "dark" });
    const eve = await knock(eveCtx, code, "Eve");
    await eve.getByRole("heading", { name: "Waiting to be let in" }).waitFor();
    await screenshot(eve, "control-waiting-phone-dark");
    expect(await audit(eve)).toEqual([]);
    await host.locator(".notices").getByText("Eve is waiting to be let in").waitFor();

    await host.getByRole("button", { name: "Open people and info" }).click();
    await host.getByRole("heading", { name: "Waiting to join (2)" }).waitFor();
    await screenshot(host, "control-people-lobby-desktop-dark");
    expect(await audit(host)).toEqual([]);
    // Admit Gus by keyboard: focus the button, press Enter.
    await host.getByRole("button", { name: "Admit Gus" }).focus();
    await host.keyboard.press("Enter");
    await gus.getByRole("toolbar", { name: "Meeting controls" }).waitFor();
    // Let in, Gus reads the notes: his notes socket shows the seat a host admitted.
    await gus.getByRole("button", { name: "Open notes" }).click();
    await gus.locator("#notes-panel .cm-content", { hasText: "Control agenda" }).waitFor();
    await gus.getByRole("button", { name: "Close notes" }).click();
    await host.getByRole("button", { name: "Deny Eve" }).click();
    await eve.getByRole("heading", { name: "Not let in" }).waitFor();
    expect(await eve.getByText("A host did not let you in to this meeting.").count()).toBe(1);

    // The host menu, by keyboard: open with Enter, move with the arrows.
    const menuButton = host.getByRole("button", { name: "Host controls" });
    await menuButton.focus();
    await host.keyboard.press("Enter");
    const menu = host.getByRole("menu", { name: "Host controls" });
    await menu.waitFor();
    expect(await menu.getByRole("menuitem").allInnerTexts()).toEqual([
      "Mute everyone else",
      "Lower all hands",
      "Let guests in directly",
      "Lock the meeting",
      "Stop people unmuting themselves",
      "End meeting for everyone",
    ]);
    await screenshot(host, "control-host-menu-desktop-dark");
    expect(await audit(host)).toEqual([]);
    await host.keyboard.press("ArrowDown");
    await host.keyboard.press("ArrowDown");
    await host.keyboard.press("ArrowDown");
    expect(await host.evaluate(() => document.activeElement?.textContent)).toBe("Lock the meeting");
    await host.keyboard.press("Enter");
    await host.getByText("Locked ·", { exact: false }).waitFor();

    // Locked: a third guest is kept out at once.
    const cyCtx = await context();
    const cy = await knock(cyCtx, code, "Cy");
    await cy.getByRole("heading", { name: "Meeting locked" }).waitFor();

    // Per person: mute Gus (Gus's microphone goes off and he is told who did it).
    await host.getByRole("button", { name: "Actions for Gus" }).click();
    await host.getByRole("menu", { name: "Actions for Gus" }).waitFor();
    await screenshot(host, "control-person-menu-desktop-dark");
    expect(await audit(host)).toEqual([]);
    await host.getByRole("menuitem", { name: "Mute microphone" }).click();
    await gus.locator(".notices").getByText("Hana Host muted your microphone").waitFor();
    await gus.getByRole("button", { name: "Unmute microphone" }).waitFor();
    await host.getByRole("img", { name: "Microphone muted by you" }).waitFor();

    // Reactions: Gus reacts; the host sees it on Gus's tile.
    await gus.getByRole("button", { name: "React", exact: true }).click();
    await gus.getByRole("menuitem", { name: "React 🎉" }).click();
    await host.locator(`figure[data-kind="camera"] .tile-reaction`, { hasText: "🎉" }).waitFor();

    // Remove Gus (with a confirmation); he is told, and cannot simply come back.
    await host.getByRole("button", { name: "Actions for Gus" }).click();
    await host.getByRole("menuitem", { name: "Remove from meeting" }).click();
    await host.getByRole("dialog").getByRole("button", { name: "Remove" }).click();
    await gus.getByRole("heading", { name: "Removed from the meeting" }).waitFor();

    // Phone width, light: the People panel and the host menu of a second host page.
    const phoneCtx = await context({ phone: true });
    await phoneCtx.addCookies(await hostCtx.cookies());
    const phone = await page(phoneCtx);
    await phone.goto(`/m/${code}`);
    await phone.getByRole("button", { name: "Join meeting" }).click();
    await phone.getByRole("toolbar", { name: "Meeting controls" }).waitFor();
    await phone.getByRole("button", { name: "More controls" }).click();
    await phone.getByRole("menuitem", { name: "People and info" }).click();
    await phone.getByRole("button", { name: "Host controls" }).waitFor();
    await screenshot(phone, "control-people-phone-light");
    expect(await audit(phone)).toEqual([]);
    await phone.getByRole("button", { name: "Host controls" }).click();
    await phone.getByRole("menu", { name: "Host controls" }).waitFor();
    await screenshot(phone, "control-host-menu-phone-light");
    expect(await audit(phone)).toEqual([]);
    await phone.keyboard.press("Escape");

    // End for everyone: every page says the meeting has ended.
    await host.getByRole("button", { name: "Host controls" }).click();
    await host.getByRole("menuitem", { name: "End meeting for everyone" }).click();
    await host.getByRole("dialog").getByRole("button", { name: "End meeting" }).click();
    for (const p of [host, phone]) await p.getByRole("heading", { name: "The meeting has ended" }).waitFor();
    expect(errors.flat().filter((e) => !/WebSocket|media|Janus/i.test(e))).toEqual([]);
  }, 120_000);

  test("scheduling sets the lobby and self-unmute by keyboard; a team meeting's outsider is told they will wait; the host menu at desktop light and phone dark", async () => {
    const ctx = await context();
    const handle = `sched${Date.now().toString(36)}`;
    const signup = await ctx.request.post("/api/auth/signup", {
      data: { email: `${handle}@example.test`, username: handle, displayName: "Sam Scheduler", password: "correct horse battery staple" },
      headers: { origin: server.url },
    });
    expect(signup.status()).toBe(201);
    const team = ((await (await ctx.request.post("/api/teams", { data: { name: "Ops" }, headers: { origin: server.url } })).json()) as { team: { id: string } }).team;

    const cal = await page(ctx);
    await cal.goto("/calendar");
    await cal.getByRole("button", { name: "Schedule a meeting" }).click();
    const form = cal.locator("dialog.cal-form");
    await form.waitFor({ state: "visible" });
    const lobby = form.getByRole("checkbox", { name: "Guests wait to be let in" });
    const selfUnmute = form.getByRole("checkbox", { name: "Let people unmute themselves" });
    // A personal meeting: guests come straight in and may unmute themselves, unless the form says otherwise.
    expect([await lobby.isChecked(), await selfUnmute.isChecked()]).toEqual([false, true]);
    await form.getByLabel("Title").fill("Ops sync");
    await form.getByLabel("Team").selectOption(team.id);
    // A scheduled team meeting: the lobby is on by default.
    expect(await lobby.isChecked()).toBe(true);
    await screenshot(cal, "control-schedule-form-desktop-light");
    expect(await audit(cal)).toEqual([]);
    // Reached with Tab from the agenda, toggled with Space.
    await form.getByLabel("Agenda").focus();
    await cal.keyboard.press("Tab");
    expect(await cal.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).toBe("lobby");
    await cal.keyboard.press("Tab");
    expect(await cal.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).toBe("selfUnmute");
    await cal.keyboard.press("Space");
    expect(await selfUnmute.isChecked()).toBe(false);
    await form.getByRole("button", { name: "Schedule" }).click();
    await form.waitFor({ state: "hidden" });
    const listed = (await (await ctx.request.get(`/api/meetings?teamId=${team.id}`)).json()) as { meetings: { code: string; title: string; lobby: boolean; selfUnmute: boolean }[] };
    const ops = listed.meetings.find((m) => m.title === "Ops sync")!;
    expect({ lobby: ops.lobby, selfUnmute: ops.selfUnmute }).toEqual({ lobby: true, selfUnmute: false });

    // Someone outside the team opens the link: the pre-join screen says they will wait.
    const outsider = await page(await context({ phone: true, colorScheme: "dark" }));
    await outsider.goto(`/m/${ops.code}`);
    await outsider.getByText("you will wait until someone in the meeting lets you in", { exact: false }).waitFor();
    expect(await outsider.getByText("Ops sync").count()).toBe(0);
    await screenshot(outsider, "control-prejoin-outsider-phone-dark");
    expect(await audit(outsider)).toEqual([]);

    // The host menu at desktop width in light, and at phone width in dark.
    const desk = await page(ctx);
    await desk.goto(`/m/${ops.code}`);
    await desk.getByRole("button", { name: "Join meeting" }).click();
    await desk.getByRole("toolbar", { name: "Meeting controls" }).waitFor();
    await desk.getByRole("button", { name: "Open people and info" }).click();
    await desk.getByRole("button", { name: "Host controls" }).click();
    await desk.getByRole("menu", { name: "Host controls" }).waitFor();
    await screenshot(desk, "control-host-menu-desktop-light");
    expect(await audit(desk)).toEqual([]);
    await desk.keyboard.press("Escape");

    const phoneCtx = await context({ phone: true, colorScheme: "dark" });
    await phoneCtx.addCookies(await ctx.cookies());
    const phone = await page(phoneCtx);
    await phone.goto(`/m/${ops.code}`);
    await phone.getByRole("button", { name: "Join meeting" }).click();
    await phone.getByRole("toolbar", { name: "Meeting controls" }).waitFor();
    await phone.getByRole("button", { name: "More controls" }).click();
    await phone.getByRole("menuitem", { name: "People and info" }).click();
    await phone.getByRole("button", { name: "Host controls" }).click();
    await phone.getByRole("menu", { name: "Host controls" }).waitFor();
    await screenshot(phone, "control-host-menu-phone-dark");
    expect(await audit(phone)).toEqual([]);
    expect(errors.flat().filter((e) => !/WebSocket|media|Janus/i.test(e))).toEqual([]);
  }, 120_000);
});
