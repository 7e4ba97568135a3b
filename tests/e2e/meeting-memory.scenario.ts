/**
 * Runs INSIDE the network namespace that meeting-memory.e2e.test.ts creates (never start it
 * otherwise): the real server (`bun src/main.ts`, embedded Janus, PGlite) and two Chromiums whose
 * fake microphone plays a voice-like file (a buzzy tone at speech pitch, swelling three times a
 * second). Ana and Ben, members of a team, join its meeting with their microphones muted (from the
 * pre-join screen, so nothing is heard before the test says so); Ana
 * records from her page. Ana unmutes and speaks ~6 s, mutes; then Ben does the same. Notes lines are
 * typed (through the stock y-websocket provider, as Ana) at moments the scenario notes. Everyone
 * leaves, the room saves, the recording is processed; then the timeline is read, and the meeting's
 * page is opened: a click on a line's time seeks the recording's <video>. Screenshots of the page at
 * desktop and phone width, light and dark, each audited with axe.
 *
 * Prints one JSON line `{"results": …}` for the test to judge.
 */
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { MEDIA_CHROMIUM_FLAGS, RECORD_PEER_CONNECTIONS } from "../helpers/fake-media.ts";
import { audit, screenshot } from "../helpers/browser.ts";
import { notesProvider } from "../helpers/yjs.ts";
import { closeScenario, noteFailure, reportScenario, startScenarioServer, waiter } from "../helpers/scenario-script.ts";

const work = process.env.DICTATE_E2E_WORK;
if (!work) throw new Error("DICTATE_E2E_WORK is not set: run this through meeting-memory.e2e.test.ts");
const started = performance.now();
const elapsed = () => Math.round(performance.now() - started);
const step = (what: string) => process.stderr.write(`[memory ${(elapsed() / 1000).toFixed(1)}s] ${what}\n`);
const results: Record<string, any> = {};

const until = waiter({ timeoutMs: 15_000, intervalMs: 100 });

function run(cmd: string[]) {
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd[0]} failed: ${r.stderr.toString()}`);
  return r.stdout;
}

const INSTRUMENT = RECORD_PEER_CONNECTIONS;

async function framesDecoded(page: Page): Promise<number> {
  return page.evaluate(async () => {
    let n = 0;
    for (const pc of (window as any).__pcs as RTCPeerConnection[]) {
      if (pc.connectionState === "closed") continue;
      (await pc.getStats()).forEach((r: any) => {
        if (r.type === "inbound-rtp" && r.kind === "video") n += r.framesDecoded ?? 0;
      });
    }
    return n;
  });
}

const port = 3410;
const base = `http://127.0.0.1:${port}`;
const browsers: Browser[] = [];
let server: Bun.Subprocess | null = null;
const serverLog = join(work, "server.log");

try {
  step("making the voice-like microphone file");
  const voice = join(work, "voice.wav");
  run([
    "ffmpeg", "-v", "error", "-y", "-f", "lavfi",
    // A voice at speech pitch gliding between 110 and 190 Hz, with harmonics and a syllable-rate
    // swell; never silent while "speaking" (Janus averages the level of 50 packets, and a gap of true
    // silence would pull the average past its threshold).
    "-i", "aevalsrc='(0.45*sin(2*PI*(150*t+6*sin(2*PI*0.8*t)))+0.25*sin(4*PI*(150*t+6*sin(2*PI*0.8*t)))+0.12*sin(6*PI*(150*t+6*sin(2*PI*0.8*t)))+0.05*sin(16*PI*(150*t+6*sin(2*PI*0.8*t))))*(0.7+0.3*sin(2*PI*3.3*t))':s=48000:d=60",
    "-ac", "1", voice,
  ]);

  step("starting the server (embedded Janus, PGlite)");
  server = await startScenarioServer({ work, port, env: { ROOM_GRACE_MS: "1000" } });

  const signup = async (username: string) => {
    const r = await fetch(`${base}/api/auth/signup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: `${username}@example.test`, username, password: "correct horse battery" }),
    });
    const token = /dictate_session=([^;]+)/.exec(r.headers.get("set-cookie") ?? "")?.[1];
    if (!token) throw new Error(`signup ${username} failed: ${r.status}`);
    return { token, cookie: `dictate_session=${token}`, user: ((await r.json()) as any).user };
  };
  const call = async (cookie: string, method: string, path: string, body?: unknown) => {
    const r = await fetch(base + path, { method, headers: { cookie, "content-type": "application/json", origin: base }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  };
  step("Ana and Ben sign up; Ana's team meeting");
  const ana = await signup("ana");
  const ben = await signup("ben");
  const team = (await call(ana.cookie, "POST", "/api/teams", { name: "Memory team" })).body.team;
  await call(ben.cookie, "POST", "/api/teams/join", { code: team.code });
  const meeting = (await call(ana.cookie, "POST", "/api/meetings", { teamId: team.id, title: "Memory check" })).body.meeting;
  results.meetingCode = meeting.code;

  const flags = [...MEDIA_CHROMIUM_FLAGS, `--use-file-for-fake-audio-capture=${voice}`];
  const contextFor = async (who: { token: string }) => {
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: flags });
    browsers.push(browser);
    const context = await browser.newContext({ viewport: { width: 1100, height: 720 }, baseURL: base });
    await context.addCookies([{ name: "dictate_session", value: who.token, url: base }]);
    await context.addInitScript(INSTRUMENT);
    return context;
  };
  const join_ = async (context: BrowserContext) => {
    const page = await context.newPage();
    page.on("pageerror", (err) => process.stderr.write(`[page error] ${err.message}\n`));
    page.on("websocket", (ws) => ws.on("framereceived", ({ payload }) => {
      if (String(payload).includes('"speaking"')) speakingSeen.push(`${Date.now()} ${String(payload)}`);
    }));
    await page.goto(`/m/${meeting.code}`);
    // Muted from the start: nobody is heard before the test says so.
    const mute = page.getByRole("group", { name: "Before joining" }).getByRole("button", { name: "Mute microphone" });
    await mute.waitFor({ timeout: 20_000 });
    await page.waitForFunction(() => !(document.querySelector('[aria-label="Mute microphone"]') as HTMLButtonElement | null)?.disabled, undefined, { timeout: 20_000 });
    await mute.click();
    await page.getByRole("group", { name: "Before joining" }).getByRole("button", { name: "Unmute microphone" }).waitFor();
    await page.getByRole("button", { name: "Join meeting" }).click();
    await page.getByRole("toolbar", { name: "Meeting controls" }).waitFor({ timeout: 20_000 });
    return page;
  };
  const speakingSeen: string[] = [];
  results.speakingSeen = speakingSeen;
  /** The audio level Ana's page sends and the one Ben's page receives (0..1), for when speech is not detected. */
  const levels = async (from: Page, to: Page) => ({
    sent: await from.evaluate(async () => {
      let v: number | null = null;
      for (const pc of (window as any).__pcs as RTCPeerConnection[]) (await pc.getStats()).forEach((r: any) => r.type === "media-source" && r.kind === "audio" && (v = r.audioLevel ?? v));
      return v;
    }),
    received: await to.evaluate(async () => {
      const out: number[] = [];
      for (const pc of (window as any).__pcs as RTCPeerConnection[]) (await pc.getStats()).forEach((r: any) => r.type === "inbound-rtp" && r.kind === "audio" && out.push(r.audioLevel ?? -1));
      return out;
    }),
  });
  step("both join in Chromium");
  const anaContext = await contextFor(ana);
  const benContext = await contextFor(ben);
  const [anaPage, benPage] = await Promise.all([join_(anaContext), join_(benContext)]);
  const micButton = (page: Page, name: "Mute microphone" | "Unmute microphone") => page.getByRole("toolbar", { name: "Meeting controls" }).getByRole("button", { name });
  await Promise.all([anaPage, benPage].map((p) => micButton(p, "Unmute microphone").waitFor()));
  await until("video both ways", async () => (await framesDecoded(anaPage)) > 0 && (await framesDecoded(benPage)) > 0, 30_000, 200);
  const ids = await anaPage.evaluate(() => [...document.querySelectorAll('figure[data-kind="camera"]')].map((f) => ({ id: f.getAttribute("data-participant-id"), self: f.getAttribute("data-self") })));
  results.anaId = ids.find((x) => x.self === "true")?.id;
  results.benId = ids.find((x) => x.self !== "true")?.id;

  step("Ana starts recording from her page");
  await anaPage.getByRole("button", { name: "Start recording" }).first().click();
  // Starting always asks for confirmation first: wait for the dialog (checking at once, before it
  // rendered, left the recording off on a loaded machine).
  await anaPage.getByRole("dialog", { name: "Start recording?" }).getByRole("button", { name: "Start recording" }).click();
  await until("recording on", async () => (await call(ana.cookie, "GET", `/api/meetings/${meeting.code}`)).body.meeting.recording === true || (await anaPage.getByRole("button", { name: "Stop recording" }).count()) > 0, 15_000, 200);
  const recordingOnAt = Date.now();
  await Bun.sleep(1_500);

  const notes = notesProvider(base, meeting.code, { cookie: ana.cookie });
  await notes.synced();
  const typed: Record<string, number> = {};
  const type = (line: string) => {
    notes.text.insert(notes.text.length, `${line}\n`);
    typed[line] = Date.now();
  };

  step("Ana speaks ~6 s while Ben is muted");
  await micButton(anaPage, "Unmute microphone").click();
  results.anaOn = Date.now();
  await Bun.sleep(1_000);
  type("- [ ] Send the budget @ben");
  await Bun.sleep(2_000);
  results.levelsWhileAnaSpeaks = await levels(anaPage, benPage);
  await Bun.sleep(3_000);
  await micButton(anaPage, "Mute microphone").click();
  results.anaOff = Date.now();
  await Bun.sleep(2_500);

  step("Ben speaks ~6 s while Ana is muted");
  await micButton(benPage, "Unmute microphone").click();
  results.benOn = Date.now();
  await Bun.sleep(2_000);
  type("Ben asks about the timeline");
  await Bun.sleep(4_000);
  await micButton(benPage, "Mute microphone").click();
  results.benOff = Date.now();
  await Bun.sleep(2_500);
  results.typed = typed;

  step("Ana stops recording; everyone leaves");
  await anaPage.getByRole("button", { name: "Stop recording" }).first().click();
  results.recordingOffAt = Date.now();
  results.recordingOnAt = recordingOnAt;
  notes.destroy();
  await Promise.all([anaPage, benPage].map((p) => p.goto("about:blank")));
  await until("the room to close", async () => (await call(ana.cookie, "GET", `/api/meetings/${meeting.code}`)).body.meeting.endedAt !== null, 20_000, 250);

  step("waiting for the recording");
  const recordingId = await until(
    "the recording to be ready",
    async () => {
      const t = (await call(ana.cookie, "GET", `/api/meetings/${meeting.code}/timeline`)).body.timeline;
      const r = t.recordings[0];
      if (r?.status === "failed") throw new Error("recording failed");
      return r?.status === "ready" ? r.id : null;
    },
    // Composing ~20 s at 1280×720 takes ~40 s on an idle two-core machine; beside another media
    // suite (the test run's second worker) it took over 90 s.
    180_000,
    500,
  );
  const timeline = (await call(ana.cookie, "GET", `/api/meetings/${meeting.code}/timeline`)).body.timeline;
  results.timeline = timeline;
  results.recordingId = recordingId;
  results.eveTimeline = (await call((await signup("eve")).cookie, "GET", `/api/meetings/${meeting.code}/timeline`)).status;

  step("the meeting's page: a click on a line's time seeks the recording");
  const page = await anaContext.newPage();
  page.on("pageerror", (err) => process.stderr.write(`[page error] ${err.message}\n`));
  await page.goto(`/m/${meeting.code}/memory`);
  await page.getByRole("heading", { name: "Memory check" }).waitFor({ timeout: 20_000 });
  await page.waitForFunction(() => (document.querySelector("video.memory-video") as HTMLVideoElement | null)?.readyState! >= 1, undefined, { timeout: 20_000 });
  const line = timeline.lines.find((l: any) => l.text === "Ben asks about the timeline");
  const rec = timeline.recordings[0];
  const button = page.locator("li", { hasText: "Ben asks about the timeline" }).locator("button.line-time");
  results.lineButton = await button.innerText();
  await button.click();
  await Bun.sleep(500);
  results.videoTime = await page.evaluate(() => (document.querySelector("video.memory-video") as HTMLVideoElement).currentTime);
  results.expectedVideoTime = (line.atMs - rec.offsetMs) / 1000;
  results.expectedFromTestClock = (typed["Ben asks about the timeline"]! - recordingOnAt) / 1000;
  results.gutterClockTimes = await page.locator("time.line-clock").count();
  results.segmentButtons = await page.locator("button.segment").count();

  step("screenshots and audits");
  results.audits = {};
  for (const colorScheme of ["light", "dark"] as const) {
    for (const phone of [false, true]) {
      await page.emulateMedia({ colorScheme });
      await page.setViewportSize(phone ? { width: 390, height: 844 } : { width: 1100, height: 800 });
      await Bun.sleep(300);
      const name = `memory-page-${phone ? "phone" : "desktop"}-${colorScheme}`;
      await screenshot(page, name);
      results.audits[name] = await audit(page);
    }
  }
  results.overflowAtPhone = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  results.ok = true;
} catch (err) {
  noteFailure(results, err, serverLog);
} finally {
  await closeScenario(browsers, server);
  results.totalMs = elapsed();
}
reportScenario(results);
