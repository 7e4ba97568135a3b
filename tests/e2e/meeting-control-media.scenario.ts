/**
 * Runs INSIDE the network namespace that meeting-control-media.e2e.test.ts creates (never start it
 * otherwise): the real server (`bun src/main.ts`, embedded Janus, PGlite in a temp folder) and
 * Debian's Chromium. A signed-in host with the lobby on admits Gus (who speaks) and Dan and denies
 * Eve; mutes Gus and measures, at the host's page, whether Gus's audio still arrives while Gus's
 * browser keeps sending his voice (the scenario turns his track back on, as a client ignoring the
 * mute would); removes Gus and tries his resume token; locks the meeting against Cy; ends it for
 * everyone. Prints one JSON line `{"results": …}` for the test to judge.
 *
 * Environment: DICTATE_E2E_WORK (a folder the test owns and deletes), TMPDIR inside it.
 */
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { MEDIA_CHROMIUM_FLAGS, RECORD_PEER_CONNECTIONS, voice, writeWav } from "../helpers/fake-media.ts";
import { closeScenario, noteFailure, reportScenario, startScenarioServer, waiter } from "../helpers/scenario-script.ts";

const work = process.env.DICTATE_E2E_WORK;
if (!work) throw new Error("DICTATE_E2E_WORK is not set: run this through meeting-control-media.e2e.test.ts");
const started = performance.now();
const elapsed = () => Math.round(performance.now() - started);
const step = (what: string) => process.stderr.write(`[meeting-control-media ${(elapsed() / 1000).toFixed(1)}s] ${what}\n`);
const results: Record<string, unknown> = {};

/** Records every PeerConnection the app creates, so the scenario can read their stats. */
const INSTRUMENT = RECORD_PEER_CONNECTIONS;

/** What the host's page receives from one participant's camera audio: energy and packets so far. */
async function inboundAudio(page: Page, participantId: string) {
  return page.evaluate(async (pid) => {
    const fig = document.querySelector<HTMLElement>(`figure.tile[data-participant-id="${pid}"][data-kind="camera"]`);
    const stream = fig?.querySelector("video")?.srcObject as MediaStream | null | undefined;
    const ids = new Set((stream?.getAudioTracks() ?? []).map((t) => t.id));
    let energy = 0;
    let packets = 0;
    let bytes = 0;
    let found = false;
    for (const pc of ((window as any).__pcs as RTCPeerConnection[]).filter((p) => p.connectionState !== "closed")) {
      (await pc.getStats()).forEach((r: any) => {
        if (r.type === "inbound-rtp" && r.kind === "audio" && ids.has(r.trackIdentifier)) {
          found = true;
          energy += r.totalAudioEnergy ?? 0;
          packets += r.packetsReceived ?? 0;
          bytes += r.bytesReceived ?? 0;
        }
      });
    }
    return { found, energy, packets, bytes };
  }, participantId);
}

/** What one page sends as audio: bytes and packets so far, and whether its audio track is enabled. */
async function outboundAudio(page: Page) {
  return page.evaluate(async () => {
    let bytes = 0;
    let packets = 0;
    let energy = 0;
    const pcs = ((window as any).__pcs as RTCPeerConnection[]).filter((p) => p.connectionState !== "closed");
    for (const pc of pcs) {
      (await pc.getStats()).forEach((r: any) => {
        if (r.type === "outbound-rtp" && r.kind === "audio") {
          bytes += r.bytesSent ?? 0;
          packets += r.packetsSent ?? 0;
        }
        if (r.type === "media-source" && r.kind === "audio") energy += r.totalAudioEnergy ?? 0;
      });
    }
    const enabled = pcs.flatMap((pc) => pc.getSenders()).filter((s) => s.track?.kind === "audio").map((s) => s.track!.enabled);
    return { bytes, packets, energy, enabled };
  });
}

const until = waiter({ timeoutMs: 15_000, intervalMs: 150 });

const port = 3310;
const base = `http://127.0.0.1:${port}`;
const browsers: Browser[] = [];
let server: Bun.Subprocess | null = null;
const serverLog = join(work, "server.log");
const frameLogs: Record<string, string[]> = {};
/** Full room-socket frames a page received whose type is `welcome` (for the resume token). */
const welcomes: Record<string, string[]> = {};

try {
  step("starting the server (embedded Janus, PGlite)");
  server = await startScenarioServer({ work, port });

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
  const contextFor = async (browser: Browser) => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 640 } });
    await context.addInitScript(INSTRUMENT);
    return context;
  };
  const newPage = async (context: BrowserContext, name: string) => {
    const page = await context.newPage();
    page.on("pageerror", (err) => process.stderr.write(`[page error ${name}] ${err.message}\n`));
    const log: string[] = [];
    frameLogs[name] = log;
    welcomes[name] = [];
    page.on("websocket", (ws) => {
      if (!/\/ws\/meetings\/[^/]+$/.test(ws.url())) return;
      ws.on("framereceived", ({ payload }) => {
        log.push(`${elapsed()} < ${String(payload).slice(0, 80)}`);
        if (String(payload).startsWith('{"type":"welcome"')) welcomes[name]!.push(String(payload));
      });
      ws.on("framesent", ({ payload }) => log.push(`${elapsed()} > ${String(payload).slice(0, 80)}`));
      ws.on("close", () => log.push(`${elapsed()} closed`));
    });
    return page;
  };

  step("the host signs up and schedules a meeting with the lobby on");
  const hostCtx = await contextFor(quietBrowser);
  const handle = `host${Date.now().toString(36)}`;
  const signup = await hostCtx.request.post(`${base}/api/auth/signup`, {
    data: { email: `${handle}@example.test`, username: handle, password: "correct horse battery staple" },
    headers: { origin: base },
  });
  if (signup.status() !== 201) throw new Error(`signup: ${signup.status()} ${await signup.text()}`);
  const created = await hostCtx.request.post(`${base}/api/meetings`, { data: { title: "Control with media", lobby: true }, headers: { origin: base } });
  const { meeting } = (await created.json()) as { meeting: { code: string; lobby: boolean } };
  results.lobbyOn = meeting.lobby;

  const host = await newPage(hostCtx, "host");
  await host.goto(`${base}/m/${meeting.code}`);
  await host.getByRole("button", { name: "Join meeting" }).click();
  await host.locator('figure[data-self="true"]').waitFor({ timeout: 20_000 });

  const knock = async (browser: Browser, name: string) => {
    const page = await newPage(await contextFor(browser), name);
    await page.goto(`${base}/m/${meeting.code}`);
    await page.getByLabel("Your name").fill(name);
    await page.getByRole("button", { name: "Join meeting" }).click();
    return page;
  };

  step("Gus, Dan and Eve knock; the host admits Gus and Dan and denies Eve");
  const [gus, dan, eve] = await Promise.all([knock(speakingBrowser, "Gus"), knock(quietBrowser, "Dan"), knock(quietBrowser, "Eve")]);
  for (const p of [gus, dan, eve]) await p.getByRole("heading", { name: "Waiting to be let in" }).waitFor({ timeout: 15_000 });
  results.waitingShown = true;
  await host.getByRole("button", { name: "Open people and info" }).click();
  await host.getByRole("heading", { name: "Waiting to join (3)" }).waitFor({ timeout: 15_000 });
  await host.getByRole("button", { name: "Admit Gus" }).click();
  await host.getByRole("button", { name: "Admit Dan" }).click();
  await host.getByRole("button", { name: "Deny Eve" }).click();
  await eve.getByRole("heading", { name: "Not let in" }).waitFor({ timeout: 15_000 });
  results.eveDenied = true;
  results.eveInMeeting = await eve.locator('figure[data-self="true"]').count();
  for (const p of [gus, dan]) await p.locator('figure[data-self="true"]').waitFor({ timeout: 20_000 });
  const gusId = (await gus.locator('figure[data-self="true"]').getAttribute("data-participant-id"))!;
  results.admitted = { gus: true, dan: true };

  step("the host hears Gus");
  const sample = async (ms: number) => {
    const [h0, g0] = await Promise.all([inboundAudio(host, gusId), outboundAudio(gus)]);
    await Bun.sleep(ms);
    const [h1, g1] = await Promise.all([inboundAudio(host, gusId), outboundAudio(gus)]);
    return {
      hostReceives: { found: h1.found, energyDelta: h1.energy - h0.energy, packetsDelta: h1.packets - h0.packets, bytesDelta: h1.bytes - h0.bytes },
      gusSends: { bytesDelta: g1.bytes - g0.bytes, packetsDelta: g1.packets - g0.packets, sourceEnergyDelta: g1.energy - g0.energy, enabled: g1.enabled },
    };
  };
  results.beforeMute = await until(
    "Gus's voice at the host",
    async () => {
      const s = await sample(1_000);
      return s.hostReceives.energyDelta > 0 ? s : null;
    },
    25_000,
    0,
  );

  step("the host mutes Gus; Gus's browser keeps sending his voice anyway");
  await host.getByRole("button", { name: "Actions for Gus" }).click();
  await host.getByRole("menuitem", { name: "Mute microphone" }).click();
  await gus.locator(".notices").getByText("muted your microphone", { exact: false }).waitFor({ timeout: 10_000 });
  // A client that ignores the mute: its microphone track goes back on under the app's feet.
  results.gusTrackAfterMute = (await outboundAudio(gus)).enabled;
  await gus.evaluate(() => {
    for (const pc of (window as any).__pcs as RTCPeerConnection[]) for (const s of pc.getSenders()) if (s.track?.kind === "audio") s.track.enabled = true;
  });
  await Bun.sleep(1_500); // packets in flight and the jitter buffer drain
  results.afterMute = await sample(3_000);

  step("the host removes Gus; his resume token only knocks");
  const welcome = JSON.parse(welcomes.Gus!.at(-1)!) as { resumeToken: string; self: { id: string } };
  await host.getByRole("button", { name: "Actions for Gus" }).click();
  await host.getByRole("menuitem", { name: "Remove from meeting" }).click();
  await host.getByRole("dialog").getByRole("button", { name: "Remove" }).click();
  await gus.getByRole("heading", { name: "Removed from the meeting" }).waitFor({ timeout: 10_000 });
  results.gusRemovedShown = true;
  results.resumeAfterRemove = await new Promise<{ first: string | null; closeCode: number | null; welcomed: boolean }>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/meetings/${meeting.code}`);
    const seen: string[] = [];
    let closeCode: number | null = null;
    const done = () => resolve({ first: seen[0] ?? null, closeCode, welcomed: seen.includes("welcome") });
    const timer = setTimeout(() => {
      ws.close(1000);
      done();
    }, 3_000);
    ws.onopen = () => ws.send(JSON.stringify({ type: "hello", name: "Gus", resume: welcome.resumeToken }));
    ws.onmessage = (e) => {
      const type = (JSON.parse(String(e.data)) as { type: string }).type;
      seen.push(type);
      if (type === "welcome" || type === "lobby.waiting") {
        clearTimeout(timer);
        ws.close(1000);
        setTimeout(done, 100);
      }
    };
    ws.onclose = (e) => {
      closeCode ??= e.code;
    };
  });
  results.gusTilesAtHost = await host.locator(`figure.tile[data-participant-id="${gusId}"]`).count();

  step("the host locks the meeting; Cy is kept out");
  await host.getByRole("button", { name: "Host controls" }).click();
  await host.getByRole("menuitem", { name: "Lock the meeting" }).click();
  await host.getByText("Locked ·", { exact: false }).first().waitFor({ timeout: 10_000 });
  const cy = await knock(quietBrowser, "Cy");
  await cy.getByRole("heading", { name: "Meeting locked" }).waitFor({ timeout: 15_000 });
  results.cyLockedOut = true;
  results.cyInMeeting = await cy.locator('figure[data-self="true"]').count();

  step("the host ends the meeting for everyone");
  await host.getByRole("button", { name: "Host controls" }).click();
  await host.getByRole("menuitem", { name: "End meeting for everyone" }).click();
  await host.getByRole("dialog").getByRole("button", { name: "End meeting" }).click();
  results.endedPages = {} as Record<string, boolean>;
  for (const [name, p] of [["host", host], ["Dan", dan]] as const) {
    await p.getByRole("heading", { name: "The meeting has ended" }).waitFor({ timeout: 15_000 });
    (results.endedPages as Record<string, boolean>)[name] = (await p.locator("figure.tile").count()) === 0;
  }
  results.ok = true;
} catch (err) {
  noteFailure(results, err, serverLog);
  results.frames = Object.fromEntries(Object.entries(frameLogs).map(([name, log]) => [name, log.slice(-30)]));
} finally {
  await closeScenario(browsers, server);
  results.totalMs = elapsed();
}
reportScenario(results);
