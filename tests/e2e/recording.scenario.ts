/**
 * Runs INSIDE the network namespace that recording.e2e.test.ts creates (never start it otherwise):
 * the real server (`bun src/main.ts`, embedded Janus, PGlite in a temp folder) and Chromium driven
 * by playwright-core. A user signs up and creates a meeting, two guests join it in Chromium with
 * their fake cameras, the user records ~6 s from a room socket opened here, and the scenario waits
 * for the WebM, then probes it with ffprobe/ffmpeg. With DICTATE_E2E_S3=1 an s3rver is started in
 * this process (inside the namespace) and the server stores recordings there.
 *
 * Prints one JSON line `{"results": …}` for the test to judge.
 * Environment: DICTATE_E2E_WORK (a folder the test owns and deletes), TMPDIR inside it.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { MEDIA_CHROMIUM_FLAGS, RECORD_PEER_CONNECTIONS } from "../helpers/fake-media.ts";
import { startTestS3, type TestS3 } from "../helpers/s3.ts";
import { closeScenario, noteFailure, reportScenario, startScenarioServer, waiter } from "../helpers/scenario-script.ts";

const work = process.env.DICTATE_E2E_WORK;
if (!work) throw new Error("DICTATE_E2E_WORK is not set: run this through recording.e2e.test.ts");
const useS3 = process.env.DICTATE_E2E_S3 === "1";
const started = performance.now();
const elapsed = () => Math.round(performance.now() - started);
const step = (what: string) => process.stderr.write(`[recording${useS3 ? "/s3" : ""} ${(elapsed() / 1000).toFixed(1)}s] ${what}\n`);
const results: Record<string, unknown> = { s3: useS3 };

const until = waiter({ timeoutMs: 15_000, intervalMs: 100 });

/** Frames decoded so far for every remote video the page receives. */
async function framesDecoded(page: Page): Promise<number[]> {
  return page.evaluate(async () => {
    const out: number[] = [];
    for (const pc of (window as any).__pcs as RTCPeerConnection[]) {
      if (pc.connectionState === "closed") continue;
      (await pc.getStats()).forEach((r: any) => {
        if (r.type === "inbound-rtp" && r.kind === "video") out.push(r.framesDecoded ?? 0);
      });
    }
    return out;
  });
}

const INSTRUMENT = RECORD_PEER_CONNECTIONS;

/** A room socket opened from here, keeping every frame it receives. */
async function roomSocket(url: string, headers: Record<string, string>) {
  const frames: any[] = [];
  const ws = new WebSocket(url, { headers } as any);
  ws.onmessage = (e) => frames.push(JSON.parse(String(e.data)));
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`socket ${url} failed`));
  });
  const wait = (what: string, match: (f: any) => boolean, timeoutMs = 15_000) => until(what, async () => frames.find(match), timeoutMs, 20);
  return { ws, frames, wait, send: (m: object) => ws.send(JSON.stringify(m)) };
}

function run(cmd: string[]) {
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd[0]} failed: ${r.stderr.toString()}`);
  return r.stdout;
}

const port = 3400;
const base = `http://127.0.0.1:${port}`;
const browsers: Browser[] = [];
let server: Bun.Subprocess | null = null;
let s3: TestS3 | null = null;
const serverLog = join(work, "server.log");
const sockets: WebSocket[] = [];

try {
  // Beside the embedded defaults: the S3 server's settings when the run stores there.
  const env: Record<string, string> = {};
  if (useS3) {
    step("starting s3rver inside the namespace");
    s3 = await startTestS3({ bucket: "dictate-e2e" });
    Object.assign(env, {
      S3_BUCKET: s3.options.bucket,
      S3_ENDPOINT: s3.options.endpoint,
      S3_REGION: s3.options.region ?? "us-east-1",
      S3_ACCESS_KEY_ID: s3.options.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.options.secretAccessKey,
    });
  }
  step("starting the server (embedded Janus, PGlite)");
  server = await startScenarioServer({ work, port, env });
  results.serverReadyMs = elapsed();

  step("a user signs up and creates a meeting");
  const signup = await fetch(`${base}/api/auth/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "rec@example.test", username: "recorder", password: "correct horse battery" }),
  });
  results.signupStatus = signup.status;
  const token = /dictate_session=([^;]+)/.exec(signup.headers.get("set-cookie") ?? "")?.[1];
  if (!token) throw new Error(`no session cookie after signup (${signup.status}): ${await signup.text()}`);
  const cookie = `dictate_session=${token}`;
  const created = await fetch(`${base}/api/meetings`, { method: "POST", headers: { "content-type": "application/json", cookie }, body: "{}" });
  results.createStatus = created.status;
  const { meeting } = (await created.json()) as { meeting: { code: string } };

  step(`meeting ${meeting.code}; two guests join in Chromium`);
  const flags = MEDIA_CHROMIUM_FLAGS;
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: flags });
  browsers.push(browser);
  const pageFrames: Record<string, string[]> = {};
  const newPage = async (name: string) => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 640 } });
    await context.addInitScript(INSTRUMENT);
    const page = await context.newPage();
    page.on("pageerror", (err) => process.stderr.write(`[page error] ${err.message}\n`));
    const log: string[] = [];
    pageFrames[name] = log;
    page.on("websocket", (ws) => {
      if (!ws.url().includes("/ws/meetings/")) return;
      ws.on("framereceived", ({ payload }) => log.push(String(payload)));
    });
    return page;
  };
  const people = [
    { name: "Alice", page: await newPage("Alice") },
    { name: "Bob", page: await newPage("Bob") },
  ];
  await Promise.all(
    people.map(async ({ name, page }) => {
      await page.goto(`${base}/m/${meeting.code}`);
      await page.getByLabel("Your name").fill(name);
      await page.getByRole("button", { name: "Join meeting" }).click();
      await page.locator('figure[data-self="true"]').waitFor({ timeout: 15_000 });
    }),
  );
  step("each guest decodes the other's video");
  await Promise.all(
    people.map(async ({ page }) => {
      const before = await until("a remote video", async () => {
        const f = await framesDecoded(page);
        return f.length > 0 && f[0]! > 0 ? f : null;
      }, 20_000, 200);
      await until("frames to keep coming", async () => (await framesDecoded(page))[0]! > before[0]!, 5_000, 200);
    }),
  );
  results.mediaMs = elapsed();

  step("a guest's socket may not record");
  const guest = await roomSocket(`ws://127.0.0.1:${port}/ws/meetings/${meeting.code}`, {});
  sockets.push(guest.ws);
  guest.send({ type: "hello", id: "h", name: "Mallory" });
  await guest.wait("guest welcome", (f) => f.type === "welcome");
  guest.send({ type: "recording.start", id: "g1" });
  results.guestStart = await guest.wait("guest error", (f) => f.type === "error" && f.id === "g1");
  guest.ws.close(1000);

  step("the user records ~6 s from a room socket");
  const user = await roomSocket(`ws://127.0.0.1:${port}/ws/meetings/${meeting.code}`, { cookie });
  sockets.push(user.ws);
  user.send({ type: "hello", id: "h" });
  await user.wait("user welcome", (f) => f.type === "welcome");
  user.send({ type: "recording.start", id: "r1" });
  const startedMsg = await user.wait("recording.started", (f) => f.type === "recording.started" || (f.type === "error" && f.id === "r1"));
  const startedAt = performance.now();
  if (startedMsg.type === "error") throw new Error(`recording.start refused: ${JSON.stringify(startedMsg)}`);
  const recording = startedMsg.recording as { id: string; startedAt: string };
  results.recordingStarted = recording;
  results.startedAtPages = Object.fromEntries(
    await Promise.all(
      Object.entries(pageFrames).map(async ([name, log]) => [
        name,
        await until(`recording.started at ${name}`, async () => log.some((f) => f.includes('"recording.started"')), 5_000)
          .then(() => true)
          .catch(() => false),
      ]),
    ),
  );
  await Bun.sleep(Math.max(0, 6_000 - (performance.now() - startedAt)));
  user.send({ type: "recording.stop", id: "r2" });
  const stoppedMsg = await user.wait("recording.stopped", (f) => f.type === "recording.stopped" || (f.type === "error" && f.id === "r2"));
  const stoppedAt = performance.now();
  if (stoppedMsg.type === "error") throw new Error(`recording.stop refused: ${JSON.stringify(stoppedMsg)}`);
  results.recordingStopped = stoppedMsg.recording;
  results.recordedSpanMs = Math.round(stoppedAt - startedAt);
  results.serverSpanMs = Date.parse(stoppedMsg.recording.stoppedAt) - Date.parse(recording.startedAt);

  step("waiting for the recording to be processed");
  const progress: unknown[] = [];
  const ready = await until(
    "status ready",
    async () => {
      const r = await fetch(`${base}/api/recordings/${recording.id}`, { headers: { cookie } });
      const body = (await r.json()) as { recording: { status: string; progress: number | null } };
      const seen = `${body.recording.status}:${body.recording.progress}`;
      if (progress[progress.length - 1] !== seen) {
        progress.push(seen);
        step(`status ${seen}`);
      }
      if (body.recording.status === "failed") throw new Error(`processing failed: ${JSON.stringify(body)}`);
      return body.recording.status === "ready" ? body.recording : null;
    },
    90_000,
    250,
  );
  results.processingMs = Math.round(performance.now() - stoppedAt);
  results.progressSeen = progress;
  results.ready = ready;
  user.ws.close(1000);

  step("downloading and probing the media");
  const file = join(work, "recording.webm");
  const mediaUrl = `${base}/api/recordings/${recording.id}/media`;
  let full: Response;
  if (useS3) {
    const redirect = await fetch(mediaUrl, { headers: { cookie }, redirect: "manual" });
    const location = redirect.headers.get("location") ?? "";
    results.redirect = { status: redirect.status, toS3: location.startsWith(s3!.endpoint), presigned: /X-Amz-Signature=/.test(location) };
    full = await fetch(location);
    results.presignedStatus = full.status;
  } else {
    full = await fetch(mediaUrl, { headers: { cookie } });
  }
  results.mediaStatus = full.status;
  results.mediaType = full.headers.get("content-type");
  const bytes = new Uint8Array(await full.arrayBuffer());
  writeFileSync(file, bytes);
  results.mediaBytes = bytes.length;
  if (!useS3) {
    const range = await fetch(mediaUrl, { headers: { cookie, range: "bytes=0-99" } });
    const part = new Uint8Array(await range.arrayBuffer());
    results.range = {
      status: range.status,
      contentRange: range.headers.get("content-range"),
      length: part.length,
      sameBytes: part.every((b, i) => b === bytes[i]),
    };
  }
  const probe = JSON.parse(
    run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name,width,height:format=duration", "-of", "json", file]).toString(),
  ) as { streams: { codec_type: string; codec_name: string; width?: number; height?: number }[]; format: { duration: string } };
  results.probe = probe;
  const duration = Number(probe.format.duration);
  results.durationS = duration;
  const video = probe.streams.find((s) => s.codec_type === "video");
  // The middle frame, as grey bytes: the mean brightness of the two grid cells (left/right halves for two tiles).
  const w = video?.width ?? 1280;
  const h = video?.height ?? 720;
  const png = join(work, "middle.png");
  run(["ffmpeg", "-v", "error", "-y", "-ss", (duration / 2).toFixed(2), "-i", file, "-frames:v", "1", png]);
  const gray = run(["ffmpeg", "-v", "error", "-i", png, "-f", "rawvideo", "-pix_fmt", "gray", "-"]);
  // Mean brightness of a rectangle of the frame.
  const mean = (x0: number, y0: number, x1: number, y1: number) => {
    let sum = 0;
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += gray[y * w + x]!;
    return sum / ((x1 - x0) * (y1 - y0));
  };
  // Two tiles: two side-by-side cells (processing.ts gridCells), each a 4:3 camera letterboxed into
  // a half-width, full-height cell, so black bands above and below; one tile alone would fill the
  // full height of the canvas instead.
  results.middleFrame = {
    width: w,
    height: h,
    grayBytes: gray.length,
    leftMean: mean(0, Math.round(h / 4), Math.round(w / 2), Math.round((3 * h) / 4)),
    rightMean: mean(Math.round(w / 2), Math.round(h / 4), w, Math.round((3 * h) / 4)),
    topBandMean: mean(0, 0, w, Math.round(h / 12)),
    bottomBandMean: mean(0, h - Math.round(h / 12), w, h),
  };
  results.ok = true;
} catch (err) {
  noteFailure(results, err, serverLog);
} finally {
  for (const ws of sockets) ws.close();
  await closeScenario(browsers, server);
  await s3?.cleanup().catch(() => undefined);
  results.totalMs = elapsed();
}
reportScenario(results);
