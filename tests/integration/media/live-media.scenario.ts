/**
 * Runs INSIDE the network namespace that live-media.test.ts creates (never start it otherwise):
 * an embedded Janus, the Janus adapter, a page served on 127.0.0.1 and headless Chromium driven
 * over the DevTools protocol. Chromium publishes real (fake-device) media through the adapter and
 * subscribes to it; the scenario prints what it observed as one JSON line for the test to judge.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { AppError } from "../../../src/errors.ts";
import { createJanusMediaServer, startEmbeddedJanus, type MediaEvent } from "../../../src/media/index.ts";
import { launchChromium } from "../../helpers/cdp.ts";
import { eventually } from "../../helpers/eventually.ts";
import { chromeLikeOffer } from "./chrome-offer.ts";

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
const step = (what: string) => process.stderr.write(`[live-media] ${what}\n`);

const PAGE = `<!doctype html><meta charset="utf-8"><title>media</title><script>
const pcs = {};
async function gathered(pc) {
  if (pc.iceGatheringState === "complete") return;
  await new Promise((resolve) => pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && resolve()));
}
window.publish = async (name) => {
  const pc = new RTCPeerConnection();
  // A loud, steady tone so Janus's audio-level detection reports the publisher as talking.
  const ctx = new AudioContext();
  const osc = ctx.createOscillator();
  const out = ctx.createMediaStreamDestination();
  osc.connect(out);
  osc.start();
  const cam = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } });
  pc.addTransceiver(out.stream.getAudioTracks()[0], { direction: "sendonly" });
  pc.addTransceiver(cam.getVideoTracks()[0], { direction: "sendonly" });
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  pcs[name] = pc;
  return pc.localDescription.sdp;
};
window.accept = async (name, sdp) => pcs[name].setRemoteDescription({ type: "answer", sdp });
window.answer = async (name, sdp) => {
  const pc = (pcs[name] ??= new RTCPeerConnection());
  await pc.setRemoteDescription({ type: "offer", sdp });
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered(pc);
  return pc.localDescription.sdp;
};
window.inbound = async (name) => {
  const out = [];
  (await pcs[name].getStats()).forEach((r) => {
    if (r.type === "inbound-rtp") out.push({ kind: r.kind, mid: r.mid, framesDecoded: r.framesDecoded ?? 0, packets: r.packetsReceived ?? 0 });
  });
  return out;
};
window.plis = async (name) => {
  let n = 0;
  (await pcs[name].getStats()).forEach((r) => {
    if (r.type === "outbound-rtp" && r.kind === "video") n += r.pliCount ?? 0;
  });
  return n;
};
window.closePc = (name) => { pcs[name].close(); delete pcs[name]; };
</script>`;


const work = mkdtempSync(join(tmpdir(), "dictate-live-media-"));
const results: Record<string, unknown> = {};
let browser: Awaited<ReturnType<typeof launchChromium>> | null = null;
let server: ReturnType<typeof Bun.serve> | null = null;
const started = await startEmbeddedJanus({ bin: "janus", workDir: join(work, "janus"), logger });
if (!started.ok) throw new Error(started.message);
const janus = started.janus;
const media = createJanusMediaServer({ url: () => janus.url, apiSecret: janus.apiSecret, logger });

try {
  if (!(await media.ready())) throw new Error("adapter did not connect");
  server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(PAGE, { headers: { "content-type": "text/html" } }) });
  const profile = join(work, "chromium");
  browser = await launchChromium(profile);
  process.stdout.write(`${JSON.stringify({ pids: { chromium: browser.pid, janus: janus.pid } })}\n`);
  const page = await browser.page(`http://127.0.0.1:${server.port}/`);
  await eventually(
    async () => {
      if (!(await page.evaluate<boolean>("typeof window.publish === 'function'"))) throw new Error("page not loaded yet");
    },
    { timeoutMs: 5000 },
  );

  const room = await media.openRoom("live-media-code");
  const events: MediaEvent[] = [];
  room.onEvent((e) => events.push(e));
  const ev = (type: MediaEvent["type"]) => events.filter((e) => e.type === type);

  step("alice publishes her camera");
  const aliceOffer = await page.evaluate<string>(`publish("alice")`);
  const alice = await room.publish("alice", "camera", aliceOffer, "Alice");
  await page.evaluate(`accept("alice", ${JSON.stringify(alice.answerSdp)})`);
  await eventually(() => {
    if (!ev("feed-up").length) throw new Error("no feed-up");
  }, { timeoutMs: 10_000 });
  results.feedUp = ev("feed-up");
  results.aliceFeed = alice.feedId;

  step("bob subscribes to alice");
  const first = await room.subscribe("bob", [alice.feedId]);
  results.firstOffer = first && { streams: first.streams, hasSdp: first.offerSdp.startsWith("v=0") };
  try {
    await room.subscribe("bob", [alice.feedId, 1]);
    results.busy = "resolved";
  } catch (err) {
    results.busy = err instanceof AppError ? err.code : String(err);
  }
  await room.answer("bob", await page.evaluate<string>(`answer("bob", ${JSON.stringify(first!.offerSdp)})`));
  results.bobFirst = await eventually(
    async () => {
      const inbound = await page.evaluate<{ kind: string; framesDecoded: number; packets: number }[]>(`inbound("bob")`);
      const video = inbound.find((r) => r.kind === "video");
      const audio = inbound.find((r) => r.kind === "audio");
      if (!video || video.framesDecoded < 5 || !audio || audio.packets < 20) throw new Error(`not yet: ${JSON.stringify(inbound)}`);
      return inbound;
    },
    { timeoutMs: 10_000 },
  );
  results.unchanged = await room.subscribe("bob", [alice.feedId]);

  step("talking");
  await eventually(() => {
    if (!ev("talking").length) throw new Error("no talking event");
  }, { timeoutMs: 10_000 });
  results.talking = ev("talking")[0];

  step("carol publishes, bob's subscription grows by update");
  const carol = await room.publish("carol", "screen", await page.evaluate<string>(`publish("carol")`), "Carol");
  await page.evaluate(`accept("carol", ${JSON.stringify(carol.answerSdp)})`);
  await eventually(() => {
    if (!ev("feed-up").some((e) => e.type === "feed-up" && e.feedId === carol.feedId)) throw new Error("carol not up");
  }, { timeoutMs: 10_000 });
  // A feed that is published but never comes up (a canned offer) is skipped, not fatal.
  const ghost = await room.publish("ghost", "camera", chromeLikeOffer(77), "Ghost");
  const grown = await room.subscribe("bob", [alice.feedId, carol.feedId, ghost.feedId]);
  results.grown = grown && { streams: grown.streams };
  await room.answer("bob", await page.evaluate<string>(`answer("bob", ${JSON.stringify(grown!.offerSdp)})`));
  results.bobGrown = await eventually(
    async () => {
      const inbound = await page.evaluate<{ kind: string; mid: string; framesDecoded: number }[]>(`inbound("bob")`);
      const videos = inbound.filter((r) => r.kind === "video" && r.framesDecoded > 3);
      if (videos.length < 2) throw new Error(`not yet: ${JSON.stringify(inbound)}`);
      return inbound;
    },
    { timeoutMs: 10_000 },
  );
  try {
    await room.subscribe("bob", [alice.feedId, carol.feedId, ghost.feedId]);
    results.ghostAlone = "resolved";
  } catch (err) {
    results.ghostAlone = err instanceof AppError ? err.code : String(err);
  }

  step("recording with keyframes");
  const recDir = join(work, "recordings");
  await room.setRecording(true, recDir);
  await Bun.sleep(500);
  await room.requestKeyframes();
  await Bun.sleep(2500);
  await room.setRecording(false, recDir);
  await Bun.sleep(300);
  const files = readdirSync(recDir).filter((f) => f.endsWith(".mjr"));
  results.recordings = files.map((f) => ({ name: f, bytes: statSync(join(recDir, f)).size }));
  const videoFile = files.find((f) => f.includes(`-user-${alice.feedId}-`) && f.includes("video"));
  if (videoFile && Bun.which("janus-pp-rec")) {
    const parsed = Bun.spawnSync(["janus-pp-rec", "-p", join(recDir, videoFile)], { stdout: "pipe", stderr: "pipe" });
    const text = parsed.stdout.toString() + parsed.stderr.toString();
    results.videoHasKeyframe = !text.includes("No key frame");
  }

  // Right after the request to every publisher above, Janus's periodic keyframe request (fir_freq)
  // is 10 s away for both: a PLI within the next 2 s is the one asked for now.
  step("a keyframe for one publisher only (a receiver's frozen picture)");
  const plisBefore = { alice: await page.evaluate<number>(`plis("alice")`), carol: await page.evaluate<number>(`plis("carol")`) };
  await room.requestKeyframes({ participantId: "alice", kind: "camera" });
  await room.requestKeyframes({ participantId: "nobody", kind: "camera" });
  results.onePli = await eventually(
    async () => {
      const now = { alice: await page.evaluate<number>(`plis("alice")`), carol: await page.evaluate<number>(`plis("carol")`) };
      if (now.alice <= plisBefore.alice) throw new Error(`no PLI at alice yet: ${JSON.stringify({ plisBefore, now })}`);
      return { before: plisBefore, after: now };
    },
    { timeoutMs: 2_000 },
  ).catch((err: Error) => ({ error: err.message }));

  step("carol goes away, bob's subscription shrinks");
  await page.evaluate(`closePc("carol")`);
  await eventually(() => {
    if (!ev("hangup").some((e) => e.type === "hangup" && e.participantId === "carol")) throw new Error("no hangup");
  }, { timeoutMs: 10_000 });
  results.carolGone = events.filter((e) => (e.type === "hangup" || e.type === "feed-down") && e.participantId === "carol");
  const shrunk = await room.subscribe("bob", [alice.feedId]);
  results.shrunk = shrunk ? { streams: shrunk.streams } : null;
  if (shrunk) await room.answer("bob", await page.evaluate<string>(`answer("bob", ${JSON.stringify(shrunk.offerSdp)})`));

  step("leave and destroy");
  await room.leave("alice");
  await room.leave("bob");
  results.aliceDown = ev("feed-down").some((e) => e.type === "feed-down" && e.feedId === alice.feedId);
  await room.destroy();
  page.close();
  results.ok = true;
} catch (err) {
  results.ok = false;
  results.error = err instanceof Error ? `${err.message}\n${err.stack}` : String(err);
} finally {
  // Closing through DevTools lets Chromium reap its helper processes before it exits.
  await browser?.stop();
  server?.stop(true);
  await media.close();
  await janus.stop();
  rmSync(work, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify({ results })}\n`);
process.exit(0);
