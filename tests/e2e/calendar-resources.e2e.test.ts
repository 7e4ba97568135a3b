/**
 * The calendar and resources pages in real Chromium against the real server (production bundle,
 * PGlite, no Janus). Meetings are scheduled, filtered, moved and cancelled through the page; notes
 * are written through the notes socket with the stock y-websocket provider, then read, renamed,
 * downloaded and deleted under Resources.
 *
 * Recordings: without Janus the server cannot make one, so the real list is only seen empty; the
 * recording states (processing with progress, failed, ready), polling and the player are driven
 * by answers to /api/recordings that the test gives the page itself (Playwright routes), with a
 * small WebM made by ffmpeg when it is installed. The record → process → play path against the real
 * server is tests/e2e/recording.e2e.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page, Route } from "playwright-core";
import { addMonths, dayKey, formatMonth, monthOf } from "../../client/lib/calendar-dates.ts";
import { canRunBrowser, launchBrowser, newContext, screenshot, watchErrors } from "../helpers/browser.ts";
import { eventually } from "../helpers/eventually.ts";
import { startServer, type RunningServer } from "../helpers/server.ts";
import { notesProvider } from "../helpers/yjs.ts";

let server: RunningServer | undefined;
let browser: Browser | undefined;
let dataDir = "";
const contexts: BrowserContext[] = [];

/** A fresh browser context for `name`, signed up through the API (its cookie lands in the context). */
async function signedUp(name: string, options: { phone?: boolean; colorScheme?: "light" | "dark" } = {}) {
  const context = await newContext(browser!, { baseURL: server!.url, ...options });
  contexts.push(context);
  const call = async (method: string, path: string, body?: unknown) => {
    // The server refuses unsafe requests from a foreign Origin; a page's own origin is this one.
    const res = await context.request.fetch(server!.url + path, { method, data: body, headers: { origin: server!.url } });
    const text = await res.text();
    return { status: res.status(), body: text && res.headers()["content-type"]?.includes("json") ? JSON.parse(text) : text };
  };
  const suffix = `${name}${Math.random().toString(36).slice(2, 8)}`;
  const signup = await call("POST", "/api/auth/signup", { email: `${suffix}@example.test`, username: suffix, password: "correct horse battery" });
  expect(signup.status).toBe(201);
  const cookie = (await context.cookies(server!.url)).find((c) => c.name === "dictate_session");
  expect(cookie).toBeDefined();
  const page = await context.newPage();
  const errors = watchErrors(page);
  return { context, page, errors, call, cookie: `${cookie!.name}=${cookie!.value}` };
}
type User = Awaited<ReturnType<typeof signedUp>>;

async function createTeam(user: User, name: string): Promise<{ id: string; name: string }> {
  const res = await user.call("POST", "/api/teams", { name });
  expect(res.status).toBe(201);
  return res.body.team;
}

async function createMeeting(user: User, input: { title: string; teamId?: string; day: Date; hour: number; minutes?: number; agenda?: string }) {
  const start = new Date(input.day.getFullYear(), input.day.getMonth(), input.day.getDate(), input.hour);
  const end = new Date(start.getTime() + (input.minutes ?? 60) * 60_000);
  const res = await user.call("POST", "/api/meetings", {
    title: input.title,
    teamId: input.teamId,
    agenda: input.agenda ?? "",
    startsAt: start.toISOString(),
    endsAt: end.toISOString(),
  });
  expect(res.status).toBe(201);
  return res.body.meeting as { id: string; code: string; title: string; startsAt: string };
}

/** Writes `text` into a meeting's notes through the notes socket and waits until the server has saved it. */
async function writeNotes(user: User, code: string, text: string) {
  const client = notesProvider(server!.url, code, { cookie: user.cookie, name: "Test" });
  try {
    await client.synced();
    client.text.delete(0, client.text.length);
    client.text.insert(0, text);
    await Bun.sleep(200);
  } finally {
    // Closing the last notes socket saves the notes.
    client.destroy();
  }
  return eventually(
    async () => {
      const list = await user.call("GET", "/api/notes");
      const note = list.body.notes.find((n: { meetingCode: string }) => n.meetingCode === code);
      expect(note).toBeDefined();
      const full = await user.call("GET", `/api/notes/${note.id}`);
      expect(full.body.note.text).toBe(text);
      return note as { id: string; title: string };
    },
    { timeoutMs: 15_000, intervalMs: 200 },
  );
}

const day = (key: string) => `.cal-grid button[data-day="${key}"]`;

async function gotoCalendar(page: Page, query = "") {
  await page.goto(`/calendar${query}`);
  await page.locator(".cal-grid").waitFor();
  await page.waitForFunction(() => document.querySelector(".cal-status")?.textContent !== "Loading meetings…");
}

const monthParam = (page: Page) => new URL(page.url()).searchParams.get("month");

describe.skipIf(!canRunBrowser)("calendar and resources pages", () => {
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "dictate-e2e-calendar-"));
    server = await startServer({ DATA_DIR: dataDir, NODE_ENV: "production" });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop().catch(() => {});
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test("schedule from the calendar next month, move between months, filter by team, reschedule, cancel", async () => {
    const user = await signedUp("cal");
    const { page } = user;
    const alpha = await createTeam(user, "Alpha");
    const beta = await createTeam(user, "Beta");
    const now = new Date();
    const thisMonth = monthOf(now);
    const next = addMonths(thisMonth, 1);
    const nextKey = formatMonth(next);
    const onDay = (d: number) => new Date(next.year, next.month - 1, d);
    await createMeeting(user, { title: "Beta sync", teamId: beta.id, day: onDay(20), hour: 9 });
    await createMeeting(user, { title: "Dentist", day: onDay(21), hour: 15, minutes: 30 });

    await gotoCalendar(page);
    expect(monthParam(page)).toBe(formatMonth(thisMonth));
    const heading = await page.evaluate(([y, m]) => new Intl.DateTimeFormat(undefined, { month: "long", year: "numeric" }).format(new Date(y!, m! - 1, 1)), [next.year, next.month]);
    expect(await page.locator(`${day(dayKey(now))}[aria-current="date"]`).count()).toBe(1);

    // To next month: the URL follows, the heading names it.
    await page.getByRole("button", { name: "Next month" }).click();
    await page.waitForFunction((m) => new URLSearchParams(location.search).get("month") === m, nextKey);
    expect(await page.locator("h1").textContent()).toBe(heading);
    await page.waitForFunction(() => document.querySelector(".cal-status")?.textContent !== "Loading meetings…");
    expect(await page.locator(day(`${nextKey}-20`)).textContent()).toContain("Beta sync");

    // Schedule on the 14th through the form; a time error is shown at its field first.
    const d14 = `${nextKey}-14`;
    await page.locator(day(d14)).click();
    expect(await page.locator(day(d14)).getAttribute("aria-pressed")).toBe("true");
    await page.getByRole("button", { name: "Schedule on this day" }).click();
    const dialog = page.locator("dialog.cal-form");
    await dialog.waitFor({ state: "visible" });
    expect(await page.locator("#meeting-date").inputValue()).toBe(d14);
    await page.locator("#meeting-title").fill("Design review");
    await page.locator("#meeting-team").selectOption({ label: "Alpha" });
    await page.locator("#meeting-start").fill("10:00");
    await page.locator("#meeting-end").fill("09:30");
    await page.locator("#meeting-agenda").fill("1. Mockups\n2. Decide on the palette");
    await dialog.getByRole("button", { name: "Schedule" }).click();
    await dialog.getByText("It must end after it starts").waitFor();
    expect(await page.locator("#meeting-end").getAttribute("aria-invalid")).toBe("true");
    await page.locator("#meeting-end").fill("11:00");
    await dialog.getByRole("button", { name: "Schedule" }).click();
    await dialog.waitFor({ state: "hidden" });
    await page.getByRole("status").filter({ hasText: "Scheduled “Design review”" }).waitFor();
    await eventually(async () => expect(await page.locator(day(d14)).textContent()).toMatch(/Design review at .+ \(Alpha\)/));
    await page.locator(`${day(d14)} .cal-chip`).filter({ hasText: "Design review" }).waitFor();
    const detail = page.locator(".cal-detail");
    await detail.getByRole("heading", { name: "Design review" }).waitFor();
    expect(await detail.textContent()).toContain("Mockups");
    expect(await detail.getByRole("link", { name: "Join Design review" }).getAttribute("href")).toMatch(/^\/m\/[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/);

    // Back and forth between months, with the buttons, Back/Forward and a reload.
    await page.getByRole("button", { name: "Previous month" }).click();
    await page.waitForFunction((m) => new URLSearchParams(location.search).get("month") === m, formatMonth(thisMonth));
    expect(await page.locator(day(d14)).count()).toBe(0);
    await page.goBack();
    await page.waitForFunction((m) => new URLSearchParams(location.search).get("month") === m, nextKey);
    await page.locator(`${day(d14)} .cal-chip`).filter({ hasText: "Design review" }).waitFor();
    await page.reload();
    await page.locator(`${day(d14)} .cal-chip`).filter({ hasText: "Design review" }).waitFor();
    expect(await page.locator("h1").textContent()).toBe(heading);
    await page.getByRole("button", { name: "Today" }).click();
    await page.waitForFunction((m) => new URLSearchParams(location.search).get("month") === m, formatMonth(thisMonth));
    await page.goBack();
    await page.locator(`${day(d14)} .cal-chip`).filter({ hasText: "Design review" }).waitFor();

    // Arrow keys move between days; PageDown goes on a month.
    await page.locator(day(d14)).focus();
    const focusedDay = () => page.evaluate(() => (document.activeElement as HTMLElement).dataset.day);
    await page.keyboard.press("ArrowRight");
    await eventually(async () => expect(await focusedDay()).toBe(`${nextKey}-15`));
    await page.keyboard.press("ArrowDown");
    await eventually(async () => expect(await focusedDay()).toBe(`${nextKey}-22`));
    expect(await page.locator(day(`${nextKey}-22`)).getAttribute("aria-pressed")).toBe("true");
    const after = formatMonth(addMonths(next, 1));
    await page.keyboard.press("PageDown");
    await page.waitForFunction((m) => new URLSearchParams(location.search).get("month") === m, after);
    await eventually(async () => expect(await focusedDay()).toBe(`${after}-22`));
    await page.goBack();
    await page.locator(`${day(d14)} .cal-chip`).filter({ hasText: "Design review" }).waitFor();

    // The team filter asks the server for one team's meetings; Personal shows those without a team.
    const chips = async () => (await page.locator(".cal-chip").allTextContents()).map((t) => t.replace(/^\S+\s(?:[AP]M\s)?/, "").trim()).sort();
    await page.locator("#cal-team").selectOption({ label: "Beta" });
    await eventually(async () => expect(await chips()).toEqual(["Beta sync"]));
    expect(new URL(page.url()).searchParams.get("team")).toBe(beta.id);
    await page.locator("#cal-team").selectOption({ label: "Personal" });
    await eventually(async () => expect(await chips()).toEqual(["Dentist"]));
    await page.locator("#cal-team").selectOption({ label: "Alpha" });
    await eventually(async () => expect(await chips()).toEqual(["Design review"]));
    await page.locator("#cal-team").selectOption({ label: "All teams" });
    await eventually(async () => expect(await chips()).toEqual(["Beta sync", "Dentist", "Design review"]));
    expect(await page.locator(".cal-legend").textContent()).toContain("Alpha");
    expect(await page.locator(".cal-legend").textContent()).toContain("Personal");
    expect(alpha.id).not.toBe(beta.id);

    // Reschedule to the 16th: same form, prefilled; the team stays fixed.
    await page.locator(day(d14)).click();
    await page.getByRole("button", { name: "Reschedule Design review" }).click();
    await dialog.waitFor({ state: "visible" });
    expect(await page.locator("#meeting-title").inputValue()).toBe("Design review");
    expect(await page.locator("#meeting-start").inputValue()).toBe("10:00");
    expect(await page.locator("#meeting-team").isDisabled()).toBe(true);
    await page.locator("#meeting-date").fill(`${nextKey}-16`);
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "hidden" });
    await page.locator(`${day(`${nextKey}-16`)} .cal-chip`).filter({ hasText: "Design review" }).waitFor();
    expect(await page.locator(day(d14)).textContent()).toContain("no meetings");
    expect(await page.locator(day(`${nextKey}-16`)).getAttribute("aria-pressed")).toBe("true");

    // Cancel it through the confirmation.
    await page.getByRole("button", { name: "Cancel Design review" }).click();
    const confirm = page.locator("dialog[open]");
    await confirm.getByRole("heading", { name: "Cancel this meeting?" }).waitFor();
    await confirm.getByRole("button", { name: "Cancel meeting" }).click();
    await confirm.waitFor({ state: "hidden" });
    await page.getByRole("status").filter({ hasText: "Cancelled “Design review”" }).waitFor();
    // Focus is not lost with the removed button: it is back on the day.
    await eventually(async () => expect(await focusedDay()).toBe(`${nextKey}-16`));
    expect(await page.locator(".cal-chip").filter({ hasText: "Design review" }).count()).toBe(0);
    const listed = await user.call("GET", `/api/meetings?from=${new Date(next.year, next.month - 1, 1).toISOString()}&to=${new Date(next.year, next.month, 1).toISOString()}`);
    expect(listed.body.meetings.map((m: { title: string }) => m.title).sort()).toEqual(["Beta sync", "Dentist"]);
    expect(user.errors).toEqual([]);
  }, 90_000);

  test("screenshots: calendar in light, dark and at phone width", async () => {
    const user = await signedUp("calshots");
    const teams = [await createTeam(user, "Design"), await createTeam(user, "Platform"), await createTeam(user, "Sales")];
    const now = new Date();
    const first = new Date(now.getFullYear(), now.getMonth(), 1);
    const at = (d: number) => new Date(first.getFullYear(), first.getMonth(), d);
    const todayDate = now.getDate();
    const busy = Math.min(todayDate, 27);
    await createMeeting(user, { title: "Standup", teamId: teams[1]!.id, day: at(busy), hour: 9, minutes: 15 });
    await createMeeting(user, { title: "Design critique", teamId: teams[0]!.id, day: at(busy), hour: 11, agenda: "Review the new onboarding flow and the empty states." });
    await createMeeting(user, { title: "Pipeline review", teamId: teams[2]!.id, day: at(busy), hour: 14 });
    await createMeeting(user, { title: "Focus time", day: at(busy), hour: 16 });
    for (const [d, title, t] of [[3, "Sprint planning", 1], [5, "Customer call", 2], [10, "Retro", 1], [12, "Brand workshop", 0], [18, "1:1 with Sam", null], [24, "Quarterly review", 2]] as const) {
      await createMeeting(user, { title, teamId: t === null ? undefined : teams[t]!.id, day: at(d), hour: 10 });
    }
    for (const variant of [
      { name: "calendar-light", colorScheme: "light" as const, phone: false },
      { name: "calendar-dark", colorScheme: "dark" as const, phone: false },
      { name: "calendar-phone", colorScheme: "light" as const, phone: true },
      { name: "calendar-phone-dark", colorScheme: "dark" as const, phone: true },
    ]) {
      const context = await newContext(browser!, { baseURL: server!.url, colorScheme: variant.colorScheme, phone: variant.phone });
      contexts.push(context);
      await context.addCookies(await user.context.cookies(server!.url));
      const page = await context.newPage();
      const errors = watchErrors(page);
      await gotoCalendar(page);
      await page.locator(day(dayKey(at(busy)))).click();
      await page.locator(".cal-detail").getByRole("heading", { name: "Design critique" }).waitFor();
      expect(await page.locator(`${day(dayKey(at(busy)))} .cal-more`).count()).toBe(1);
      await screenshot(page, variant.name);
      if (variant.name === "calendar-light") {
        await page.getByRole("button", { name: "Schedule a meeting" }).click();
        await page.locator("dialog.cal-form").waitFor({ state: "visible" });
        await screenshot(page, "calendar-form");
      }
      // Nothing sticks out sideways at phone width.
      if (variant.phone) expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      expect(errors).toEqual([]);
      await context.close();
    }
  }, 90_000);

  test("selecting a meeting's day scrolls its details (Join, Reschedule, Cancel) into view and focuses them; the agenda is Markdown", async () => {
    const user = await signedUp("calscroll");
    const now = new Date();
    // A day in the last week of the month: its details sit below the grid, out of an 800 px window.
    const target = new Date(now.getFullYear(), now.getMonth(), 26);
    await createMeeting(user, {
      title: "Roadmap review",
      day: target,
      hour: 10,
      agenda: "## Goals\n\n- Ship **calendar** fixes\n- Plan Q1\n\n<img src=x onerror=alert(1)> stays text",
    });
    const { page } = user;
    await gotoCalendar(page);
    const join = page.locator(".cal-detail").getByRole("link", { name: "Join Roadmap review" });
    await page.locator(day(dayKey(target))).click();
    await join.waitFor();
    // The details are in the viewport (scrolled to), and focus moved to them.
    await page.waitForFunction(() => {
      const r = document.querySelector(".cal-meeting")!.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= innerHeight;
    });
    const box = await page.locator(".cal-meeting").first().boundingBox();
    const viewport = page.viewportSize()!;
    expect(box!.y).toBeGreaterThanOrEqual(0);
    expect(box!.y + box!.height).toBeLessThanOrEqual(viewport.height);
    expect(await page.evaluate(() => document.activeElement?.closest(".cal-detail") !== null)).toBe(true);
    // Tab from there reaches Join.
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Join Roadmap review");
    // The agenda is rendered Markdown: a heading, a list with emphasis; raw HTML stays text.
    const agenda = page.locator(".cal-detail .cal-agenda");
    await agenda.locator("ul li").first().waitFor();
    expect(await agenda.locator("h2, h3, h4").first().innerText()).toBe("Goals");
    expect(await agenda.locator("li").allInnerTexts()).toEqual(["Ship calendar fixes", "Plan Q1"]);
    expect(await agenda.locator("strong").innerText()).toBe("calendar");
    expect(await agenda.locator("img").count()).toBe(0);
    expect(await agenda.innerText()).toContain("<img src=x onerror=alert(1)> stays text");
    await screenshot(page, "calendar-selected-scrolled");
    expect(user.errors).toEqual([]);
  }, 60_000);

  test("notes written in a meeting appear under Resources: filter, read as Markdown, download, rename, delete", async () => {
    const user = await signedUp("res");
    const { page } = user;
    const alpha = await createTeam(user, "Alpha");
    const now = new Date();
    const retro = await createMeeting(user, { title: "Retro", teamId: alpha.id, day: now, hour: 8 });
    const oneOnOne = await createMeeting(user, { title: "1:1 with Sam", day: now, hour: 7 });
    await writeNotes(user, retro.code, "# Retro notes\n\nWe shipped **it**.\n\n- one\n- two\n");
    await writeNotes(user, oneOnOne.code, "Talked about *goals*.\n");

    await page.goto("/resources");
    // Each meeting's notes sit under the meeting, read as "Notes" there.
    const titles = () => page.locator(".res-meeting").allTextContents();
    await eventually(async () => expect((await titles()).sort()).toEqual(["1:1 with Sam", "Retro"]));
    const group = (title: string) => page.locator(".res-group").filter({ has: page.locator(".res-meeting", { hasText: title }) });
    const item = (meeting: string) => group(meeting).locator(".res-item");
    expect(await group("Retro").locator(".res-group-head").textContent()).toContain("Alpha");
    expect(await group("1:1 with Sam").locator(".res-group-head").textContent()).toContain("Personal");
    expect(await item("Retro").locator(".res-title").allTextContents()).toEqual(["Notes"]);

    // Kind filter: no recordings here (this server has no Janus), and the empty state says where they come from.
    await page.getByRole("radio", { name: "Recordings" }).check();
    await page.getByRole("heading", { name: "No recordings match these filters" }).waitFor();
    expect(await page.locator(".res-empty").textContent()).toContain("records the meeting");
    expect(new URL(page.url()).searchParams.get("kind")).toBe("recordings");
    await page.getByRole("radio", { name: "Notes" }).check();
    await eventually(async () => expect((await titles()).length).toBe(2));
    await page.locator("#res-team").selectOption({ label: "Alpha" });
    await eventually(async () => expect(await titles()).toEqual(["Retro"]));
    await page.locator("#res-team").selectOption({ label: "Personal" });
    await eventually(async () => expect(await titles()).toEqual(["1:1 with Sam"]));
    await page.locator("#res-team").selectOption({ label: "All teams" });
    await page.getByRole("radio", { name: "All" }).check();
    await eventually(async () => expect((await titles()).length).toBe(2));

    // Read: the text rendered as Markdown.
    await page.getByRole("button", { name: "Read Notes, Retro" }).click();
    const rendered = item("Retro").locator(".res-markdown");
    await rendered.locator("h1", { hasText: "Retro notes" }).waitFor();
    expect(await rendered.locator("strong").textContent()).toBe("it");
    expect(await rendered.locator("li").count()).toBe(2);
    await page.getByRole("button", { name: "Hide Notes, Retro" }).click();
    expect(await rendered.count()).toBe(0);

    // Download .md: a link to the export, with the download attribute.
    const download = item("Retro").getByRole("link", { name: "Download .md Notes, Retro" });
    expect(await download.getAttribute("download")).not.toBeNull();
    const md = await user.context.request.get(server!.url + (await download.getAttribute("href"))!);
    expect(md.status()).toBe(200);
    expect(await md.text()).toContain("We shipped **it**.");

    // Rename: Escape cancels, Enter saves.
    await page.getByRole("button", { name: "Rename Notes, Retro" }).click();
    const input = page.getByLabel("New title");
    // Focus moves there once the form has rendered.
    await eventually(async () => expect(await input.evaluate((el) => el === document.activeElement)).toBe(true));
    await input.fill("Never mind");
    await input.press("Escape");
    expect(await input.count()).toBe(0);
    expect((await titles()).sort()).toEqual(["1:1 with Sam", "Retro"]);
    expect(await item("Retro").locator(".res-title").allTextContents()).toEqual(["Notes"]);
    await page.getByRole("button", { name: "Rename Notes, Retro" }).click();
    await page.getByLabel("New title").fill("Sprint 12 retro");
    await page.getByLabel("New title").press("Enter");
    await page.locator(".res-title", { hasText: "Sprint 12 retro" }).waitFor();
    await page.reload();
    await page.locator(".res-title", { hasText: "Sprint 12 retro" }).waitFor();

    // A meeting with notes cannot be cancelled: the calendar says why.
    await gotoCalendar(page, `?month=${formatMonth(monthOf(now))}`);
    await page.locator(day(dayKey(now))).click();
    await page.getByRole("button", { name: "Cancel Retro" }).click();
    const confirm = page.locator("dialog[open]");
    await confirm.getByRole("button", { name: "Cancel meeting" }).click();
    await confirm.getByRole("alert").filter({ hasText: "has notes or recordings" }).waitFor();
    await confirm.getByRole("button", { name: "Cancel", exact: true }).click();
    await confirm.waitFor({ state: "hidden" });

    // Delete the notes.
    await page.goto("/resources");
    await page.getByRole("button", { name: "Delete Sprint 12 retro" }).click();
    await page.locator("dialog[open]").getByRole("button", { name: "Delete", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "Deleted “Sprint 12 retro”" }).waitFor();
    expect(await titles()).toEqual(["1:1 with Sam"]);
    await eventually(async () => expect(await page.evaluate(() => document.activeElement?.id)).toBe("res-heading"));
    const notes = await user.call("GET", "/api/notes");
    expect(notes.body.notes.map((n: { title: string }) => n.title)).toEqual(["1:1 with Sam — notes"]);
    expect(user.errors).toEqual([]);
  }, 90_000);

  test("recordings: progress polled every 2 s until ready, failed with its error, play and download (answers given by the test)", async () => {
    const user = await signedUp("rec");
    const { page, context } = user;
    // The real server, without Janus, has none: the empty state.
    await page.goto("/resources?kind=recordings");
    await page.getByRole("heading", { name: "No recordings match these filters" }).waitFor();

    const base = { meetingId: "m1", meetingCode: "abcd-efgh-jkmn", meetingTitle: "Weekly sync", teamId: null, mime: "video/webm", startedBy: null, stoppedAt: null };
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    // Each in its own meeting (Resources groups by meeting, newest meeting first).
    const meeting = (id: string, title: string, minutesAgo: number) => ({ meetingId: id, meetingCode: `${id}cd-efgh-jkmn`, meetingTitle: title, meetingAt: at(minutesAgo) });
    const processing = { ...base, ...meeting("m1", "Weekly sync", 5), id: "rec-processing", title: "Weekly sync — recording", status: "processing", progress: 0.42, durationMs: null, bytes: null, error: null, startedAt: at(5), createdAt: at(5) };
    const failed = { ...base, ...meeting("m2", "Kickoff", 60), id: "rec-failed", title: "Kickoff — recording", status: "failed", progress: null, durationMs: null, bytes: null, error: "Janus left no files for this recording", startedAt: at(60), createdAt: at(60) };
    const ready = { ...base, ...meeting("m3", "Demo", 120), id: "rec-ready", title: "Demo — recording", status: "ready", progress: null, durationMs: 3_000, bytes: 48_200_000, error: null, startedAt: at(120), createdAt: at(120) };
    let listCalls = 0;
    let readyAfter = 3;
    await context.route(/\/api\/recordings(\?.*)?$/, async (route: Route) => {
      listCalls++;
      const now = listCalls >= readyAfter ? { ...processing, status: "ready", progress: null, durationMs: 65_000, bytes: 812_000 } : processing;
      await route.fulfill({ json: { recordings: [now, failed, ready] } });
    });
    let webm: Buffer | null = null;
    if (Bun.which("ffmpeg")) {
      const file = join(dataDir, "clip.webm");
      const made = spawnSync("ffmpeg", ["-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=duration=3:size=320x180:rate=15", "-c:v", "libvpx", "-b:v", "200k", file]);
      if (made.status === 0) webm = readFileSync(file);
    }
    await context.route(/\/api\/recordings\/rec-ready\/media$/, (route) =>
      webm ? route.fulfill({ status: 200, body: webm, headers: { "content-type": "video/webm" } }) : route.fulfill({ status: 404, json: { error: { code: "NOT_FOUND", message: "No file" } } }),
    );

    await page.goto("/resources");
    const item = (title: string) => page.locator(".res-item").filter({ has: page.locator(".res-title", { hasText: title }) });
    await item("Weekly sync — recording").getByText("Processing 42%").waitFor();
    expect(await item("Weekly sync — recording").locator("progress").getAttribute("value")).toBe("42");
    expect(await item("Weekly sync — recording").getByRole("progressbar", { name: "Processing 42%" }).count()).toBe(1);
    expect(await item("Kickoff — recording").textContent()).toContain("Failed: Janus left no files for this recording");
    expect(await item("Kickoff — recording").getByRole("button", { name: /^Play/ }).count()).toBe(0);
    expect(await item("Demo — recording").textContent()).toContain("Ready · 0:03 · 48 MB");
    // Newest first.
    expect(await page.locator(".res-title").allTextContents()).toEqual(["Weekly sync — recording", "Kickoff — recording", "Demo — recording"]);

    // Polled until ready, then no more polling.
    const started = Date.now();
    await item("Weekly sync — recording").getByText("Ready · 1:05 · 812 KB").waitFor({ timeout: 10_000 });
    expect(Date.now() - started).toBeGreaterThan(1_500);
    const settled = listCalls;
    await Bun.sleep(4_500);
    expect(listCalls).toBe(settled);

    // Play inline; download link.
    await item("Demo — recording").getByRole("button", { name: "Play Demo — recording" }).click();
    const video = item("Demo — recording").locator("video");
    expect(await video.getAttribute("src")).toBe("/api/recordings/rec-ready/media");
    if (webm) {
      await page.waitForFunction(() => (document.querySelector(".res-player video") as HTMLVideoElement | null)?.readyState! >= 1);
      expect(await video.evaluate((v: HTMLVideoElement) => Math.round(v.duration))).toBe(3);
    }
    // Play plays: the player opens playing, not paused on its first frame.
    await page.waitForFunction(() => (document.querySelector(".res-player video") as HTMLVideoElement | null)?.paused === false);
    expect(await video.evaluate((v: HTMLVideoElement) => v.paused)).toBe(false);
    const link = item("Demo — recording").getByRole("link", { name: "Download Demo — recording" });
    expect(await link.getAttribute("href")).toBe("/api/recordings/rec-ready/media");
    expect(await link.getAttribute("download")).toBe("demo-demo-recording.webm");
    await item("Demo — recording").getByRole("button", { name: "Close player Demo — recording" }).click();
    expect(await video.count()).toBe(0);

    // Leaving the page stops the polling of a recording still processing.
    listCalls = 0;
    readyAfter = Number.POSITIVE_INFINITY;
    await page.reload();
    await item("Weekly sync — recording").getByText("Processing 42%").waitFor();
    await eventually(() => expect(listCalls).toBeGreaterThanOrEqual(2), { timeoutMs: 5_000 });
    await page.getByRole("link", { name: "Calendar" }).click();
    await page.locator(".cal-grid").waitFor();
    const left = listCalls;
    await Bun.sleep(4_500);
    expect(listCalls).toBe(left);
    expect(user.errors).toEqual([]);
  }, 60_000);

  test("screenshots: resources in light, dark and at phone width", async () => {
    const user = await signedUp("resshots");
    const team = await createTeam(user, "Platform");
    const now = new Date();
    const m = await createMeeting(user, { title: "Architecture review", teamId: team.id, day: now, hour: 6 });
    await writeNotes(user, m.code, "# Decisions\n\n- Move the **recording worker** to its own queue\n- Keep PGlite as the default\n\n> Revisit in January.\n");
    const p = await createMeeting(user, { title: "Planning", day: now, hour: 5 });
    await writeNotes(user, p.code, "Short notes.\n");
    const base = { meetingId: m.id, meetingCode: m.code, meetingTitle: m.title, meetingAt: m.startsAt, teamId: team.id, mime: "video/webm", startedBy: null, stoppedAt: null, createdAt: now.toISOString() };
    const elsewhere = (id: string, title: string, at: Date) => ({ meetingId: id, meetingCode: `${id}cd-efgh-jkmn`, meetingTitle: title, meetingAt: at.toISOString() });
    const utcTitle = (title: string, at: Date) => `${title} — ${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
    const recordings = [
      { ...base, id: "r1", title: utcTitle(m.title, now), status: "processing", progress: 0.42, durationMs: null, bytes: null, error: null, startedAt: new Date(now.getTime() + 60_000).toISOString() },
      { ...base, ...elsewhere("m2", "Incident retro", new Date(now.getTime() - 86_400_000)), id: "r2", title: "Incident retro — recording", status: "failed", progress: null, durationMs: null, bytes: null, error: "Janus left no files for this recording", startedAt: new Date(now.getTime() - 86_400_000).toISOString() },
      { ...base, ...elsewhere("m3", "Onboarding walkthrough", new Date(now.getTime() - 3 * 86_400_000)), id: "r3", title: "Onboarding walkthrough — recording", status: "ready", progress: null, durationMs: 3_723_000, bytes: 412_000_000, error: null, startedAt: new Date(now.getTime() - 3 * 86_400_000).toISOString() },
    ];
    for (const variant of [
      { name: "resources-light", colorScheme: "light" as const, phone: false },
      { name: "resources-dark", colorScheme: "dark" as const, phone: false },
      { name: "resources-phone", colorScheme: "light" as const, phone: true },
      { name: "resources-phone-dark", colorScheme: "dark" as const, phone: true },
    ]) {
      const context = await newContext(browser!, { baseURL: server!.url, colorScheme: variant.colorScheme, phone: variant.phone });
      contexts.push(context);
      await context.addCookies(await user.context.cookies(server!.url));
      await context.route(/\/api\/recordings(\?.*)?$/, (route) => route.fulfill({ json: { recordings } }));
      const page = await context.newPage();
      const errors = watchErrors(page);
      await page.goto("/resources");
      await page.getByText("Processing 42%").waitFor();
      await page.getByRole("button", { name: "Read Notes, Architecture review" }).click();
      await page.locator(".res-markdown h1").waitFor();
      await screenshot(page, variant.name);
      if (variant.name === "resources-light") {
        await page.getByRole("button", { name: "Rename Notes, Planning" }).click();
        await screenshot(page, "resources-rename");
        await page.getByLabel("New title").press("Escape");
        await page.getByRole("radio", { name: "Recordings" }).check();
        await page.locator("#res-team").selectOption({ label: "Personal" });
        await page.getByRole("heading", { name: "No recordings match these filters" }).waitFor();
        await screenshot(page, "resources-empty");
      }
      if (variant.phone) expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      expect(errors).toEqual([]);
      await context.close();
    }
  }, 90_000);
});
