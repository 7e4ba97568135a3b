/**
 * The account and team pages in Chromium against the real server (no media: nothing here needs
 * Janus). Two people: alice signs up, logs out and in again, creates a team; bob signs up in his
 * own browser context, joins by the code, both see each other, bob leaves; alice renames herself
 * and deletes her account. Every step is judged by what a person sees: roles, labels, text.
 * Screenshots go to .test-artifacts/screenshots/{account,teams,team}-*.png.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { eventually } from "../helpers/eventually.ts";
import { canRunBrowser, launchBrowser, newContext, screenshot, watchErrors } from "../helpers/browser.ts";
import { startServer, type RunningServer } from "../helpers/server.ts";

const ALICE = { email: "alice@example.com", username: "alice", password: "correct horse battery" };
const BOB = { email: "bob@example.com", username: "bob", password: "another fine password" };
const TEAM = "Design crew";

describe.skipIf(!canRunBrowser)("account and team pages (Chromium, real server)", () => {
  let dir = "";
  let server: RunningServer | null = null;
  let browser: Browser | null = null;
  const contexts: BrowserContext[] = [];
  /** Page errors of every watched page, by page name. */
  const errors = new Map<string, string[]>();

  let alice: Page;
  let bob: Page;
  let teamCode = "";
  let teamPath = "";

  async function open(name: string, options: { phone?: boolean; colorScheme?: "light" | "dark" } = {}) {
    const context = await newContext(browser!, { baseURL: server!.url, ...options });
    contexts.push(context);
    const page = await context.newPage();
    errors.set(name, watchErrors(page));
    return page;
  }

  const nav = (page: Page) => page.getByRole("navigation", { name: "Main" });
  /** Waits until the page's session is known (the header shows either the user or "Log in"). */
  const settled = (page: Page) => page.locator("nav#site-nav").getByText(/Log in|Log out/).first().waitFor({ state: "attached" });

  async function signUp(page: Page, who: typeof ALICE, path = "/signup") {
    await page.goto(path);
    await page.getByLabel("Email", { exact: true }).fill(who.email);
    await page.getByLabel("Username", { exact: true }).fill(who.username);
    await page.getByLabel("Password", { exact: true }).fill(who.password);
    await page.getByLabel("Repeat password", { exact: true }).fill(who.password);
    await page.getByRole("button", { name: "Sign up" }).click();
  }

  async function logIn(page: Page, email: string, password: string) {
    await page.getByLabel("Email", { exact: true }).fill(email);
    await page.getByLabel("Password", { exact: true }).fill(password);
    await page.getByRole("button", { name: "Log in", exact: true }).click();
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "dictate-account-e2e-"));
    server = await startServer({ DATA_DIR: dir, NODE_ENV: "production" });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("sign up: a password mismatch is shown at the confirmation before any request, then the account is made", async () => {
    alice = await open("alice");
    let signupRequests = 0;
    alice.on("request", (r) => r.url().endsWith("/api/auth/signup") && signupRequests++);

    await alice.goto("/signup");
    await alice.getByRole("heading", { level: 1, name: "Create your account" }).waitFor();
    await settled(alice);
    await screenshot(alice, "account-signup-light");

    await alice.getByLabel("Email", { exact: true }).fill(ALICE.email);
    await alice.getByLabel("Username", { exact: true }).fill(ALICE.username);
    await alice.getByLabel("Password", { exact: true }).fill(ALICE.password);
    await alice.getByLabel("Repeat password", { exact: true }).fill("not the same");
    await alice.getByRole("button", { name: "Sign up" }).click();
    const confirm = alice.getByLabel("Repeat password", { exact: true });
    await alice.getByText("The passwords do not match").waitFor();
    expect(await confirm.getAttribute("aria-invalid")).toBe("true");
    // Focus moves there once the error has rendered.
    await eventually(async () => expect(await confirm.evaluate((el) => el === document.activeElement)).toBe(true));
    expect(signupRequests).toBe(0);
    await screenshot(alice, "account-signup-mismatch-light");

    await confirm.fill(ALICE.password);
    expect(await alice.getByText("The passwords do not match").count()).toBe(0);
    await alice.getByRole("button", { name: "Sign up" }).click();
    await alice.waitForURL((url) => url.pathname === "/calendar");
    await nav(alice).getByRole("link", { name: ALICE.username }).waitFor();
    expect(signupRequests).toBe(1);
  });

  test("log out, then a wrong password is refused and the right one goes back to where the person was going", async () => {
    await nav(alice).getByRole("button", { name: "Log out" }).click();
    await alice.waitForURL((url) => url.pathname === "/");
    await nav(alice).getByRole("link", { name: "Log in" }).waitFor();

    // A page that needs an account sends the visitor to log in, and back afterwards.
    await alice.goto("/teams");
    await alice.waitForURL((url) => url.pathname === "/login" && url.searchParams.get("next") === "/teams");
    await logIn(alice, ALICE.email, "wrong password");
    const alert = alice.getByRole("alert");
    await alert.getByText("Invalid email or password").waitFor();
    expect(await alice.getByLabel("Password", { exact: true }).inputValue()).toBe("");
    await screenshot(alice, "account-login-error-light");

    await logIn(alice, ALICE.email, ALICE.password);
    await alice.waitForURL((url) => url.pathname === "/teams");
    await nav(alice).getByRole("link", { name: ALICE.username }).waitFor();

    // Signed in, the log-in page says who you are and where to go.
    await alice.goto("/login");
    await alice.getByText(`You are signed in as ${ALICE.username}`).waitFor();
    await alice.getByRole("link", { name: "Continue to your calendar" }).waitFor();
  });

  test("create a team: it is listed with one member and its code, which copies", async () => {
    await alice.goto("/teams");
    await alice.getByRole("heading", { level: 1, name: "Teams" }).waitFor();
    await alice.getByText("You are not in a team yet").waitFor();
    await screenshot(alice, "teams-empty-light");

    await alice.getByRole("button", { name: "Create team" }).click();
    await alice.getByText("Give the team a name").waitFor();

    await alice.getByLabel("Team name").fill(TEAM);
    await alice.getByRole("button", { name: "Create team" }).click();
    await alice.getByRole("status").getByText(`Created ${TEAM}`).waitFor();
    const card = alice.getByRole("listitem").filter({ has: alice.getByRole("link", { name: TEAM }) });
    await card.getByText("1 member").waitFor();
    teamCode = (await card.locator("code").textContent())!.trim();
    expect(teamCode).toMatch(/^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/);

    await card.getByRole("button", { name: `Copy the code of ${TEAM}` }).click();
    await card.getByRole("status").getByText("Copied").waitFor();
    expect(await alice.evaluate(() => navigator.clipboard.readText())).toBe(teamCode);
    await screenshot(alice, "teams-list-light");

    await card.getByRole("link", { name: TEAM }).click();
    await alice.waitForURL((url) => url.pathname.startsWith("/teams/"));
    teamPath = new URL(alice.url()).pathname;
    await alice.getByRole("heading", { level: 1, name: TEAM }).waitFor();
    await alice.getByText("Nothing planned.").waitFor();
  });

  test("a second person signs up (taken email shown at its field), joins by the code, and both see each other", async () => {
    bob = await open("bob", { colorScheme: "dark" });
    // Someone else's email is refused at the email field; a foreign `next` is not followed.
    await signUp(bob, { ...BOB, email: ALICE.email.toUpperCase() }, "/signup?next=//evil.example/x");
    const emailField = bob.getByLabel("Email", { exact: true });
    await bob.getByText("That email is already registered").waitFor();
    expect(await emailField.getAttribute("aria-invalid")).toBe("true");
    await screenshot(bob, "account-signup-taken-dark");
    await emailField.fill(BOB.email);
    await bob.getByRole("button", { name: "Sign up" }).click();
    await bob.waitForURL((url) => url.pathname === "/calendar" && url.host === new URL(server!.url).host);

    await bob.goto("/teams");
    await bob.getByLabel("Team code").fill("zzzz-zzzz-zzzz");
    await bob.getByRole("button", { name: "Join team" }).click();
    await bob.getByText("No team has this code").waitFor();
    expect(await bob.getByLabel("Team code").getAttribute("aria-invalid")).toBe("true");
    await screenshot(bob, "teams-join-unknown-dark");

    await bob.getByLabel("Team code").fill(teamCode.toUpperCase());
    await bob.getByRole("button", { name: "Join team" }).click();
    await bob.getByRole("status").getByText(`You joined ${TEAM}`).waitFor();
    const card = bob.getByRole("listitem").filter({ has: bob.getByRole("link", { name: TEAM }) });
    await card.getByText("2 members").waitFor();

    await bob.getByLabel("Team code").fill(teamCode);
    await bob.getByRole("button", { name: "Join team" }).click();
    await bob.getByText("You are already a member of this team").waitFor();
    await screenshot(bob, "teams-list-dark");

    // A meeting scheduled for tomorrow shows among the upcoming ones, with a link to it.
    const startsAt = new Date(Date.now() + 86_400_000);
    startsAt.setUTCMinutes(0, 0, 0);
    const scheduled = await alice.context().request.post("/api/meetings", {
      data: { teamId: teamPath.split("/").pop(), title: "Planning", startsAt: startsAt.toISOString() },
    });
    expect(scheduled.status()).toBe(201);
    const meetingCode = (await scheduled.json()).meeting.code as string;

    await card.getByRole("link", { name: TEAM }).click();
    await bob.getByRole("heading", { level: 1, name: TEAM }).waitFor();
    const members = bob.getByRole("region", { name: /Members/ });
    await members.getByText(ALICE.username, { exact: true }).waitFor();
    await members.getByText(BOB.username, { exact: true }).waitFor();
    const upcoming = bob.getByRole("region", { name: "Upcoming meetings" });
    expect(await upcoming.getByRole("link", { name: "Planning" }).getAttribute("href")).toBe(`/m/${meetingCode}`);
    expect(await upcoming.locator("time").getAttribute("datetime")).toBe(startsAt.toISOString());
    await screenshot(bob, "team-page-dark");

    await alice.goto(teamPath);
    await alice.getByRole("heading", { level: 2, name: "Members (2)" }).waitFor();
    await alice.getByRole("region", { name: /Members/ }).getByText(BOB.username, { exact: true }).waitFor();
    await screenshot(alice, "team-page-light");
  });

  test("start a team meeting now goes to the meeting", async () => {
    // The meeting page is not this suite's subject (its media needs Janus), so its own errors are not judged here.
    const page = await alice.context().newPage();
    await page.goto(teamPath);
    await page.getByRole("button", { name: "Start a team meeting now" }).click();
    await page.waitForURL((url) => /^\/m\/[0-9a-z-]+$/.test(url.pathname));
    await page.close();
  });

  test("the second person leaves after confirming; the team is gone from their list and they cannot open it", async () => {
    await bob.getByRole("button", { name: "Leave team" }).click();
    const dialog = bob.getByRole("dialog", { name: `Leave ${TEAM}?` });
    await dialog.waitFor();
    await dialog.getByText("A team with no members left is deleted").waitFor();
    await screenshot(bob, "team-leave-dialog-dark");
    // Cancel first: nothing happens.
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "hidden" });
    await bob.getByRole("button", { name: "Leave team" }).click();
    await dialog.getByRole("button", { name: "Leave team" }).click();
    await bob.waitForURL((url) => url.pathname === "/teams");
    await bob.getByText("You are not in a team yet").waitFor();
    expect(await bob.getByRole("link", { name: TEAM }).count()).toBe(0);

    await bob.goto(teamPath);
    await bob.getByRole("heading", { level: 1, name: "Team not found" }).waitFor();
    await bob.getByRole("alert").getByText("you are not a member of it").waitFor();
    await screenshot(bob, "team-not-found-dark");

    await alice.goto(teamPath);
    await alice.getByRole("heading", { level: 2, name: "Members (1)" }).waitFor();
    await alice.getByText("You are its only member: leaving deletes the team.").waitFor();
  });

  test("at phone width, log-in and teams fit and the menu opens", async () => {
    for (const colorScheme of ["light", "dark"] as const) {
      const page = await open(`phone-${colorScheme}`, { phone: true, colorScheme });
      await page.goto("/login");
      await page.getByRole("heading", { level: 1, name: "Log in" }).waitFor();
      await settled(page);
      await screenshot(page, `account-login-phone-${colorScheme}`);
      await logIn(page, BOB.email, BOB.password);
      await page.waitForURL((url) => url.pathname === "/calendar");
      await page.goto("/teams");
      await page.getByText("You are not in a team yet").waitFor();
      await page.getByLabel("Team code").fill(teamCode);
      await page.getByRole("button", { name: "Join team" }).click();
      await page.getByRole("status").getByText(`You joined ${TEAM}`).waitFor();
      await screenshot(page, `teams-phone-${colorScheme}`);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await page.getByRole("link", { name: TEAM }).click();
      await page.getByRole("heading", { level: 1, name: TEAM }).waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await screenshot(page, `team-phone-${colorScheme}`);
      await page.getByRole("button", { name: "Open menu" }).click();
      await nav(page).getByRole("link", { name: BOB.username }).waitFor();
      if (colorScheme === "light") await screenshot(page, "teams-phone-menu-light");
      // Leave again so the next round can join.
      await page.getByRole("button", { name: "Close menu" }).click();
      await page.getByRole("button", { name: "Leave team" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Leave team" }).click();
      await page.waitForURL((url) => url.pathname === "/teams");
    }
  });

  test("edit profile: the new username shows in the header; an email change needs the current password", async () => {
    await alice.goto("/profile");
    await alice.getByRole("heading", { level: 1, name: "Profile" }).waitFor();
    await alice.getByText(ALICE.email).first().waitFor();
    const feed = alice.getByRole("textbox", { name: "Calendar feed address" });
    expect(await feed.inputValue()).toMatch(/\/api\/calendar\.ics\?token=\S+$/);
    await alice.getByRole("button", { name: "Copy the calendar feed address" }).click();
    await alice.getByRole("status").getByText("Copied").waitFor();

    // A new feed address: the field shows it, the page says the old one stopped working, and it has.
    // Fetched by path, against this test's server whatever PUBLIC_URL the link carries.
    const feedStatus = async (url: string) => (await alice.context().request.get(new URL(url).pathname + new URL(url).search)).status();
    const oldFeed = await feed.inputValue();
    expect(await feedStatus(oldFeed)).toBe(200);
    const rotate = alice.getByRole("button", { name: "Get a new feed address" });
    expect(await rotate.getAttribute("aria-describedby")).toBe("feed-rotate-hint");
    await alice.getByText("The current one stops working at once").waitFor();
    await rotate.click();
    await alice.getByRole("status").getByText("New address made. The old one no longer works.").waitFor();
    await eventually(async () => expect(await feed.inputValue()).not.toBe(oldFeed));
    const newFeed = await feed.inputValue();
    expect(newFeed).toMatch(/\/api\/calendar\.ics\?token=\S+$/);
    expect(await feedStatus(oldFeed)).toBe(404);
    expect(await feedStatus(newFeed)).toBe(200);
    await screenshot(alice, "account-profile-light");

    await alice.getByLabel("Username", { exact: true }).fill("alice2");
    await alice.getByRole("button", { name: "Save changes" }).click();
    await alice.getByRole("status").getByText("Saved.").waitFor();
    await nav(alice).getByRole("link", { name: "alice2" }).waitFor();
    expect(await nav(alice).getByRole("link", { name: ALICE.username, exact: true }).count()).toBe(0);

    await alice.getByLabel("Email", { exact: true }).fill("alice2@example.com");
    const current = alice.getByLabel("Current password");
    await current.fill("not my password");
    await alice.getByRole("button", { name: "Save changes" }).click();
    await alice.getByText("Incorrect password").waitFor();
    expect(await current.getAttribute("aria-invalid")).toBe("true");
    await alice.getByLabel("Email", { exact: true }).fill(ALICE.email);
    expect(await alice.getByLabel("Current password").count()).toBe(0);

    const dark = await open("alice-profile-dark", { colorScheme: "dark" });
    await dark.context().request.post("/api/auth/login", { data: { email: ALICE.email, password: ALICE.password } });
    await dark.goto("/profile");
    await dark.getByRole("heading", { level: 2, name: "Calendar feed" }).waitFor();
    await screenshot(dark, "account-profile-dark");
  });

  test("delete account after confirming: signed out, and logging in again fails", async () => {
    await alice.goto("/profile");
    await alice.getByRole("button", { name: "Delete account" }).click();
    const dialog = alice.getByRole("dialog", { name: "Delete your account?" });
    await dialog.waitFor();
    await dialog.getByText("a team you are the only member of is deleted").waitFor();
    await screenshot(alice, "account-delete-dialog-light");
    await dialog.getByRole("button", { name: "Delete my account" }).click();
    await alice.waitForURL((url) => url.pathname === "/");
    await nav(alice).getByRole("link", { name: "Log in" }).waitFor();

    await alice.goto("/login");
    await logIn(alice, ALICE.email, ALICE.password);
    await alice.getByRole("alert").getByText("Invalid email or password").waitFor();
    expect(new URL(alice.url()).pathname).toBe("/login");

    // Repeated failures: the form says to wait, and for how long.
    for (let i = 0; i < 5; i++) {
      await Promise.all([alice.waitForResponse((r) => r.url().endsWith("/api/auth/login")), logIn(alice, ALICE.email, `wrong ${i}`)]);
    }
    await alice.getByRole("alert").getByText(/Too many failed attempts\. Try again in \d+ (minutes|seconds)\./).waitFor();
    await screenshot(alice, "account-login-locked-light");
  });

  test("no page logged an error", () => {
    for (const [name, list] of errors) expect({ name, errors: list }).toEqual({ name, errors: [] });
  });
});
