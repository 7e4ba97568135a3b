/**
 * Client weight: what a browser downloads to open a meeting link, measured from a running server in
 * production mode (the same bundle `npm start` and the single binary serve).
 *
 * 1. The meeting page `/m/<code>`: its HTML, then every script and stylesheet it names — raw and
 *    gzip-compressed (level 9, as a reverse proxy or CDN would send it).
 * 2. The lazily loaded parts (`/_lazy/notes-editor` when the notes panel opens, `/_lazy/markdown`
 *    when notes are read under Resources, `/_lazy/meeting-memory` for a meeting's page afterwards),
 *    measured the same way.
 * 3. Background blur and noise suppression (issue 17 item 9), loaded only when switched on: what
 *    Chromium actually fetches when each is switched on on the pre-join screen (their lazy parts,
 *    MediaPipe's scripts, WebAssembly, graph and model, RNNoise's WebAssembly and worklet), each
 *    file's gzip -9 weight.
 * 4. In Chromium (headless, software WebGL, Chromium's fake camera at 640×360): blur's frames per
 *    second (frames the blurred preview presented) and the CPU of every Chromium process, with the
 *    camera previewing and blur off, with blur on, and after switching it off again; noise
 *    suppression's CPU beside them. CPU is 100% per core, read from /proc over 10 s windows.
 * 5. The peer: Jitsi Meet's web app bundle, about 700 KB compressed (its app.bundle.min.js plus
 *    lib-jitsi-meet; a published figure, not measurable here — this machine cannot reach
 *    meet.jit.si, and a self-built Jitsi needs its own toolchain).
 *
 * Run: `node_modules/.bin/bun bench/client-size.ts` (`--no-browser` skips 3 and 4).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Page } from "playwright-core";
import { MEDIA_CHROMIUM_FLAGS } from "../tests/helpers/fake-media.ts";
import { startServer } from "../tests/helpers/server.ts";

const JITSI_COMPRESSED_KB = 700;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

async function assetsOf(base: string, path: string) {
  const html = await (await fetch(base + path)).text();
  const urls = [...html.matchAll(/<(?:script[^>]+src|link[^>]+href)="([^"]+)"/g)].map((m) => m[1]!).filter((u) => !u.startsWith("data:"));
  const files = await Promise.all(
    urls.map(async (u) => {
      const body = new Uint8Array(await (await fetch(new URL(u, base))).arrayBuffer());
      return { url: u, kind: u.endsWith(".css") ? "css" : "js", raw: body.byteLength, gz: Bun.gzipSync(body, { level: 9 }).byteLength };
    }),
  );
  const sum = (kind: string, k: "raw" | "gz") => files.filter((f) => f.kind === kind).reduce((a, f) => a + f[k], 0);
  return { html: html.length, files, js: { raw: sum("js", "raw"), gz: sum("js", "gz") }, css: { raw: sum("css", "raw"), gz: sum("css", "gz") } };
}

/** CPU seconds (user + system) of this process's descendants: Chromium's browser, renderer and GPU processes. */
function childCpuSeconds(): number {
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parent.set(Number(name), Number(fields[1]));
      ticks.set(Number(name), Number(fields[11]) + Number(fields[12]));
    } catch {
      // Gone meanwhile.
    }
  }
  const mine = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === process.pid) return true;
    return false;
  };
  let total = 0;
  for (const [pid, t] of ticks) if (mine(pid)) total += t;
  return total / 100;
}

/** CPU % (of one core) of Chromium over `ms`, and the blurred preview's frames per second if asked. */
async function measure(page: Page, ms: number, countFrames: boolean) {
  const cpu0 = childCpuSeconds();
  const t0 = performance.now();
  const frames = countFrames
    ? page.evaluate(
        (ms) =>
          new Promise<number>((resolve) => {
            const video = document.querySelector('video[aria-label="Your camera preview"]') as HTMLVideoElement;
            let n = 0;
            const count = () => {
              n++;
              video.requestVideoFrameCallback(count);
            };
            video.requestVideoFrameCallback(count);
            setTimeout(() => resolve(n), ms);
          }),
        ms,
      )
    : Bun.sleep(ms).then(() => 0);
  const n = await frames;
  const seconds = (performance.now() - t0) / 1000;
  return { cpu: ((childCpuSeconds() - cpu0) / seconds) * 100, fps: n / (ms / 1000) };
}

async function effectsInChromium(base: string, code: string) {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: MEDIA_CHROMIUM_FLAGS });
  try {
    const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 800 }, permissions: ["camera", "microphone"] });
    await context.addInitScript(`(() => { window.__canvasTracks = []; const c = HTMLCanvasElement.prototype.captureStream; HTMLCanvasElement.prototype.captureStream = function (...a) { const s = c.apply(this, a); window.__canvasTracks.push(...s.getVideoTracks()); return s; }; })();`);
    const page = await context.newPage();
    const fetched: string[] = [];
    page.on("requestfinished", (r) => fetched.push(new URL(r.url()).pathname));
    await page.goto(`/m/${code}`);
    const blur = page.getByRole("checkbox", { name: "Blur my background" });
    await page.waitForFunction(() => (document.querySelector('video[aria-label="Your camera preview"]') as HTMLVideoElement | null)?.videoWidth);
    const size = await page.evaluate(() => {
      const v = document.querySelector('video[aria-label="Your camera preview"]') as HTMLVideoElement;
      return `${v.videoWidth}×${v.videoHeight}`;
    });
    await Bun.sleep(2_000);
    const idle = await measure(page, 10_000, false);
    const before = fetched.length;
    const clicked = performance.now();
    await blur.check();
    await page.waitForFunction(() => (window as unknown as { __canvasTracks: unknown[] }).__canvasTracks.length > 0, undefined, { timeout: 60_000 });
    const startMs = performance.now() - clicked;
    const blurFiles = fetched.slice(before);
    await Bun.sleep(3_000);
    const on = await measure(page, 10_000, true);
    await blur.uncheck();
    await Bun.sleep(2_000);
    const off = await measure(page, 10_000, false);
    const beforeNoise = fetched.length;
    await page.getByRole("checkbox", { name: "Suppress background noise" }).check();
    await page.waitForFunction(() => !document.querySelector(".effect-toggle [role=status]"), undefined, { timeout: 30_000 });
    await Bun.sleep(2_000);
    // The worklet's own script is fetched by audioWorklet.addModule, which the page's network events do not show.
    const workletPage = await (await fetch(`${base}/_lazy/noise-worklet`)).text();
    const noiseFiles = [...fetched.slice(beforeNoise), new URL(/<script[^>]+src="([^"]+)"/.exec(workletPage)![1]!, base).pathname];
    const noise = await measure(page, 10_000, false);
    return { size, idle, on, off, noise, startMs, blurFiles, noiseFiles };
  } finally {
    await browser.close();
  }
}

/** gzip -9 weight of each file fetched, as the server sends it. */
async function weigh(base: string, paths: string[]) {
  const files = await Promise.all(
    [...new Set(paths)].map(async (path) => {
      const body = new Uint8Array(await (await fetch(base + path)).arrayBuffer());
      return { path, raw: body.byteLength, gz: Bun.gzipSync(body, { level: 9 }).byteLength };
    }),
  );
  return { files, raw: files.reduce((a, f) => a + f.raw, 0), gz: files.reduce((a, f) => a + f.gz, 0) };
}

const dir = mkdtempSync(join(tmpdir(), "dictate-bench-client-"));
const server = await startServer({ DATA_DIR: dir, NODE_ENV: "production" });
try {
  const { meeting } = (await (await fetch(`${server.url}/api/meetings`, { method: "POST", headers: { "content-type": "application/json", origin: server.url }, body: "{}" })).json()) as { meeting: { code: string } };
  const page = await assetsOf(server.url, `/m/${meeting.code}`);
  const editor = await assetsOf(server.url, "/_lazy/notes-editor");
  const markdown = await assetsOf(server.url, "/_lazy/markdown");
  const memory = await assetsOf(server.url, "/_lazy/meeting-memory");
  console.log("Client weight (gzip -9 of what the server sends)");
  console.log(`  meeting page, initial JavaScript : ${kb(page.js.gz)} gz (${kb(page.js.raw)} raw)   aim ≤ 60 KB gz`);
  console.log(`  meeting page, CSS                : ${kb(page.css.gz)} gz (${kb(page.css.raw)} raw)`);
  console.log(`  meeting page, HTML               : ${kb(page.html)}`);
  console.log(`  notes editor (lazy, on opening)  : ${kb(editor.js.gz + editor.css.gz)} gz (${kb(editor.js.raw + editor.css.raw)} raw)`);
  console.log(`  Markdown renderer (lazy)         : ${kb(markdown.js.gz + markdown.css.gz)} gz (${kb(markdown.js.raw + markdown.css.raw)} raw)`);
  console.log(`  meeting page afterwards (/m/:code/memory): the app's initial JS above + ${kb(memory.js.gz + memory.css.gz)} gz lazy (${kb(memory.js.raw + memory.css.raw)} raw)`);
  const total = page.js.gz + page.css.gz + editor.js.gz + editor.css.gz;
  console.log(`  meeting with notes open, in all  : ${kb(total)} gz`);
  if (!process.argv.includes("--no-browser")) {
    const fx = await effectsInChromium(server.url, meeting.code);
    const blurWeight = await weigh(server.url, fx.blurFiles);
    const noiseWeight = await weigh(server.url, fx.noiseFiles);
    const list = (w: Awaited<ReturnType<typeof weigh>>) => w.files.map((f) => `      ${f.path}: ${kb(f.gz)} gz (${kb(f.raw)} raw)`).join("\n");
    console.log(`  background blur (lazy, on switching it on): ${kb(blurWeight.gz)} gz (${kb(blurWeight.raw)} raw), ${blurWeight.files.length} files:`);
    console.log(list(blurWeight));
    console.log(`  noise suppression (lazy, on switching it on): ${kb(noiseWeight.gz)} gz (${kb(noiseWeight.raw)} raw), ${noiseWeight.files.length} files:`);
    console.log(list(noiseWeight));
    const pct = (x: number) => `${x.toFixed(0)}%`;
    console.log(`Effects in Chromium (headless, software WebGL; camera ${fx.size}; CPU of all Chromium processes, 100% = one core)`);
    console.log(`  preview, no effect       : CPU ${pct(fx.idle.cpu)}`);
    console.log(`  background blur on       : ${fx.on.fps.toFixed(1)} fps, CPU ${pct(fx.on.cpu)} (running ${(fx.startMs / 1000).toFixed(1)} s after switching on: part, WebAssembly and model fetched and started)`);
    console.log(`  blur switched off again  : CPU ${pct(fx.off.cpu)}`);
    console.log(`  noise suppression on     : CPU ${pct(fx.noise.cpu)}`);
  }
  console.log(`  peer: Jitsi Meet app bundle      : ~${JITSI_COMPRESSED_KB} KB compressed (published figure)`);
  console.log(`  initial JS vs Jitsi              : ${((page.js.gz / 1024 / JITSI_COMPRESSED_KB) * 100).toFixed(1)}%`);
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
