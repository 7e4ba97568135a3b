/**
 * Runs INSIDE the network namespace meeting-room.e2e.test.ts creates (through
 * tests/helpers/scenario.ts; never start it otherwise): the real server (`bun src/main.ts`,
 * embedded Janus, PGlite in a temp folder) and Chromium driving the real pages as people would.
 * Ada (signed in) starts a meeting from the home page; Grace (a guest, another browser) joins it by
 * its code; they see each other's names, rename, mute, hand, chat and notes; Grace is asked to sign
 * in to record; Ada records, and the recording is processed and found under Resources. Prints one
 * JSON line `{"results": …}` for the test to judge, and saves screenshots of every step.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { audit, CSP_VIOLATION, reportCspViolations, SCREENSHOT_DIR } from "../helpers/browser.ts";
import { startScenarioServer, waiter } from "../helpers/scenario-script.ts";

const work = process.env.DICTATE_E2E_WORK;
if (!work) throw new Error("DICTATE_E2E_WORK is not set: run this through meeting-room.e2e.test.ts");
const started = performance.now();
const elapsed = () => Math.round(performance.now() - started);
const step = (what: string) => process.stderr.write(`[meeting-room ${(elapsed() / 1000).toFixed(1)}s] ${what}\n`);
const results: Record<string, unknown> = {};
const browsers: Browser[] = [];
let server: ReturnType<typeof Bun.spawn> | null = null;
const port = 20_000 + Math.floor(Math.random() * 20_000);
const base = `http://127.0.0.1:${port}`;

const until = waiter({ timeoutMs: 15_000, intervalMs: 100 });

mkdirSync(SCREENSHOT_DIR, { recursive: true });
const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOT_DIR, `meeting-${name}.png`) });

const FLAGS = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
  "--disable-sync", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", "--autoplay-policy=no-user-gesture-required",
  "--disable-features=WebRtcHideLocalIpsWithMdns",
];

async function newPage(browser: Browser, { colorScheme = "light", phone = false }: { colorScheme?: "light" | "dark"; phone?: boolean } = {}): Promise<[BrowserContext, Page]> {
  const context = await browser.newContext({
    baseURL: base,
    colorScheme,
    viewport: phone ? { width: 390, height: 780 } : { width: 1200, height: 760 },
    permissions: ["camera", "microphone", "clipboard-read", "clipboard-write"],
  });
  context.setDefaultTimeout(20_000);
  await reportCspViolations(context);
  // Counts the tones the page plays (Web Audio oscillators started), to check that people hear recording start and stop.
  await context.addInitScript(() => {
    const start = OscillatorNode.prototype.start;
    OscillatorNode.prototype.start = function (...args: Parameters<typeof start>) {
      (globalThis as { __tones?: number }).__tones = ((globalThis as { __tones?: number }).__tones ?? 0) + 1;
      return start.apply(this, args);
    };
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  (results.pageErrors ??= []) as string[];
  page.on("pageerror", (err) => (results.pageErrors as string[]).push(err.message));
  // A CSP violation counts as a page error: the app must work under its own policy.
  page.on("console", (msg) => {
    if (msg.type() === "error" && msg.text().startsWith(CSP_VIOLATION)) (results.pageErrors as string[]).push(msg.text());
  });
  return [context, page];
}

/** The text of the people list entries, as a person reads them. */
const peopleList = (page: Page) => page.locator("#people-panel .people li").allInnerTexts();

try {
  step("starting the server (embedded Janus, PGlite)");
  server = await startScenarioServer({ work, port });

  const [adaBrowser, graceBrowser] = await Promise.all([1, 2].map(async () => {
    const b = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: FLAGS });
    browsers.push(b);
    return b;
  }));
  const [, ada] = await newPage(adaBrowser!);
  const [, grace] = await newPage(graceBrowser!, { colorScheme: "dark" });

  step("Ada signs up and starts a meeting from the home page");
  const signup = await ada.request.post("/api/auth/signup", { data: { email: "ada@example.test", username: "ada", password: "correct horse battery" }, headers: { origin: base } });
  results.signupStatus = signup.status();
  await ada.goto("/");
  await ada.getByRole("button", { name: "Start a meeting" }).click();
  await ada.waitForURL(/\/m\/[a-z0-9-]+$/);
  const code = ada.url().split("/m/")[1]!;
  results.code = code;
  await ada.getByText("Joining as").waitFor();
  results.adaJoiningAs = await ada.locator(".prejoin-form p strong").innerText();
  await ada.getByLabel("Camera", { exact: true }).waitFor();
  results.preJoin = {
    preview: await ada.getByLabel("Your camera preview").count(),
    cameraPicker: await ada.getByLabel("Camera", { exact: true }).count(),
    micPicker: await ada.getByLabel("Microphone", { exact: true }).count(),
  };
  await shot(ada, "prejoin-signed-in");
  await ada.getByRole("button", { name: "Join meeting" }).click();
  await ada.locator('figure[data-self="true"]').waitFor();

  step("Grace tries a bad code, an unknown code, then joins by code as a guest");
  await grace.goto("/");
  await grace.getByLabel("Meeting code or link").fill("hello");
  await grace.getByRole("button", { name: "Join", exact: true }).click();
  results.badCodeError = await grace.locator("#join-error").innerText();
  await grace.getByLabel("Meeting code or link").fill("zzzz-zzzz-zzzz");
  await grace.getByRole("button", { name: "Join", exact: true }).click();
  await grace.getByText("There is no meeting with the code").waitFor();
  results.unknownCodeError = await grace.locator("#join-error").innerText();
  await shot(grace, "home-unknown-code-dark");
  await grace.getByLabel("Meeting code or link").fill(` ${code.toUpperCase().replaceAll("-", " ")} `);
  await grace.getByRole("button", { name: "Join", exact: true }).click();
  await grace.getByLabel("Your name").waitFor();
  results.graceUrl = new URL(grace.url()).pathname;
  await grace.getByRole("button", { name: "Join meeting" }).click();
  results.emptyNameError = await grace.locator("#name-error").innerText();
  await grace.getByLabel("Your name").fill("Grace");
  await shot(grace, "prejoin-guest-dark");
  await grace.getByRole("button", { name: "Join meeting" }).click();
  await grace.locator('figure[data-self="true"]').waitFor();

  step("both see each other's video");
  const remoteVideo = async (page: Page, name: string) =>
    page.evaluate((n) => {
      const fig = [...document.querySelectorAll('figure[data-self="false"][data-kind="camera"]')].find((f) => f.textContent?.includes(n));
      const v = fig?.querySelector("video");
      return v ? v.videoWidth : 0;
    }, name);
  results.adaSeesGraceVideo = await until("Ada to see Grace's video", () => remoteVideo(ada, "Grace").then((w) => w > 0 && w), 20_000);
  results.graceSeesAdaVideo = await until("Grace to see Ada's video", () => remoteVideo(grace, "ada").then((w) => w > 0 && w), 20_000);
  await shot(ada, "room-two");

  step("Ada's people list marks Grace as a guest");
  await ada.keyboard.press("p");
  await ada.locator("#people-panel").waitFor();
  await until("Grace in Ada's list", async () => (await peopleList(ada)).some((t) => t.includes("Grace")));
  results.adaPeople = await peopleList(ada);
  await shot(ada, "people-panel");
  results.a11yRoomWithPeople = await audit(ada);

  step("Grace renames herself; Ada sees the new name");
  await grace.getByRole("button", { name: "Open people and info" }).click();
  await grace.getByRole("button", { name: "Rename myself" }).click();
  await grace.getByLabel("Your name").fill("Grace Hopper");
  await grace.getByRole("button", { name: "Save" }).click();
  results.renamedAtAda = await until("the new name at Ada", async () => (await peopleList(ada)).find((t) => t.includes("Grace Hopper")) ?? null);
  results.renamedTileAtAda = await ada.locator('figure[data-self="false"] figcaption').innerText();

  step("Grace mutes and raises her hand; Ada sees both");
  await grace.getByRole("button", { name: "Mute microphone" }).click();
  results.graceUnmuteButton = await grace.getByRole("button", { name: "Unmute microphone" }).count();
  await until("the muted icon at Ada", async () => (await ada.locator('figure[data-self="false"]').getByRole("img", { name: "Microphone muted" }).count()) > 0);
  results.mutedAtAda = true;
  // Shortcuts fire only with focus on no control: leave the Mute button first.
  await grace.locator(".video-area").click();
  await grace.keyboard.press("h");
  await until("the raised hand at Ada", async () => (await ada.locator('figure[data-self="false"]').getByRole("img", { name: "Hand raised" }).count()) > 0);
  results.handAtAda = true;
  results.graceLowerHandButton = await grace.getByRole("button", { name: "Lower hand" }).count();

  step("chat");
  await grace.getByRole("button", { name: "Open chat" }).click();
  await grace.getByRole("textbox", { name: "Message" }).fill("Hello from Grace");
  await grace.getByRole("button", { name: "Send" }).click();
  results.unreadAtAda = await until("the unread badge at Ada", async () => (await ada.getByRole("button", { name: /Open chat, 1 unread/ }).count()) || null);
  await ada.getByRole("button", { name: /Open chat/ }).click();
  await ada.getByRole("list", { name: "Chat messages" }).getByText("Hello from Grace").waitFor();
  results.chatAtAda = await ada.getByRole("list", { name: "Chat messages" }).innerText();
  await shot(grace, "chat-dark");
  results.a11yRoomWithChatDark = await audit(grace);
  await grace.getByRole("button", { name: "Close the chat panel" }).click();
  results.focusAfterClosingChat = await grace.evaluate(() => document.activeElement?.getAttribute("aria-label") ?? null);

  step("notes typed by one appear at the other");
  await ada.getByRole("button", { name: "Open notes" }).click();
  const adaEditor = ada.getByRole("textbox", { name: "Meeting notes" });
  await adaEditor.waitFor();
  await ada.locator(".notes-status.connected").waitFor();
  await adaEditor.click();
  await ada.keyboard.type("# Decisions\nShip the calendar on Friday\n");
  await grace.getByRole("button", { name: "Open notes" }).click();
  const graceEditor = grace.getByRole("textbox", { name: "Meeting notes" });
  await graceEditor.waitFor();
  results.notesAtGrace = await until("Ada's notes at Grace", async () => {
    const text = await graceEditor.innerText();
    return text.includes("Ship the calendar on Friday") ? text : null;
  });
  await graceEditor.click();
  await grace.keyboard.press("Control+End");
  await grace.keyboard.type("Grace will write the release note");
  results.notesAtAda = await until("Grace's line at Ada", async () => {
    const text = await adaEditor.innerText();
    return text.includes("Grace will write the release note") ? text : null;
  });
  results.cursorLabelAtAda = await until("Grace's cursor name at Ada", async () => (await ada.locator(".cm-ySelectionInfo").allInnerTexts()).join(",") || null).catch(() => null);
  await shot(ada, "notes");
  results.a11yRoomWithNotes = await audit(ada);

  step("Grace presses record and is asked to sign in");
  await grace.getByRole("button", { name: "Start recording" }).click();
  const signIn = grace.getByRole("dialog", { name: "Sign in to record" });
  await signIn.waitFor();
  results.guestRecordDialog = await signIn.innerText();
  await shot(grace, "guest-record-dark");
  await signIn.getByRole("button", { name: "Cancel" }).click();

  step("Ada records for a few seconds, then stops");
  await ada.getByRole("button", { name: "Start recording" }).click();
  const consent = ada.getByRole("dialog", { name: "Start recording?" });
  await consent.waitFor();
  results.recordConsentDialog = await consent.innerText();
  await consent.getByRole("button", { name: "Start recording" }).click();
  await ada.getByRole("button", { name: "Stop recording" }).waitFor();
  await grace.locator(".rec-indicator").waitFor();
  results.recordingIndicatorAtGrace = await grace.locator(".rec-indicator").innerText();
  // A guest may not stop it, so a guest is offered no Stop (nor a Start while it runs).
  results.recordButtonsAtGraceWhileRecording = await grace.getByRole("button", { name: /(Start|Stop) recording/ }).count();
  const tones = (page: Page) => page.evaluate(() => (globalThis as { __tones?: number }).__tones ?? 0);
  results.tonesAtGraceOnStart = await until("the start tone at Grace", async () => ((await tones(grace)) >= 2 ? tones(grace) : null), 5_000);
  await shot(grace, "recording-dark");
  // Someone about to join is told on the pre-join screen that the meeting is being recorded.
  const [lateContext, late] = await newPage(graceBrowser!);
  await late.goto(`/m/${code}`);
  results.prejoinWhileRecording = await late.locator(".recording-notice").innerText();
  await shot(late, "prejoin-while-recording");
  await lateContext.close();
  await Bun.sleep(3_000);
  await ada.getByRole("button", { name: "Stop recording" }).click();
  results.tonesAtGraceOnStop = await until("the stop tone at Grace", async () => ((await tones(grace)) >= 4 ? tones(grace) : null), 5_000);
  results.processingBannerAtGrace = await until("the processing banner at Grace", async () => {
    const text = (await grace.locator(".banners").innerText().catch(() => "")) ?? "";
    return text.includes("being processed") ? text : null;
  }, 30_000);
  results.readyBannerAtAda = await until("the recording to be ready", async () => {
    const text = (await ada.locator(".banners").innerText().catch(() => "")) ?? "";
    return text.includes("The recording is ready") ? text : null;
  }, 90_000);

  step("the recording is under Resources and plays");
  const [, adaResources] = await newPage(adaBrowser!);
  await adaResources.context().addCookies(await ada.context().cookies());
  await adaResources.goto("/resources");
  const recordings = (await (await adaResources.request.get("/api/recordings")).json()) as { recordings: { id: string; title: string; status: string; durationMs: number }[] };
  results.recordingsApi = recordings.recordings.map((r) => ({ status: r.status, durationMs: r.durationMs }));
  const rec = recordings.recordings[0]!;
  // Under its meeting, the room's title ("<meeting> — <date> UTC") reads "Recording".
  await adaResources.locator(".res-item.recording").first().getByRole("heading", { name: "Recording" }).waitFor();
  await shot(adaResources, "resources-after-recording");
  await adaResources.getByRole("button", { name: /^Play/ }).first().click();
  const video = adaResources.locator("video").first();
  await video.waitFor();
  results.played = await until("the recording to play", () =>
    video.evaluate(async (v: HTMLVideoElement) => {
      v.muted = true;
      await v.play().catch(() => undefined);
      return v.currentTime > 0.3 && v.videoWidth > 0 ? { currentTime: v.currentTime, videoWidth: v.videoWidth } : null;
    }), 20_000);
  await shot(adaResources, "resources-playing");
  await adaResources.getByRole("button", { name: /^Rename Recording, / }).first().click();
  await adaResources.getByLabel("New title").fill("Release planning");
  await adaResources.keyboard.press("Enter");
  await adaResources.getByRole("heading", { name: "Release planning" }).waitFor();
  results.renamedRecording = ((await (await adaResources.request.get(`/api/recordings/${rec.id}`)).json()) as { recording: { title: string } }).recording.title;

  step("phone width: the room's controls and a panel fit");
  const [, phone] = await newPage(graceBrowser!, { phone: true });
  await phone.goto(`/m/${code}`);
  await phone.getByLabel("Your name").fill("Phone");
  await shot(phone, "prejoin-phone");
  await phone.getByRole("button", { name: "Join meeting" }).click();
  await phone.locator('figure[data-self="true"]').waitFor();
  await shot(phone, "room-phone");
  results.phoneControlsFit = await phone.evaluate(() => {
    const bar = document.querySelector(".controls")!.getBoundingClientRect();
    return bar.right <= innerWidth + 1 && bar.bottom <= innerHeight + 1;
  });
  // At phone width People sits in the "More controls" menu.
  await phone.getByRole("button", { name: "More controls" }).click();
  await phone.getByRole("menuitem", { name: "People and info" }).click();
  await phone.locator("#people-panel").waitFor();
  await shot(phone, "people-phone");

  step("Ada leaves");
  await grace.getByRole("button", { name: "Open people and info" }).click();
  await until("three people at Grace", async () => (await peopleList(grace)).length === 3);
  await ada.getByRole("button", { name: "Leave meeting" }).click();
  await ada.getByRole("dialog", { name: "Leave the meeting?" }).getByRole("button", { name: "Leave" }).click();
  results.adaLeftText = await ada.getByRole("status").first().innerText();
  await until("Ada gone at Grace", async () => (await peopleList(grace)).length === 2);
  results.graceAfterLeave = await peopleList(grace);
  results.ok = true;
} catch (err) {
  results.error = (err as Error).stack ?? String(err);
  try {
    results.serverErr = readFileSync(join(work, "server.err"), "utf8").slice(-4000);
  } catch {
    // No log.
  }
} finally {
  results.totalMs = elapsed();
  for (const b of browsers) await b.close().catch(() => undefined);
  if (server && server.exitCode === null) {
    server.kill("SIGTERM");
    const timer = setTimeout(() => server?.kill("SIGKILL"), 10_000);
    await server.exited;
    clearTimeout(timer);
  }
  process.stdout.write(`${JSON.stringify({ results })}\n`);
  process.exit(0);
}
