/**
 * Runs INSIDE the network namespace that meeting-media.e2e.test.ts creates (never start it
 * otherwise): the real server (`bun src/main.ts`, embedded Janus, PGlite in a temp folder) and
 * Debian's Chromium driven by playwright-core. Three guests join one meeting through the real
 * meeting page; the scenario checks what they see and hear, kills Janus mid-meeting, and prints
 * one JSON line `{"results": …}` for the test to judge.
 *
 * Environment: DICTATE_E2E_WORK (a folder the test owns and deletes), TMPDIR inside it.
 */
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { MEDIA_CHROMIUM_FLAGS, voice, writeWav } from "../helpers/fake-media.ts";
import { closeScenario, noteFailure, reportScenario, startScenarioServer, waiter } from "../helpers/scenario-script.ts";

const work = process.env.DICTATE_E2E_WORK;
if (!work) throw new Error("DICTATE_E2E_WORK is not set: run this through meeting-media.e2e.test.ts");
const started = performance.now();
const elapsed = () => Math.round(performance.now() - started);
const step = (what: string) => process.stderr.write(`[meeting-media ${(elapsed() / 1000).toFixed(1)}s] ${what}\n`);
const results: Record<string, unknown> = {};
const SCREENSHOT_COPY = "/tmp/dictate-meeting.png";

// ---------------------------------------------------------------------------------------------
// Fake microphones: Chromium's own fake device beeps briefly once a second, too little for the
// SFU's audio-level detection. Alice's browser "speaks" (a voiced, syllable-modulated signal; a
// steady tone would be taken for noise by the browser's noise suppression); the others are silent.

// ---------------------------------------------------------------------------------------------

interface TileInfo {
  participantId: string;
  kind: "camera" | "screen";
  self: boolean;
  name: string;
  speaking: boolean;
  micMuted: boolean;
  videoWidth: number;
  videoHeight: number;
  /** The element's size on the page. */
  shownWidth: number;
  shownHeight: number;
  trackIds: string[];
  framesDecoded: number;
  videoBytes: number;
  audioBytes: number;
  audioTracks: number;
  /** Any of its tracks was on screen before `markTracks()` (track ids can repeat across SFU sessions). */
  marked: boolean;
}

interface PageInfo {
  tiles: TileInfo[];
  banners: string[];
  marker: string | null;
  closedText: string | null;
}

/** Records every PeerConnection and WebSocket the app creates, so the scenario can read their stats or drop one. */
const INSTRUMENT = `(() => {
  const OriginalPc = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = class extends OriginalPc {
    constructor(...args) { super(...args); window.__pcs.push(this); }
  };
  const OriginalWs = window.WebSocket;
  window.__sockets = [];
  window.WebSocket = class extends OriginalWs {
    constructor(...args) { super(...args); window.__sockets.push(this); }
  };
})();`;

/** What one page shows and receives, read in the page. */
async function inspect(page: Page): Promise<PageInfo> {
  return page.evaluate(async () => {
    const inbound = new Map<string, { kind: string; framesDecoded: number; bytesReceived: number }>();
    const pcs = ((window as any).__pcs as RTCPeerConnection[]).filter((pc) => pc.connectionState !== "closed");
    for (const pc of pcs) {
      (await pc.getStats()).forEach((r: any) => {
        if (r.type === "inbound-rtp" && r.trackIdentifier) inbound.set(r.trackIdentifier, { kind: r.kind, framesDecoded: r.framesDecoded ?? 0, bytesReceived: r.bytesReceived ?? 0 });
      });
    }
    const tiles = [...document.querySelectorAll<HTMLElement>("figure.tile")].map((fig) => {
      const video = fig.querySelector("video")!;
      const stream = video.srcObject as MediaStream | null;
      const tracks = stream?.getTracks() ?? [];
      const stats = (kind: string) => tracks.filter((t) => t.kind === kind).map((t) => inbound.get(t.id)).filter((s) => s !== undefined);
      return {
        participantId: fig.dataset.participantId!,
        kind: fig.dataset.kind as "camera" | "screen",
        self: fig.dataset.self === "true",
        name: fig.querySelector(".name")?.textContent ?? "",
        speaking: fig.dataset.speaking === "true",
        micMuted: fig.querySelector('[aria-label="Microphone muted"]') !== null,
        videoWidth: video.videoWidth,
        videoHeight: video.videoHeight,
        shownWidth: video.clientWidth,
        shownHeight: video.clientHeight,
        trackIds: tracks.map((t) => t.id).sort(),
        framesDecoded: stats("video").reduce((n, s) => n + s.framesDecoded, 0),
        videoBytes: stats("video").reduce((n, s) => n + s.bytesReceived, 0),
        audioBytes: stats("audio").reduce((n, s) => n + s.bytesReceived, 0),
        audioTracks: tracks.filter((t) => t.kind === "audio").length,
        marked: tracks.some((t) => ((window as any).__marked as Set<MediaStreamTrack> | undefined)?.has(t) ?? false),
      };
    });
    return {
      tiles,
      banners: [...document.querySelectorAll(".banner")].map((b) => b.textContent ?? ""),
      marker: (window as any).__e2eMarker ?? null,
      closedText: document.querySelector("main.page [role=status]")?.textContent ?? null,
    };
  });
}

interface Flow {
  participantId: string;
  kind: "camera" | "screen";
  name: string;
  videoWidth: number;
  videoHeight: number;
  shownWidth: number;
  shownHeight: number;
  framesDecoded: number;
  framesDelta: number;
  videoBytesDelta: number;
  audioBytesDelta: number;
  audioTracks: number;
  /** Its tracks are the ones remembered by `markTracks()`. */
  marked: boolean;
}

/** Remembers the tracks on screen now, so `flowing(…, { fresh: true })` can refuse them later. */
async function markTracks(page: Page) {
  await page.evaluate(() => {
    const tracks = [...document.querySelectorAll("video")].flatMap((v) => (v.srcObject as MediaStream | null)?.getTracks() ?? []);
    (window as any).__marked = new Set(tracks);
  });
}

/**
 * Polls until every expected remote tile shows a sized video whose decoded frames (and, for
 * cameras, received audio bytes) grew between two consecutive samples `windowMs` apart.
 * `fresh` refuses tiles showing a track remembered by `markTracks()` (media from before a restart).
 */
async function flowing(
  page: Page,
  expected: { participantId: string; kind: "camera" | "screen" }[],
  { timeoutMs = 20_000, windowMs = 400, fresh }: { timeoutMs?: number; windowMs?: number; fresh?: boolean } = {},
): Promise<Flow[]> {
  const deadline = Date.now() + timeoutMs;
  let previous = await inspect(page);
  let last = "";
  while (Date.now() < deadline) {
    await Bun.sleep(windowMs);
    const now = await inspect(page);
    const flows: Flow[] = [];
    for (const want of expected) {
      const a = previous.tiles.find((t) => t.participantId === want.participantId && t.kind === want.kind);
      const b = now.tiles.find((t) => t.participantId === want.participantId && t.kind === want.kind);
      if (!a || !b || a.trackIds.join() !== b.trackIds.join() || b.trackIds.length === 0) break;
      if (fresh && b.marked) break;
      const flow: Flow = {
        participantId: b.participantId,
        kind: b.kind,
        name: b.name,
        videoWidth: b.videoWidth,
        videoHeight: b.videoHeight,
        shownWidth: b.shownWidth,
        shownHeight: b.shownHeight,
        framesDecoded: b.framesDecoded,
        framesDelta: b.framesDecoded - a.framesDecoded,
        videoBytesDelta: b.videoBytes - a.videoBytes,
        audioBytesDelta: b.audioBytes - a.audioBytes,
        audioTracks: b.audioTracks,
        marked: b.marked,
      };
      if (flow.videoWidth === 0 || flow.shownWidth === 0 || flow.framesDelta <= 0 || (want.kind === "camera" && flow.audioBytesDelta <= 0)) break;
      flows.push(flow);
    }
    if (flows.length === expected.length) return flows;
    last = JSON.stringify(now.tiles.map((t) => ({ p: t.participantId, k: t.kind, w: t.videoWidth, f: t.framesDecoded, a: t.audioBytes })));
    previous = now;
  }
  throw new Error(`media did not flow on ${page.url()} in ${timeoutMs} ms: ${last}`);
}

const until = waiter({ timeoutMs: 15_000, intervalMs: 100 });

// ---------------------------------------------------------------------------------------------

const dataDir = join(work, "data");
const screens = join(work, "screenshots");
mkdirSync(screens, { recursive: true });
const port = 3300;
const base = `http://127.0.0.1:${port}`;
const browsers: Browser[] = [];
let server: Bun.Subprocess | null = null;
const serverLog = join(work, "server.log");
/** Each page's room-socket frames (abridged), by person. */
const frameLogs: Record<string, string[]> = {};

try {
  step("starting the server (embedded Janus, PGlite)");
  server = await startScenarioServer({ work, port });
  results.serverReadyMs = elapsed();

  const home = await fetch(`${base}/`);
  results.homePage = { status: home.status, type: home.headers.get("content-type"), hasApp: (await home.text()).includes('id="app"') };
  const { meeting } = (await (await fetch(`${base}/api/meetings`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).json()) as { meeting: { code: string } };
  const apiMeeting = await fetch(`${base}/api/meetings/${meeting.code}`);
  results.apiStillRouted = { status: apiMeeting.status, type: apiMeeting.headers.get("content-type") };

  step(`meeting ${meeting.code}; launching Chromium`);
  const loud = join(work, "voice.wav");
  const quiet = join(work, "silence.wav");
  writeWav(loud, 3, voice);
  writeWav(quiet, 1, () => 0);
  const flags = MEDIA_CHROMIUM_FLAGS;
  const launch = async (wav: string) => {
    const b = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: [...flags, `--use-file-for-fake-audio-capture=${wav}`] });
    browsers.push(b);
    return b;
  };
  const [speakingBrowser, quietBrowser] = await Promise.all([launch(loud), launch(quiet)]);
  const newPage = async (browser: Browser, name: string) => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 640 } });
    await context.addInitScript(INSTRUMENT);
    const page = await context.newPage();
    page.on("pageerror", (err) => process.stderr.write(`[page error] ${err.message}\n`));
    // The room socket's message types as they come, for the report when something goes wrong.
    const log: string[] = [];
    frameLogs[name] = log;
    page.on("websocket", (ws) => {
      if (!ws.url().includes("/ws/meetings/")) return;
      ws.on("framereceived", ({ payload }) => log.push(`${elapsed()} < ${String(payload).slice(0, 80)}`));
      ws.on("framesent", ({ payload }) => log.push(`${elapsed()} > ${String(payload).slice(0, 80)}`));
      ws.on("close", () => log.push(`${elapsed()} closed`));
    });
    return page;
  };
  const [alice, bob, carol] = await Promise.all([newPage(speakingBrowser, "Alice"), newPage(quietBrowser, "Bob"), newPage(quietBrowser, "Carol")]);
  const people = [
    { name: "Alice", page: alice },
    { name: "Bob", page: bob },
    { name: "Carol", page: carol },
  ] as const;

  step("three guests join");
  const joinStarted = performance.now();
  await Promise.all(
    people.map(async ({ name, page }) => {
      await page.goto(`${base}/m/${meeting.code}`);
      await page.getByLabel("Your name").fill(name);
      await page.getByRole("button", { name: "Join meeting" }).click();
      await page.locator('figure[data-self="true"]').waitFor({ timeout: 15_000 });
    }),
  );
  const ids: Record<string, string> = {};
  for (const { name, page } of people) ids[name] = (await page.locator('figure[data-self="true"]').getAttribute("data-participant-id"))!;
  const others = (name: string) => people.filter((p) => p.name !== name).map((p) => ({ participantId: ids[p.name]!, kind: "camera" as const }));

  step("everyone receives the other two's video and audio");
  const initial: Record<string, Flow[]> = {};
  await Promise.all(people.map(async ({ name, page }) => (initial[name] = await flowing(page, others(name)))));
  results.initialMediaMs = Math.round(performance.now() - joinStarted);
  results.initial = initial;
  // The same over two seconds, for figures worth reading (frames per second, audio bit rate).
  const steady: Record<string, Flow[]> = {};
  await Promise.all(people.map(async ({ name, page }) => (steady[name] = await flowing(page, others(name), { windowMs: 2_000, timeoutMs: 10_000 }))));
  results.steady = steady;
  results.tilesPerPage = Object.fromEntries(await Promise.all(people.map(async ({ name, page }) => [name, (await inspect(page)).tiles.length])));

  step("the active speaker (Alice's voice) is highlighted at the others");
  const speakingStarted = performance.now();
  const speakingSeen: Record<string, boolean> = {};
  try {
    await Promise.all(
      [bob, carol].map((page, i) =>
        until(
          "Alice highlighted",
          async () => (await inspect(page)).tiles.some((t) => t.participantId === ids.Alice && t.kind === "camera" && t.speaking),
          15_000,
        ).then(() => (speakingSeen[i === 0 ? "Bob" : "Carol"] = true)),
      ),
    );
    results.speakingMs = Math.round(performance.now() - speakingStarted);
  } catch (err) {
    results.speakingError = (err as Error).message;
    // Did the server say anyone spoke, and was Alice's microphone sending sound at all?
    results.speakingFrames = Object.fromEntries(Object.entries(frameLogs).map(([name, log]) => [name, log.filter((l) => l.includes('"speaking"')).slice(-5)]));
    results.aliceAudioOut = await alice.evaluate(async () => {
      const out: Record<string, unknown>[] = [];
      for (const pc of (window as any).__pcs as RTCPeerConnection[]) {
        if (pc.connectionState === "closed") continue;
        (await pc.getStats()).forEach((r: any) => {
          if ((r.type === "media-source" && r.kind === "audio") || (r.type === "outbound-rtp" && r.kind === "audio")) out.push({ type: r.type, audioLevel: r.audioLevel, totalAudioEnergy: r.totalAudioEnergy, packetsSent: r.packetsSent });
        });
      }
      return out;
    });
  }
  results.speakingSeen = speakingSeen;
  // Only the one who talks is highlighted: the silent microphones never count as speaking.
  results.speakingTiles = await Promise.all(people.map(async ({ page }) => (await inspect(page)).tiles.filter((t) => t.speaking).map((t) => t.participantId)));
  results.aliceSeesHerselfSpeaking = (await inspect(alice)).tiles.some((t) => t.self && t.speaking);

  step("Bob mutes his microphone");
  await bob.getByRole("button", { name: "Mute microphone" }).click();
  const muteStarted = performance.now();
  results.bobButtonAfterMute = await bob.getByRole("button", { name: "Unmute microphone" }).count();
  await Promise.all(
    [alice, carol].map((page) =>
      until("Bob shown muted", async () => (await inspect(page)).tiles.some((t) => t.participantId === ids.Bob && t.kind === "camera" && t.micMuted)),
    ),
  );
  results.muteShownMs = Math.round(performance.now() - muteStarted);
  results.mutedAtOthers = await Promise.all(
    [alice, carol].map(async (page) => (await inspect(page)).tiles.filter((t) => t.micMuted).map((t) => t.participantId)),
  );
  results.mutedVisibleByRole = await alice.getByRole("img", { name: "Microphone muted" }).count();

  step("Carol shares her screen");
  await carol.getByRole("button", { name: "Share screen" }).click();
  const shareStarted = performance.now();
  const screenFlows = await Promise.all(
    [alice, bob].map((page) => flowing(page, [{ participantId: ids.Carol!, kind: "screen" }], { timeoutMs: 15_000 })),
  );
  results.screenShareMs = Math.round(performance.now() - shareStarted);
  results.screenAtOthers = screenFlows.map((f) => f[0]);
  results.carolStopButton = await carol.getByRole("button", { name: "Stop sharing screen" }).count();

  await Bun.sleep(300);
  for (const { name, page } of people) await page.screenshot({ path: join(screens, `${name.toLowerCase()}-meeting.png`) });
  copyFileSync(join(screens, "bob-meeting.png"), SCREENSHOT_COPY);
  results.screenshot = SCREENSHOT_COPY;

  step("Bob's connection drops abnormally and comes back");
  await markTracks(bob);
  await markTracks(alice);
  const bobFrames = frameLogs.Bob!;
  const framesBefore = bobFrames.length;
  await bob.evaluate(() => {
    const seen = { reconnecting: false };
    (window as any).__seen = seen;
    new MutationObserver(() => {
      if (document.body.textContent?.includes("Reconnecting…")) seen.reconnecting = true;
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
    // Not a deliberate close (1000/1001): the server holds the seat, as for a network blip.
    const sockets = ((window as any).__sockets as WebSocket[]).filter((ws) => ws.url.includes("/ws/meetings/") && ws.readyState === 1);
    sockets[sockets.length - 1]!.close(4000, "e2e: simulated drop");
  });
  const droppedAt = performance.now();
  await until("Bob back", async () => bobFrames.slice(framesBefore).some((f) => f.includes('< {"type":"welcome"')) && !(await inspect(bob)).banners.some((b) => b.includes("Reconnecting")));
  results.resume = {
    ms: Math.round(performance.now() - droppedAt),
    sawReconnecting: await bob.evaluate(() => (window as any).__seen.reconnecting as boolean),
    helloWithResume: bobFrames.slice(framesBefore).some((f) => f.includes('"type":"hello"') && f.includes('"resume"')),
    sameSeat: (await bob.locator('figure[data-self="true"]').getAttribute("data-participant-id")) === ids.Bob,
    // The PeerConnections were kept: the same tracks keep flowing both ways.
    bobReceives: await flowing(bob, others("Bob"), { timeoutMs: 10_000 }),
    aliceReceivesBob: await flowing(alice, [{ participantId: ids.Bob!, kind: "camera" }], { timeoutMs: 10_000 }),
    publishesAfter: bobFrames.slice(framesBefore).filter((f) => f.includes('"type":"media.publish"')).length,
  };

  step("Janus is killed mid-meeting");
  for (const { page } of people) await page.evaluate(() => ((window as any).__e2eMarker = "before-janus-kill"));
  for (const { page } of people) await markTracks(page);
  const pidFile = join(dataDir, "janus", "janus.pid");
  const janusPid = Number(readFileSync(pidFile, "utf8").trim());
  const killedAt = performance.now();
  process.kill(janusPid, "SIGKILL");
  const expectedAfter = (name: string) => [...others(name), ...(name === "Carol" ? [] : [{ participantId: ids.Carol!, kind: "screen" as const }])];
  const recovered: Record<string, { ms: number; flows: Flow[] }> = {};
  await Promise.all(
    people.map(async ({ name, page }) => {
      const flows = await flowing(page, expectedAfter(name), { timeoutMs: 30_000, windowMs: 250, fresh: true });
      recovered[name] = { ms: Math.round(performance.now() - killedAt), flows };
    }),
  );
  const newPid = Number(readFileSync(pidFile, "utf8").trim());
  results.janusRestart = { killedPid: janusPid, newPid, restarted: newPid !== janusPid && newPid > 0 };
  results.recovered = recovered;
  results.recoveryMs = Math.max(...Object.values(recovered).map((r) => r.ms));
  const afterKill = await Promise.all(people.map(({ page }) => inspect(page)));
  results.noReload = afterKill.every((p) => p.marker === "before-janus-kill");
  results.bannersAfterRecovery = afterKill.map((p) => p.banners);
  await alice.screenshot({ path: join(screens, "alice-after-janus-restart.png") });

  step("Carol leaves");
  await carol.getByRole("button", { name: "Leave meeting" }).click();
  await carol.getByRole("dialog", { name: "Leave the meeting?" }).getByRole("button", { name: "Leave" }).click();
  const leftAt = performance.now();
  await Promise.all(
    [alice, bob].map((page) => until("Carol gone", async () => !(await inspect(page)).tiles.some((t) => t.participantId === ids.Carol), 10_000)),
  );
  results.leaveMs = Math.round(performance.now() - leftAt);
  results.afterLeave = await Promise.all([alice, bob].map(async (page) => (await inspect(page)).tiles.map((t) => `${t.name}:${t.kind}`)));
  results.carolPage = (await inspect(carol)).closedText;
  // Alice and Bob still see and hear each other.
  results.afterLeaveFlow = await flowing(alice, [{ participantId: ids.Bob!, kind: "camera" }], { timeoutMs: 10_000 });
  results.ids = ids;
  results.ok = true;
} catch (err) {
  noteFailure(results, err, serverLog);
  results.frames = Object.fromEntries(Object.entries(frameLogs).map(([name, log]) => [name, log.slice(-40)]));
} finally {
  // SIGTERM first: the server stops its rooms and its Janus before exiting.
  await closeScenario(browsers, server);
  results.totalMs = elapsed();
}
reportScenario(results);
