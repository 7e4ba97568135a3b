/**
 * Issue 17's names and order, and invitations, in real Chromium against the real server
 * (production bundle, PGlite, no Janus): a display name with spaces from sign-up to the header and
 * the pre-join screen; an instant meeting titled after its starter at the browser's local time;
 * renaming a meeting from the calendar by keyboard; the .ics invitation after scheduling and on
 * each meeting; an ended instant meeting without Reschedule/Cancel; Resources grouped by meeting in
 * local time, without the notes nobody wrote in. Screenshots in light and dark, desktop and phone,
 * each page audited by axe.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ICAL from "ical.js";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { audit, canRunBrowser, launchBrowser, reportCspViolations, screenshot, watchErrors } from "../helpers/browser.ts";
import { eventually } from "../helpers/eventually.ts";
import { startServer, type RunningServer } from "../helpers/server.ts";
import { openRoomSocket, wsUrl } from "../helpers/ws.ts";
import { notesProvider } from "../helpers/yjs.ts";

let server: RunningServer | undefined;
let browser: Browser | undefined;
let dataDir = "";
const contexts: BrowserContext[] = [];

/** The zone the browser lives in, far from the server's UTC so a UTC time would show. */
const ZONE = "Asia/Tokyo";
const PASSWORD = "correct horse battery";

/** A context in `ZONE` and en-US, like newContext() in tests/helpers/browser.ts. */
async function context(options: { phone?: boolean; colorScheme?: "light" | "dark" } = {}) {
  const c = await browser!.newContext({
    baseURL: server!.url,
    colorScheme: options.colorScheme ?? "light",
    viewport: options.phone ? { width: 390, height: 780 } : { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    locale: "en-US",
    timezoneId: ZONE,
    permissions: ["camera", "microphone"],
  });
  c.setDefaultTimeout(15_000);
  await reportCspViolations(c);
  contexts.push(c);
  return c;
}

/** API calls from a context (its cookie), with the page's own Origin. */
function caller(c: BrowserContext) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await c.request.fetch(server!.url + path, { method, data: body, headers: { origin: server!.url } });
    const text = await res.text();
    return { status: res.status(), headers: res.headers(), text, body: text && res.headers()["content-type"]?.includes("json") ? JSON.parse(text) : text };
  };
}

/** A signed-up user (through the API) with `displayName`. */
async function signedUp(label: string, displayName: string, options: { phone?: boolean; colorScheme?: "light" | "dark" } = {}) {
  const c = await context(options);
  const call = caller(c);
  const handle = `${label}${Math.random().toString(36).slice(2, 8)}`;
  const res = await call("POST", "/api/auth/signup", { email: `${handle}@example.test`, username: handle, displayName, password: PASSWORD });
  expect(res.status).toBe(201);
  const cookie = (await c.cookies(server!.url)).find((x) => x.name === "dictate_session")!;
  const page = await c.newPage();
  return { context: c, page, errors: watchErrors(page), call, handle, cookie: `${cookie.name}=${cookie.value}` };
}
type User = Awaited<ReturnType<typeof signedUp>>;

/** "2 Dec 18:14" in `ZONE`, as the server writes titles. */
function titleTime(at: Date) {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone: ZONE, day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
      .formatToParts(at)
      .map((x) => [x.type, x.value]),
  );
  return `${p.day} ${p.month} ${p.hour}:${p.minute}`;
}

/** Today in the browser's zone, as a YYYY-MM-DD day key. */
const todayThere = () => new Intl.DateTimeFormat("en-CA", { timeZone: ZONE }).format(new Date());

/** Joins a meeting through the room socket and leaves: an instant meeting then ends (ROOM_GRACE_MS is short here). */
async function runAndEnd(user: User, code: string) {
  const room = await openRoomSocket(wsUrl(server!.url, `/ws/meetings/${code}`), { cookie: user.cookie, origin: server!.url });
  room.send({ type: "hello" });
  await room.next("welcome", undefined, 10_000);
  room.send({ type: "leave" });
  await room.closed;
  await eventually(async () => expect((await user.call("GET", `/api/meetings/${code}`)).body.meeting.endedAt).not.toBeNull(), { timeoutMs: 10_000 });
}

/** Writes `text` (or nothing) into a meeting's notes through the notes socket; closing the last socket saves them. */
async function openNotes(user: User, code: string, text: string | null) {
  const client = notesProvider(server!.url, code, { cookie: user.cookie, name: "Test" });
  try {
    await client.synced();
    if (text !== null) client.text.insert(client.text.length, text);
    await Bun.sleep(200);
  } finally {
    client.destroy();
  }
}

async function gotoDay(page: Page, key: string) {
  await page.goto(`/calendar?month=${key.slice(0, 7)}`);
  await page.locator(".cal-grid").waitFor();
  await page.waitForFunction(() => document.querySelector(".cal-status")?.textContent !== "Loading meetings…");
  await page.locator(`.cal-grid button[data-day="${key}"]`).click();
}

describe.skipIf(!canRunBrowser)("names, renaming and invitations", () => {
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "dictate-e2e-names-"));
    server = await startServer({ DATA_DIR: dataDir, NODE_ENV: "production", ROOM_GRACE_MS: "200" });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop().catch(() => {});
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test("a display name with spaces, from sign-up to the header and the pre-join screen; an instant meeting is titled with it at local time", async () => {
    const c = await context();
    const page = await c.newPage();
    const errors = watchErrors(page);
    const handle = `ada${Math.random().toString(36).slice(2, 8)}`;
    await page.goto("/signup");
    await page.getByLabel("Email", { exact: true }).fill(`${handle}@example.test`);
    await page.getByLabel("Your name", { exact: true }).fill("Ada  Lovelace");
    // The username is the handle: spaces are refused there, with the reason.
    await page.getByLabel("Username", { exact: true }).fill("ada lovelace");
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByLabel("Repeat password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Sign up" }).click();
    const username = page.getByLabel("Username", { exact: true });
    await eventually(async () => expect(await username.getAttribute("aria-invalid")).toBe("true"));
    expect(await page.locator("#field-username-error").textContent()).toContain("without spaces");
    await username.fill(handle);
    await page.getByRole("button", { name: "Sign up" }).click();
    await page.waitForURL(/\/calendar/);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Ada Lovelace" }).waitFor();

    // Start a meeting from the home page: the title is the name and the local time (Tokyo, not the server's UTC).
    await page.goto("/");
    await page.getByRole("button", { name: "Start a meeting" }).click();
    await page.waitForURL(/\/m\/[a-z0-9-]+$/);
    const code = new URL(page.url()).pathname.split("/").pop()!;
    const meeting = (await caller(c)("GET", `/api/meetings/${code}`)).body.meeting;
    const started = new Date(meeting.createdAt);
    expect([titleTime(started), titleTime(new Date(started.getTime() - 60_000))].map((t) => `Ada Lovelace's meeting, ${t}`)).toContain(meeting.title);
    await page.getByRole("heading", { name: meeting.title }).waitFor();
    await page.getByText("Joining as").getByText("Ada Lovelace").waitFor();

    // The profile edits it.
    await page.goto("/profile");
    const name = page.getByLabel("Your name", { exact: true });
    await eventually(async () => expect(await name.inputValue()).toBe("Ada Lovelace"));
    await name.fill("Augusta Ada King");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("status").getByText("Saved.").waitFor();
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Augusta Ada King" }).waitFor();
    expect(await audit(page)).toEqual([]);
    expect(errors).toEqual([]);
  }, 90_000);

  test("calendar details: rename by keyboard, the invitation after scheduling and on each meeting; an ended instant meeting keeps no Reschedule/Cancel", async () => {
    const user = await signedUp("cal", "Grace Hopper");
    const { page, call } = user;
    const today = todayThere();
    // An instant meeting that ran and ended today.
    const instant = (await call("POST", "/api/meetings", { timeZone: ZONE })).body.meeting;
    await runAndEnd(user, instant.code);

    await gotoDay(page, today);
    // Schedule through the form: the invitation is offered at once.
    await page.getByRole("button", { name: "Schedule on this day" }).click();
    const dialog = page.locator("dialog[open]");
    await dialog.getByLabel("Title").fill("Compiler review");
    await dialog.getByLabel("Starts").fill("23:00");
    await dialog.getByLabel("Ends").fill("23:45");
    await dialog.getByRole("button", { name: "Schedule" }).click();
    await page.getByRole("status").getByText("Scheduled “Compiler review”").waitFor();
    const offered = page.locator(".cal-scheduled").getByRole("link", { name: "Download invitation (.ics) for Compiler review" });
    await offered.waitFor();
    expect(await offered.getAttribute("download")).not.toBeNull();
    const ics = await user.context.request.get(server!.url + (await offered.getAttribute("href"))!);
    expect(ics.status()).toBe(200);
    expect(ics.headers()["content-type"]).toStartWith("text/calendar");
    expect(ics.headers()["content-disposition"]).toMatch(/^attachment; filename="compiler-review-[a-z0-9-]+\.ics"$/);
    const [event] = new ICAL.Component(ICAL.parse(await ics.text())).getAllSubcomponents("vevent").map((e) => new ICAL.Event(e));
    expect(event!.summary).toBe("Compiler review");
    // 23:00 in Tokyo is 14:00 UTC.
    expect(event!.startDate.toJSDate().toISOString()).toBe(new Date(`${today}T23:00:00+09:00`).toISOString());
    expect(event!.endDate.toJSDate().toISOString()).toBe(new Date(`${today}T23:45:00+09:00`).toISOString());
    expect(event!.description).toContain("/m/");

    const card = (title: string) => page.locator(".cal-meeting").filter({ has: page.locator("h3", { hasText: title }) });
    const scheduled = card("Compiler review");
    await scheduled.waitFor();
    expect(await scheduled.getByRole("link", { name: "Download invitation (.ics) for Compiler review" }).getAttribute("href")).toBe(await offered.getAttribute("href"));
    for (const name of ["Join Compiler review", "Rename Compiler review", "Reschedule Compiler review", "Cancel Compiler review"]) {
      expect(await scheduled.getByRole(name.startsWith("Join") ? "link" : "button", { name }).count()).toBe(1);
    }

    // The ended instant meeting: Ended, Join and Rename, its notes and recordings; no Reschedule, Cancel or invitation.
    const ended = card(instant.title);
    await ended.getByText("Ended", { exact: true }).waitFor();
    expect(await ended.getByRole("button", { name: /^Reschedule/ }).count()).toBe(0);
    expect(await ended.getByRole("button", { name: /^Cancel/ }).count()).toBe(0);
    expect(await ended.getByRole("link", { name: /Download invitation/ }).count()).toBe(0);
    expect(await ended.getByRole("link", { name: `Notes and recordings of ${instant.title}` }).getAttribute("href")).toBe("/resources");
    await screenshot(page, "names-calendar-details-light");
    expect(await audit(page)).toEqual([]);

    // Rename by keyboard: focus the Rename button, Enter opens the field with the title selected,
    // Escape cancels, Enter saves; focus comes back to Rename.
    const rename = ended.getByRole("button", { name: `Rename ${instant.title}` });
    await rename.focus();
    await page.keyboard.press("Enter");
    const field = page.getByLabel("Meeting title");
    await eventually(async () => expect(await field.evaluate((el) => el === document.activeElement)).toBe(true));
    expect(await field.evaluate((el: HTMLInputElement) => [el.selectionStart, el.selectionEnd])).toEqual([0, instant.title.length]);
    await page.keyboard.press("Escape");
    expect(await field.count()).toBe(0);
    await eventually(async () => expect(await rename.evaluate((el) => el === document.activeElement)).toBe(true));
    await page.keyboard.press("Enter");
    await eventually(async () => expect(await field.evaluate((el) => el === document.activeElement)).toBe(true));
    await page.keyboard.press("Control+A");
    await page.keyboard.press("Delete");
    await page.keyboard.press("Enter");
    await page.getByRole("alert").getByText("Give the meeting a title").waitFor();
    expect(await field.getAttribute("aria-invalid")).toBe("true");
    await screenshot(page, "names-calendar-rename");
    expect(await audit(page)).toEqual([]);
    await page.keyboard.type("Debugging session (moth found)");
    await page.keyboard.press("Enter");
    await card("Debugging session (moth found)").waitFor();
    await page.getByRole("status").getByText("Renamed to “Debugging session (moth found)”.").waitFor();
    await eventually(async () =>
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Rename Debugging session (moth found)"),
    );
    expect((await call("GET", `/api/meetings/${instant.code}`)).body.meeting.title).toBe("Debugging session (moth found)");
    await page.reload();
    await page.locator(`.cal-grid button[data-day="${today}"]`).click();
    await card("Debugging session (moth found)").waitFor();
    expect(user.errors).toEqual([]);

    // Dark, and at phone width: the same details, axe-clean, nothing wider than the screen.
    for (const variant of [
      { name: "names-calendar-details-dark", colorScheme: "dark" as const, phone: false },
      { name: "names-calendar-details-phone", colorScheme: "light" as const, phone: true },
      { name: "names-calendar-details-phone-dark", colorScheme: "dark" as const, phone: true },
    ]) {
      const c = await context(variant);
      await c.addCookies(await user.context.cookies(server!.url));
      const p = await c.newPage();
      const errors = watchErrors(p);
      await gotoDay(p, today);
      await p.locator(".cal-meeting").filter({ hasText: "Debugging session (moth found)" }).getByText("Ended", { exact: true }).waitFor();
      await p.locator(".cal-detail").scrollIntoViewIfNeeded();
      await screenshot(p, variant.name);
      expect(await audit(p)).toEqual([]);
      if (variant.phone) expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      expect(errors).toEqual([]);
      await c.close();
    }
  }, 120_000);

  test("Resources: each meeting's notes and recordings under it, in local time; notes nobody wrote in leave no item", async () => {
    const user = await signedUp("res", "Katherine Johnson");
    const { call } = user;
    const team = (await call("POST", "/api/teams", { name: "Flight dynamics" })).body.team;
    const orbit = (await call("POST", "/api/meetings", { teamId: team.id, timeZone: ZONE })).body.meeting;
    const quiet = (await call("POST", "/api/meetings", { title: "Opened the notes, typed nothing", timeZone: ZONE })).body.meeting;
    const plan = (await call("POST", "/api/meetings", { title: "Trajectory plan", agenda: "1. Launch window", timeZone: ZONE })).body.meeting;
    await openNotes(user, orbit.code, "# Orbit\n\n- Re-entry angle checked\n");
    await openNotes(user, quiet.code, null);
    // Seeded with its agenda, never typed in: no item either.
    await openNotes(user, plan.code, null);
    await eventually(async () => expect((await call("GET", "/api/notes")).body.notes.map((n: { meetingCode: string }) => n.meetingCode)).toEqual([orbit.code]), {
      timeoutMs: 15_000,
    });
    const orbitAt = (await call("GET", `/api/meetings/${orbit.code}`)).body.meeting;
    const meetingAt = new Date(orbitAt.startedAt ?? orbitAt.createdAt);
    // A recording of the same meeting (this server has no Janus: the list is answered by the test).
    const notesList = (await call("GET", "/api/notes")).body.notes;
    const recording = {
      id: "rec-1",
      meetingId: orbit.id,
      meetingCode: orbit.code,
      meetingTitle: orbit.title,
      meetingAt: meetingAt.toISOString(),
      teamId: team.id,
      title: `${orbit.title} — ${new Date(meetingAt.getTime() + 120_000).toISOString().slice(0, 16).replace("T", " ")} UTC`,
      status: "ready",
      progress: null,
      durationMs: 754_000,
      bytes: 21_400_000,
      mime: "video/webm",
      error: null,
      startedBy: null,
      startedAt: new Date(meetingAt.getTime() + 120_000).toISOString(),
      stoppedAt: null,
      createdAt: new Date(meetingAt.getTime() + 120_000).toISOString(),
    };
    expect(notesList).toHaveLength(1);

    for (const variant of [
      { name: "names-resources-light", colorScheme: "light" as const, phone: false },
      { name: "names-resources-dark", colorScheme: "dark" as const, phone: false },
      { name: "names-resources-phone", colorScheme: "light" as const, phone: true },
      { name: "names-resources-phone-dark", colorScheme: "dark" as const, phone: true },
    ]) {
      const c = await context(variant);
      await c.addCookies(await user.context.cookies(server!.url));
      await c.route(/\/api\/recordings(\?.*)?$/, (route) => route.fulfill({ json: { recordings: [recording] } }));
      const page = await c.newPage();
      const errors = watchErrors(page);
      await page.goto("/resources");
      const groups = page.locator(".res-group");
      await eventually(async () => expect(await page.locator(".res-meeting").allTextContents()).toEqual([orbit.title]));
      const group = groups.first();
      // The meeting's title gives the starter's name and the local time; the heading's date is local too.
      expect(orbit.title).toStartWith("Katherine Johnson's meeting, ");
      const localWhen = new Intl.DateTimeFormat("en-US", { timeZone: ZONE, dateStyle: "medium", timeStyle: "short" }).format(meetingAt);
      expect(await group.locator(".res-group-head time").textContent()).toBe(localWhen);
      expect(await group.locator(".res-group-head").textContent()).toContain("Flight dynamics");
      expect(await group.locator(".res-title").allTextContents()).toEqual(["Notes", "Recording"]);
      const startedLocal = new Intl.DateTimeFormat("en-US", { timeZone: ZONE, timeStyle: "short" }).format(new Date(recording.startedAt));
      expect(await group.locator(".res-item.recording time").textContent()).toBe(startedLocal);
      expect(await page.getByText(" UTC").count()).toBe(0);
      await group.getByRole("button", { name: `Read Notes, ${orbit.title}` }).click();
      await group.locator(".res-markdown h1", { hasText: "Orbit" }).waitFor();
      expect(await group.getByRole("button", { name: `Play Recording, ${orbit.title}, ${startedLocal}` }).count()).toBe(1);
      await screenshot(page, variant.name);
      expect(await audit(page)).toEqual([]);
      if (variant.phone) expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      expect(errors).toEqual([]);
      await c.close();
    }
  }, 120_000);
});
