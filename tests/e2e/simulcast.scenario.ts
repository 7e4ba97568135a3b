/**
 * Runs INSIDE the network namespace that simulcast.e2e.test.ts creates (never start it otherwise):
 * the real server (production mode, embedded Janus) and two Chromiums. Alice publishes her camera in
 * three simulcast layers; Bob watches her tile small, then on the stage, then hidden, then with audio
 * only on, and the scenario reads what Bob's browser decodes. With SIMULCAST_IMPAIR set (the name of
 * a second namespace joined to this one by a veth, see tests/helpers/netns.ts) Bob's Chromium runs in
 * that namespace, so his link alone can be slowed and made lossy; the test shapes it while this
 * script watches Bob keep decoding. Prints one JSON line `{"results": …}`.
 *
 * Environment: DICTATE_E2E_WORK (a folder the test owns and deletes), SIMULCAST_HOST (the server's
 * address: 127.0.0.1, or this namespace's end of the link to Bob's), SIMULCAST_IMPAIR, SIMULCAST_PHASE_FILE
 * (where this script says which phase it is in, and the test answers when the link is shaped).
 */
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { MEDIA_CHROMIUM_FLAGS, RECORD_PEER_CONNECTIONS } from "../helpers/fake-media.ts";
import { startScenarioServer, waiter } from "../helpers/scenario-script.ts";

const work = process.env.DICTATE_E2E_WORK;
if (!work) throw new Error("DICTATE_E2E_WORK is not set: run this through simulcast.e2e.test.ts");
const host = process.env.SIMULCAST_HOST ?? "127.0.0.1";
const impairNs = process.env.SIMULCAST_IMPAIR ?? null;
const phaseFile = process.env.SIMULCAST_PHASE_FILE ?? null;
const started = performance.now();
const elapsed = () => Math.round(performance.now() - started);
const step = (what: string) => process.stderr.write(`[simulcast ${(elapsed() / 1000).toFixed(1)}s] ${what}\n`);
const results: Record<string, unknown> = {};
/** The media.view reports the pages sent, for the report. */
const viewReports: string[] = [];

const until = waiter({ timeoutMs: 15_000, intervalMs: 200 });

/** What Bob's browser receives of one participant's camera: decoded size, frames, audio. */
async function received(page: Page, participantId: string) {
  return page.evaluate(async (pid) => {
    const fig = document.querySelector<HTMLElement>(`figure.tile[data-participant-id="${pid}"][data-kind="camera"]`);
    const stream = (fig?.querySelector("video")?.srcObject as MediaStream | null) ?? null;
    const ids = new Set((stream?.getTracks() ?? []).map((t) => t.id));
    const out: Record<string, any> = { frameWidth: 0, frameHeight: 0, framesDecoded: 0, videoBytes: 0, audioSamples: 0, audioBytes: 0, tileHeight: fig?.getBoundingClientRect().height ?? 0, quality: fig?.querySelector("[data-quality]")?.getAttribute("aria-label") ?? null };
    for (const pc of (window as any).__pcs as RTCPeerConnection[]) {
      if (pc.connectionState === "closed") continue;
      (await pc.getStats()).forEach((r: any) => {
        if (r.type !== "inbound-rtp" || !ids.has(r.trackIdentifier)) return;
        if (r.kind === "video") Object.assign(out, { frameWidth: r.frameWidth ?? 0, frameHeight: r.frameHeight ?? 0, framesDecoded: r.framesDecoded ?? 0, videoBytes: r.bytesReceived ?? 0, recovery: { pli: r.pliCount ?? 0, nack: r.nackCount ?? 0, lost: r.packetsLost ?? 0, keyframes: r.keyFramesDecoded ?? 0, freezes: r.freezeCount ?? 0, dropped: r.framesDropped ?? 0 } });
        else Object.assign(out, { audioSamples: r.totalSamplesReceived ?? 0, audioBytes: r.bytesReceived ?? 0 });
      });
    }
    return out;
  }, participantId);
}

/** The publisher's camera encodings: rid, size, frames and bytes sent. */
async function encodings(page: Page) {
  return page.evaluate(async () => {
    const out: { rid: string; active: boolean; frameWidth: number; framesSent: number; bytesSent: number; limitation?: string; targetBitrate?: number }[] = [];
    for (const pc of (window as any).__pcs as RTCPeerConnection[]) {
      if (pc.connectionState === "closed") continue;
      (await pc.getStats()).forEach((r: any) => {
        if (r.type === "outbound-rtp" && r.kind === "video") out.push({ rid: r.rid ?? "", active: r.active !== false, frameWidth: r.frameWidth ?? 0, framesSent: r.framesSent ?? 0, bytesSent: r.bytesSent ?? 0, limitation: r.qualityLimitationReason, targetBitrate: r.targetBitrate });
      });
    }
    return out.sort((a, b) => a.rid.localeCompare(b.rid));
  });
}

/** The publisher's camera track as captured (its size, and how it was asked for). */
async function cameraSettings(page: Page) {
  return page.evaluate(() =>
    ((window as any).__pcs as RTCPeerConnection[]).flatMap((pc) =>
      pc.getSenders().filter((s) => s.track?.kind === "video").map((s) => ({ settings: s.track!.getSettings(), constraints: s.track!.getConstraints(), state: s.track!.readyState })),
    ),
  );
}

/** Samples `received` every `everyMs` for `ms`: frames decoded over the span and the longest gap without a new frame. */
async function watch(page: Page, pid: string, ms: number, everyMs = 200) {
  const first = await received(page, pid);
  let last = first;
  let lastFrameAt = Date.now();
  let longestGapMs = 0;
  const widths = new Set<number>();
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await Bun.sleep(everyMs);
    const now = await received(page, pid);
    if (now.framesDecoded > last.framesDecoded) {
      longestGapMs = Math.max(longestGapMs, Date.now() - lastFrameAt);
      lastFrameAt = Date.now();
    }
    if (now.frameWidth) widths.add(now.frameWidth);
    last = now;
  }
  longestGapMs = Math.max(longestGapMs, Date.now() - lastFrameAt);
  return { frames: last.framesDecoded - first.framesDecoded, audioSamples: last.audioSamples - first.audioSamples, audioBytes: last.audioBytes - first.audioBytes, videoBytes: last.videoBytes - first.videoBytes, longestGapMs, widths: [...widths].sort((a, b) => a - b), start: first.recovery, end: last };
}

const port = 3400 + (process.pid % 200);
const base = `http://${host}:${port}`;
const browsers: Browser[] = [];
let server: Bun.Subprocess | null = null;

try {
  step(`starting the server on ${base}`);
  server = await startScenarioServer({ work, port, host });
  const { meeting } = (await (await fetch(`${base}/api/meetings`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).json()) as { meeting: { code: string } };

  // An address other than 127.0.0.1 is not a secure context by default: say it is, for this origin only.
  const flags = [...MEDIA_CHROMIUM_FLAGS, `--unsafely-treat-insecure-origin-as-secure=${base}`];
  let bobExecutable = "/usr/bin/chromium";
  if (impairNs) {
    // Bob's Chromium runs in the other namespace; Playwright talks to it over a pipe, which crosses namespaces.
    bobExecutable = join(work, "chromium-in-bob-ns.sh");
    writeFileSync(bobExecutable, `#!/bin/sh\nexec ip netns exec ${impairNs} /usr/bin/chromium "$@"\n`);
    chmodSync(bobExecutable, 0o755);
  }
  const [aliceBrowser, bobBrowser] = await Promise.all([
    chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: flags }),
    chromium.launch({ executablePath: bobExecutable, headless: true, args: flags }),
  ]);
  browsers.push(aliceBrowser, bobBrowser);
  const open = async (browser: Browser, name: string, viewport: { width: number; height: number }) => {
    const context = await browser.newContext({ viewport, colorScheme: "dark" });
    await context.addInitScript(RECORD_PEER_CONNECTIONS);
    // Every camera capture and resize, for the report when the camera is not at the size asked for.
    await context.addInitScript(() => {
      const log: string[] = ((window as any).__captures = []);
      const t0 = performance.now();
      const md = navigator.mediaDevices;
      if (!md) return;
      const gum = md.getUserMedia.bind(md);
      md.getUserMedia = async (c?: MediaStreamConstraints) => {
        const s = await gum(c);
        log.push(`${Math.round(performance.now() - t0)} gum ${JSON.stringify(c?.video)} -> ${s.getVideoTracks().map((t) => `${t.id.slice(0, 6)} ${t.getSettings().width}`).join()}`);
        for (const t of s.getTracks()) {
          const stop = t.stop.bind(t);
          t.stop = () => (log.push(`${Math.round(performance.now() - t0)} stop ${t.kind} ${t.id.slice(0, 6)}`), stop());
        }
        return s;
      };
      const apply = MediaStreamTrack.prototype.applyConstraints;
      MediaStreamTrack.prototype.applyConstraints = async function (this: MediaStreamTrack, c?: MediaTrackConstraints) {
        await apply.call(this, c);
        log.push(`${Math.round(performance.now() - t0)} apply ${this.id.slice(0, 6)} -> ${this.getSettings().width}`);
      };
      const setParameters = RTCRtpSender.prototype.setParameters;
      RTCRtpSender.prototype.setParameters = async function (this: RTCRtpSender, p: RTCRtpSendParameters, ...rest: any[]) {
        const what = (p.encodings ?? []).map((e) => `${e.rid}${e.active === false ? "-" : ""}/${e.scaleResolutionDownBy ?? 1}`).join(" ");
        try {
          await (setParameters as any).call(this, p, ...rest);
          log.push(`${Math.round(performance.now() - t0)} setParameters ${what} ok`);
        } catch (err) {
          log.push(`${Math.round(performance.now() - t0)} setParameters ${what} ${(err as Error).name}: ${(err as Error).message}`);
          throw err;
        }
      };
      const clone = MediaStreamTrack.prototype.clone;
      MediaStreamTrack.prototype.clone = function (this: MediaStreamTrack) {
        log.push(`${Math.round(performance.now() - t0)} clone ${this.kind} ${this.id.slice(0, 6)}`);
        return clone.call(this);
      };
    });
    // SIMULCAST_OFF: the path before simulcast (one layer, no layer choice), to see these checks fail on it.
    if (process.env.SIMULCAST_OFF) await context.addInitScript(() => localStorage.setItem("dictate.simulcast", "off"));
    const page = await context.newPage();
    page.on("websocket", (ws) => {
      ws.on("framesent", ({ payload }) => /"media\.(view|keyframe)"/.test(String(payload)) && viewReports.push(`${name} ${elapsed()} ${String(payload).slice(0, 300)}`));
      ws.on("framereceived", ({ payload }) => String(payload).includes('"media.layers"') && viewReports.push(`${name} ${elapsed()} got ${String(payload).slice(0, 100)}`));
    });
    page.on("pageerror", (err) => process.stderr.write(`[${name} page error] ${err.message}\n`));
    await page.goto(`${base}/m/${meeting.code}`);
    await page.getByLabel("Your name").fill(name);
    await page.getByRole("button", { name: "Join meeting" }).click();
    await page.locator('figure[data-self="true"]').waitFor({ timeout: 20_000 });
    return page;
  };
  step(`meeting ${meeting.code}: Alice and Bob join (Bob's window small: his tiles are small)`);
  const alice = await open(aliceBrowser, "Alice", { width: 1000, height: 640 });
  const bob = await open(bobBrowser, "Bob", { width: 560, height: 420 });
  const aliceId = (await alice.locator('figure[data-self="true"]').getAttribute("data-participant-id"))!;

  /**
   * Waits until Alice's camera sends the encodings `whole` (rids) at their own size and rate (≥ 5
   * frames a second) and the others warm (320 wide, under 150 kbit/s), judged over 2 s; returns each
   * encoding with its rates.
   */
  let last: unknown = null;
  const sendingWhole = (whole: string[]) =>
    until(
      `Alice's camera sending ${whole.join(",")} whole and the rest warm`,
      async () => {
        const a = await encodings(alice);
        const t0 = performance.now();
        await Bun.sleep(2000);
        const b = await encodings(alice);
        const seconds = (performance.now() - t0) / 1000;
        const rates = b.map((e) => {
          const before = a.find((x) => x.rid === e.rid);
          return { ...e, fps: (e.framesSent - (before?.framesSent ?? 0)) / seconds, kbps: (8 * (e.bytesSent - (before?.bytesSent ?? 0))) / seconds / 1000 };
        });
        last = rates;
        const ok = rates.every((e) => (whole.includes(e.rid) ? e.active && e.fps >= 5 && (e.rid === "q" || e.frameWidth > 320) : e.frameWidth <= 320 && e.kbps < 150));
        return ok ? rates : null;
      },
      30_000,
    ).catch((err) => ({ error: (err as Error).message, last }));

  if (!impairNs) {
    step("Bob's small tile decodes the low layer");
    const small = await until(
      "the low layer at Bob",
      async () => {
        const r = await received(bob, aliceId);
        return r.frameWidth > 0 && r.frameWidth <= 320 ? r : null;
      },
      20_000,
    ).catch(async (err) => ({ error: (err as Error).message, ...(await received(bob, aliceId)) }));
    results.small = small;
    results.smallFlow = await watch(bob, aliceId, 2_000);
    step("nobody needs more of Alice than the small layer: her browser encodes only that one");
    results.encodingsWhileSmall = await sendingWhole(["q"]);

    step("Bob pins Alice: the stage decodes the top layer");
    const pinAt = Date.now();
    await bob.getByRole("button", { name: "Pin Alice" }).click();
    const stage = await until(
      "the top layer at Bob",
      async () => {
        const r = await received(bob, aliceId);
        return r.frameWidth >= 1280 ? r : null;
      },
      20_000,
    ).catch(async (err) => ({ error: (err as Error).message, ...(await received(bob, aliceId)) }));
    results.stage = { ...stage, switchMs: Date.now() - pinAt };
    results.stageFlow = await watch(bob, aliceId, 2_000);
    step("Alice's camera goes out in three layers while her stage is watched");
    results.encodings = await sendingWhole(["f", "h", "q"]);
    // When the top layer did not come: how Alice's camera was captured and resized (see the init script).
    if ("error" in (results.stage as object) || "error" in (results.encodings as object)) {
      results.aliceCamera = { track: await cameraSettings(alice), captures: await alice.evaluate(() => (window as any).__captures) };
    }
    await bob.screenshot({ path: "/tmp/dictate-simulcast-stage-dark.png" });

    step("Bob's tile of Alice is hidden (collapsed): no video, audio still flows");
    await bob.getByRole("button", { name: "Unpin Alice" }).click();
    await bob.evaluate((pid) => {
      document.querySelector<HTMLElement>(`figure.tile[data-participant-id="${pid}"][data-kind="camera"]`)!.style.display = "none";
    }, aliceId);
    await Bun.sleep(2_500);
    results.hidden = await watch(bob, aliceId, 3_000);
    await bob.evaluate((pid) => {
      document.querySelector<HTMLElement>(`figure.tile[data-participant-id="${pid}"][data-kind="camera"]`)!.style.display = "";
    }, aliceId);
    const shownAt = Date.now();
    await until("video back after the tile shows again", async () => (await watch(bob, aliceId, 600)).frames > 0, 15_000);
    results.shownAgainMs = Date.now() - shownAt;

    step("Audio only: no video, a notice, then back");
    // Bob's narrow window has the phone controls: Audio only is an item of the More menu.
    await bob.getByRole("button", { name: "More controls" }).click();
    await bob.getByRole("menuitem", { name: /Audio only/ }).click();
    results.audioOnlyNotice = await bob.locator(".audio-only-notice").textContent();
    await bob.getByRole("button", { name: "More controls" }).click();
    results.audioOnlyPressed = await bob.getByRole("menuitem", { name: /Receive video again/ }).count();
    await bob.keyboard.press("Escape");
    await Bun.sleep(2_500);
    results.audioOnly = await watch(bob, aliceId, 3_000);
    await bob.screenshot({ path: "/tmp/dictate-simulcast-audio-only-phone-dark.png" });
    await bob.getByRole("button", { name: "Show video" }).click();
    await until("video back after audio only", async () => (await watch(bob, aliceId, 600)).frames > 0, 15_000);

    step("the connection mark and screenshots (dark, phone width)");
    results.quality = await until("a connection mark", async () => (await received(bob, aliceId)).quality, 10_000).catch(() => null);
    await bob.screenshot({ path: "/tmp/dictate-simulcast-grid-dark.png" });
    await bob.setViewportSize({ width: 390, height: 844 });
    await Bun.sleep(800);
    await bob.screenshot({ path: "/tmp/dictate-simulcast-phone-dark.png" });
    results.phoneFlow = await watch(bob, aliceId, 1_500);
    // The desktop toolbar with its Audio only button, pressed, and the notice, in the light theme too.
    await alice.getByRole("button", { name: "Audio only" }).click();
    results.desktopAudioOnlyPressed = await alice.getByRole("button", { name: "Audio only" }).getAttribute("aria-pressed");
    await alice.screenshot({ path: "/tmp/dictate-simulcast-desktop-dark.png" });
    await alice.emulateMedia({ colorScheme: "light" });
    await alice.screenshot({ path: "/tmp/dictate-simulcast-desktop-light.png" });
  } else {
    step("Bob pins Alice (top layer wanted), then the test shapes his link");
    const pinnedAt = Date.now();
    await bob.getByRole("button", { name: "Pin Alice" }).click();
    // Alice's browser sends her top layer whole again once Bob's stage asks for it: wait for it to arrive.
    await until("Bob decodes Alice's top layer", async () => (await received(bob, aliceId)).frameWidth >= 1280, 30_000).catch(async (err) => {
      throw new Error(`${(err as Error).message}: Bob receives ${JSON.stringify(await received(bob, aliceId))}, Alice sends ${JSON.stringify(await encodings(alice))}, her camera track ${JSON.stringify(await cameraSettings(alice))}, her captures ${JSON.stringify(await alice.evaluate(() => (window as any).__captures))}`);
    });
    // The top layer climbs from its warm bitrate (60 kbit/s while only Bob's small tile watched) as
    // Alice's send estimate grows, slower on a busy machine. Shaping the link before it has ramped
    // would let the congestion begin later, during the watch below: wait until it flows at a steady
    // rate (at least 12 frames and 40 KB in a second), up to 45 s (seen: 2–27 s when it was paused).
    const steady = await until(
      "Alice's top layer flowing steadily at Bob",
      async () => {
        const w = await watch(bob, aliceId, 1_000);
        return w.frames >= 12 && w.videoBytes >= 40_000 && w.widths.every((x) => x >= 1280) ? w : null;
      },
      45_000,
      0,
    ).catch(async (err) => {
      throw new Error(`${(err as Error).message}: Bob receives ${JSON.stringify(await watch(bob, aliceId, 1_000))}, Alice sends ${JSON.stringify(await encodings(alice))}`);
    });
    results.steadyAfterMs = Date.now() - pinnedAt;
    results.steady = steady;
    results.healthy = await watch(bob, aliceId, 3_000);
    results.encodings = await encodings(alice);
    for (const phase of ["rate", "loss"] as const) {
      writeFileSync(phaseFile!, `want ${phase}\n`);
      await until(`the link shaped (${phase})`, async () => readFileSync(phaseFile!, "utf8").startsWith(`shaped ${phase}`), 15_000, 100);
      // The receiver needs a few seconds to notice and step down (two congested 1 s samples per
      // layer, then a keyframe of the lower one): judge the picture after that.
      await Bun.sleep(8_000);
      results[phase] = await watch(bob, aliceId, 8_000);
    }
    writeFileSync(phaseFile!, "done\n");
    results.audioOnlyAfter = await bob.locator(".audio-only-notice").count();
  }
  results.ok = true;
} catch (err) {
  results.error = (err as Error).stack ?? String(err);
  results.serverLog = readFileSync(join(work, "server.log"), "utf8").slice(-3000);
} finally {
  results.totalMs = elapsed();
  results.viewReports = viewReports.slice(-20);
  await Promise.all(browsers.map((b) => b.close().catch(() => undefined)));
  if (server) {
    server.kill("SIGTERM");
    await Promise.race([server.exited, Bun.sleep(5_000)]);
    if (server.exitCode === null) server.kill("SIGKILL");
  }
  process.stdout.write(`${JSON.stringify({ results })}\n`);
  process.exit(0);
}
