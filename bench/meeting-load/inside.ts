/**
 * The measuring half of bench/meeting-load.ts: runs INSIDE the namespace that script creates (never
 * start it otherwise). Prints one JSON line `{"bench": …}`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { MEDIA_CHROMIUM_FLAGS, RECORD_PEER_CONNECTIONS } from "../../tests/helpers/fake-media.ts";
import { cpuBetween, cpuSnapshot } from "../join/proc.ts";

export interface TileSample {
  width: number;
  height: number;
  fps: number;
}
export interface PageSample {
  bytesPerS: number;
  decodePct: number;
  encodePct: number;
  /** The longest single layer's encode time, % of a core. */
  encodeMaxPct: number;
  /** Each camera encoding's encode time per frame (ms), by rid. */
  encodeMsPerFrame: Record<string, number | null>;
  tiles: TileSample[];
}
export interface LoadSample {
  mode: "simulcast" | "today";
  people: number;
  flowing: boolean;
  chromiumPct: number;
  pages: PageSample[];
  stageWidth: number | null;
}

const ROOT = resolve(import.meta.dir, "../..");
const work = process.env.DICTATE_BENCH_WORK;
if (!work) throw new Error("DICTATE_BENCH_WORK is not set: run bench/meeting-load.ts");
const SIZES = (process.env.BENCH_SIZES ?? "2,4,6,8").split(",").map(Number).filter((n) => n >= 2);
const MODES = (process.env.BENCH_MODES ?? "simulcast,today").split(",") as LoadSample["mode"][];
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 5_000);
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 10_000);
const started = performance.now();
const step = (what: string) => process.stderr.write(`[meeting-load ${((performance.now() - started) / 1000).toFixed(1)}s] ${what}\n`);

/** Every process descending from this one (the server, Janus, Chromium and its helpers). */
function descendants(): number[] {
  const parent = new Map<number, number>();
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      parent.set(Number(e), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // Gone.
    }
  }
  const out: number[] = [];
  for (const pid of parent.keys()) {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === process.pid) {
        out.push(pid);
        break;
      }
    }
  }
  return out;
}
const isChromium = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("chromium");
  } catch {
    return false;
  }
};

/** Seconds each camera encoding spent encoding between two readings. */
const encodeDeltas = (a: Record<string, { seconds: number }>, b: Record<string, { seconds: number }>) =>
  Object.entries(b).map(([rid, e]) => e.seconds - (a[rid]?.seconds ?? e.seconds));

/** One page's counters now. */
async function counters(page: Page) {
  return page.evaluate(async () => {
    let bytes = 0;
    let decode = 0;
    // Per camera encoding (rid): the layers' encode times may overlap (see encodePct).
    const encode: Record<string, { seconds: number; frames: number }> = {};
    const video = new Map<string, { w: number; h: number; frames: number }>();
    for (const pc of (window as any).__pcs as RTCPeerConnection[]) {
      if (pc.connectionState === "closed") continue;
      (await pc.getStats()).forEach((r: any) => {
        if (r.type === "inbound-rtp") {
          bytes += r.bytesReceived ?? 0;
          if (r.kind === "video") {
            decode += r.totalDecodeTime ?? 0;
            video.set(r.trackIdentifier, { w: r.frameWidth ?? 0, h: r.frameHeight ?? 0, frames: r.framesDecoded ?? 0 });
          }
        }
        if (r.type === "outbound-rtp" && r.kind === "video") encode[r.rid ?? r.id] = { seconds: r.totalEncodeTime ?? 0, frames: r.framesEncoded ?? 0 };
      });
    }
    const shown = [...document.querySelectorAll<HTMLVideoElement>('figure.tile[data-self="false"][data-kind="camera"] video')].flatMap((v) => ((v.srcObject as MediaStream | null)?.getVideoTracks() ?? []).map((t) => t.id));
    return { bytes, decode, encode, tiles: shown.map((id) => ({ id, ...(video.get(id) ?? { w: 0, h: 0, frames: 0 }) })), at: performance.now() };
  });
}

const port = 3600 + (process.pid % 200);
const base = `http://127.0.0.1:${port}`;
const results: { ok: boolean; error?: string; samples: LoadSample[]; chromium?: string } = { ok: false, samples: [] };
let server: Bun.Subprocess | null = null;
let browser: Browser | null = null;

try {
  step("starting the server (production, embedded Janus)");
  server = Bun.spawn([process.execPath, "src/main.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: work, TMPDIR: process.env.TMPDIR ?? work, DATA_DIR: join(work, "data"), HOST: "127.0.0.1", PORT: String(port), NODE_ENV: "production", LOG_LEVEL: "warn" },
    stdin: "ignore",
    stdout: Bun.file(join(work, "server.log")),
    stderr: Bun.file(join(work, "server.err")),
  });
  for (let i = 0; ; i++) {
    if (await fetch(`${base}/healthz`).then((r) => r.ok).catch(() => false)) break;
    if (i > 400 || server.exitCode !== null) throw new Error("the server did not come up");
    await Bun.sleep(200);
  }
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: MEDIA_CHROMIUM_FLAGS });
  results.chromium = browser.version();

  for (const people of SIZES) {
    for (const mode of MODES) {
      step(`${mode}: ${people} people join`);
      const { meeting } = (await (await fetch(`${base}/api/meetings`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).json()) as { meeting: { code: string } };
      const contexts: BrowserContext[] = [];
      const pages: Page[] = [];
      try {
        for (let i = 0; i < people; i++) {
          const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
          contexts.push(context);
          await context.addInitScript(RECORD_PEER_CONNECTIONS);
          if (mode === "today") await context.addInitScript(() => localStorage.setItem("dictate.simulcast", "off"));
          const page = await context.newPage();
          await page.goto(`${base}/m/${meeting.code}`);
          await page.getByLabel("Your name").fill(`P${i + 1}`);
          await page.getByRole("button", { name: "Join meeting" }).click();
          await page.locator('figure[data-self="true"]').waitFor({ timeout: 30_000 });
          pages.push(page);
        }
        // Every page decodes N − 1 videos.
        let flowing = false;
        const deadline = Date.now() + 90_000;
        while (Date.now() < deadline && !flowing) {
          const a = await Promise.all(pages.map(counters));
          await Bun.sleep(1_000);
          const b = await Promise.all(pages.map(counters));
          flowing = b.every((c, i) => c.tiles.length === people - 1 && c.tiles.every((t) => t.frames > (a[i]!.tiles.find((x) => x.id === t.id)?.frames ?? Infinity)));
        }
        step(`${mode}: ${people} people, all flowing: ${flowing}; settling, then measuring ${WINDOW_MS / 1000} s`);
        await Bun.sleep(SETTLE_MS);
        const cpu0 = cpuSnapshot(descendants().filter(isChromium));
        const c0 = await Promise.all(pages.map(counters));
        await Bun.sleep(WINDOW_MS);
        const c1 = await Promise.all(pages.map(counters));
        const cpu1 = cpuSnapshot(descendants().filter(isChromium));
        const seconds = (c1[0]!.at - c0[0]!.at) / 1000;
        const chromiumS = cpuBetween(cpu0, cpu1);
        const pageSamples: PageSample[] = c1.map((b, i) => {
          const a = c0[i]!;
          const s = (b.at - a.at) / 1000;
          return {
            bytesPerS: (b.bytes - a.bytes) / s,
            decodePct: ((b.decode - a.decode) / s) * 100,
            // Both the sum of the layers' times and the longest: where Chromium encodes the layers in
            // one call each reports the whole call (the sum counts it once per layer), where it
            // encodes them apart the sum is the cost. The truth lies between.
            encodePct: (encodeDeltas(a.encode, b.encode).reduce((n, d) => n + d, 0) / s) * 100,
            encodeMaxPct: (Math.max(0, ...encodeDeltas(a.encode, b.encode)) / s) * 100,
            encodeMsPerFrame: Object.fromEntries(
              Object.entries(b.encode).map(([rid, e]) => {
                const before = a.encode[rid] ?? e;
                return [rid, e.frames > before.frames ? Math.round(((e.seconds - before.seconds) / (e.frames - before.frames)) * 10_000) / 10 : null];
              }),
            ),
            tiles: b.tiles.map((t) => ({ width: t.w, height: t.h, fps: (t.frames - (a.tiles.find((x) => x.id === t.id)?.frames ?? t.frames)) / s })),
          };
        });
        // The stage: the first page pins the first other person and reads its decoded width.
        let stageWidth: number | null = null;
        try {
          await pages[0]!.getByRole("button", { name: /^Pin P\d+$/ }).first().click({ timeout: 15_000 });
          await Bun.sleep(4_000);
          const st = await pages[0]!.evaluate(async () => {
            const v = document.querySelector<HTMLVideoElement>('.stage-main figure[data-self="false"] video');
            const id = (v?.srcObject as MediaStream | null)?.getVideoTracks()[0]?.id;
            let w = 0;
            for (const pc of (window as any).__pcs as RTCPeerConnection[]) (await pc.getStats()).forEach((r: any) => r.type === "inbound-rtp" && r.trackIdentifier === id && (w = r.frameWidth ?? 0));
            return w;
          });
          stageWidth = st || null;
        } catch (err) {
          step(`stage check failed: ${(err as Error).message.split("\n")[0]}`);
        }
        results.samples.push({ mode, people, flowing, chromiumPct: (chromiumS / seconds) * 100, pages: pageSamples, stageWidth });
        const last = results.samples.at(-1)!;
        step(`${mode} ${people}: ${((last.pages.reduce((n, p) => n + p.bytesPerS, 0) / people) * 8 / 1000).toFixed(0)} kbit/s per page, Chromium ${(last.chromiumPct / people).toFixed(0)} % per page, stage ${stageWidth}; page 1's encode ms/frame by layer ${JSON.stringify(last.pages[0]?.encodeMsPerFrame)}`);
      } finally {
        await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
        await Bun.sleep(2_000);
      }
    }
  }
  results.ok = true;
} catch (err) {
  results.error = (err as Error).stack ?? String(err);
} finally {
  await browser?.close().catch(() => undefined);
  if (server) {
    server.kill("SIGTERM");
    await Promise.race([server.exited, Bun.sleep(5_000)]);
    if (server.exitCode === null) server.kill("SIGKILL");
  }
  process.stdout.write(`${JSON.stringify({ bench: results })}\n`);
  process.exit(0);
}
