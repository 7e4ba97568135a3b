/**
 * Real Chromium through Playwright for page tests against a real server on loopback (no media to
 * Janus here: those flows run inside a test namespace, see tests/e2e/*.scenario.ts).
 * Screenshots go to `.test-artifacts/screenshots/<name>.png` so a person can look at every page.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const SCREENSHOT_DIR = resolve(import.meta.dir, "../../.test-artifacts/screenshots");

/** Chromium is there (Debian's package; scripts/test.sh installs it). */
export const canRunBrowser = Bun.which("chromium") !== null;

const FLAGS = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
  "--autoplay-policy=no-user-gesture-required",
];

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: FLAGS });
}

/** A fresh context (its own cookies and storage), optionally at phone size or in dark mode. */
export async function newContext(
  browser: Browser,
  { baseURL, phone = false, colorScheme = "light" }: { baseURL: string; phone?: boolean; colorScheme?: "light" | "dark" },
): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL,
    colorScheme,
    viewport: phone ? { width: 390, height: 780 } : { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    permissions: ["camera", "microphone", "clipboard-read", "clipboard-write"],
  });
  context.setDefaultTimeout(15_000);
  await reportCspViolations(context);
  return context;
}

/** What {@link reportCspViolations} prints: a console error starting with this. */
export const CSP_VIOLATION = "CSP violation:";

/**
 * Makes every page of the context print each Content-Security-Policy violation as a console error
 * (`CSP violation: <directive> blocked <what> at <file>:<line>`), which {@link watchErrors} records.
 * An init script runs through the DevTools protocol, so the CSP does not block it.
 */
export async function reportCspViolations(context: BrowserContext): Promise<void> {
  await context.addInitScript((prefix: string) => {
    document.addEventListener(
      "securitypolicyviolation",
      (e) => console.error(`${prefix} ${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile || "?"}:${e.lineNumber}${e.sample ? ` (${e.sample})` : ""}`),
      true,
    );
  }, CSP_VIOLATION);
}

/** Saves a full-page screenshot as `.test-artifacts/screenshots/<name>.png`. */
export async function screenshot(page: Page, name: string) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/**
 * Collects uncaught page errors and console errors (CSP violations among them, see
 * {@link reportCspViolations}), so a test can assert there were none. Chromium's
 * "Failed to load resource" lines are left out: a guest's /api/me is a 401 by design, and the
 * answers a page gets are asserted by what it shows.
 */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource")) errors.push(`console: ${msg.text()}`);
  });
  return errors;
}

const AXE = readFileSync(resolve(import.meta.dir, "../../node_modules/axe-core/axe.min.js"), "utf8");

/**
 * Serious and critical problems axe-core finds on the page as it is now (names, labels, contrast,
 * landmarks): what a screen reader or a low-vision reader would trip on. Empty when clean.
 */
export async function audit(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: an inline <script> tag would break the page's CSP.
  await page.evaluate(AXE);
  const violations = (await page.evaluate(async () => (await (globalThis as any).axe.run(document, { resultTypes: ["violations"] })).violations)) as {
    id: string;
    impact: string;
    help: string;
    nodes: { target: string[] }[];
  }[];
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/**
 * Opens the meeting `code` in a new page of `context` and joins it from the pre-join screen, as a
 * guest named `guestName` (signed-in contexts give none); resolves once the room's toolbar shows.
 */
export async function joinMeeting(context: BrowserContext, code: string, guestName?: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`/m/${code}`);
  if (guestName) await page.getByLabel("Your name").fill(guestName);
  await page.getByRole("button", { name: "Join meeting" }).click();
  await page.getByRole("toolbar", { name: "Meeting controls" }).waitFor();
  return page;
}
