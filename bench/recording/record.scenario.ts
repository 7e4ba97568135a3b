/**
 * Runs INSIDE the network namespace bench/recording.ts creates (never start it otherwise): an
 * embedded Janus, the Janus adapter, a page on 127.0.0.1 and headless Chromium. N participants
 * publish (fake camera + a tone each), the room records for S seconds, and the .mjr files are left
 * in the folder given as the first argument. Usage: record.scenario.ts <folder> <participants> <seconds>
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { createJanusMediaServer, startEmbeddedJanus, type MediaEvent } from "../../src/media/index.ts";
import { launchChromium } from "../../tests/helpers/cdp.ts";
import { eventually } from "../../tests/helpers/eventually.ts";

const outDir = process.argv[2];
const participants = Number(process.argv[3] ?? 2);
const seconds = Number(process.argv[4] ?? 60);
if (!outDir) throw new Error("usage: record.scenario.ts <output folder> <participants> <seconds>");
mkdirSync(outDir, { recursive: true });
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

const PAGE = `<!doctype html><meta charset="utf-8"><title>rec</title><script>
const pcs = {};
async function gathered(pc) {
  if (pc.iceGatheringState === "complete") return;
  await new Promise((resolve) => pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && resolve()));
}
window.publish = async (name, freq) => {
  const pc = new RTCPeerConnection();
  const ctx = new AudioContext();
  const osc = ctx.createOscillator();
  osc.frequency.value = freq;
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
</script>`;

const work = mkdtempSync(join(tmpdir(), "dictate-bench-record-"));
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
  const page = await browser.page(`http://127.0.0.1:${server.port}/`);
  await eventually(
    async () => {
      if (!(await page.evaluate<boolean>("typeof window.publish === 'function'"))) throw new Error("page not loaded yet");
    },
    { timeoutMs: 5000 },
  );
  const room = await media.openRoom("record-mjr-code");
  const events: MediaEvent[] = [];
  room.onEvent((e) => events.push(e));
  const up = (feedId: number) => events.some((e) => e.type === "feed-up" && e.feedId === feedId);

  const feeds: number[] = [];
  for (let i = 0; i < participants; i++) {
    const name = `p${i}`;
    const pub = await room.publish(name, "camera", await page.evaluate<string>(`publish("${name}", ${330 + 110 * i})`), name);
    await page.evaluate(`accept("${name}", ${JSON.stringify(pub.answerSdp)})`);
    await eventually(() => {
      if (!up(pub.feedId)) throw new Error(`${name} not up`);
    }, { timeoutMs: 10_000 });
    feeds.push(pub.feedId);
  }
  const t0 = Date.now();
  await room.setRecording(true, outDir);
  await Bun.sleep(500);
  await room.requestKeyframes();
  await Bun.sleep(seconds * 1000 - 500);
  await room.setRecording(false, outDir);
  results.recordedMs = Date.now() - t0;
  await Bun.sleep(300);
  for (let i = 0; i < participants; i++) await room.leave(`p${i}`);
  await room.destroy();
  page.close();
  results.feeds = feeds;
  results.files = readdirSync(outDir).filter((f) => f.endsWith(".mjr"));
  results.ok = true;
} catch (err) {
  results.ok = false;
  results.error = err instanceof Error ? `${err.message}\n${err.stack}` : String(err);
} finally {
  await browser?.stop();
  server?.stop(true);
  await media.close();
  await janus.stop();
  rmSync(work, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify({ results })}\n`);
process.exit(0);
