/**
 * Runs INSIDE the network namespace that bench/join.ts creates (never start it otherwise): the
 * real server (`bun src/main.ts`, embedded Janus, PGlite in a temp folder), one Debian Chromium
 * driven by playwright-core, a tiny HTTP server for the bare pages and janode for the bare path.
 * Prints progress on stderr and, last, one JSON line `{"bench": …}` on stdout for bench/join.ts.
 *
 * Environment: DICTATE_BENCH_WORK (a folder bench/join.ts owns and deletes), TMPDIR inside it;
 * BENCH_JOINS (20), BENCH_WARMUP (2), BENCH_CPU_PARTICIPANTS ("2,4,6"), BENCH_SETTLE_MS (5000),
 * BENCH_WINDOW_MS (15000), BENCH_NODE_ENV ("production", as scripts/start.sh runs the server).
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { BareJanus } from "./bare.ts";
import { BARE_PUBLISHER_PAGE, BARE_SUBSCRIBER_PAGE, INSTRUMENT, type JoinMarks } from "./page-scripts.ts";
import { chromiumPids, cpuBetween, cpuSeconds, cpuSnapshot } from "./proc.ts";
import { LOAD_GENERATOR_ENV } from "../load-env.ts";
import { waiter } from "../../tests/helpers/scenario-script.ts";

const ROOT = join(import.meta.dir, "../..");
const work = process.env.DICTATE_BENCH_WORK;
if (!work) throw new Error("DICTATE_BENCH_WORK is not set: run this through bench/join.ts");
const numberEnv = (name: string, fallback: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v >= 0 ? v : fallback;
};
const JOINS = numberEnv("BENCH_JOINS", 20);
const WARMUP = numberEnv("BENCH_WARMUP", 2);
const CPU_PARTICIPANTS = (process.env.BENCH_CPU_PARTICIPANTS ?? "2,4,6").split(",").map(Number).filter((n) => n >= 1);
const SETTLE_MS = numberEnv("BENCH_SETTLE_MS", 5_000);
const WINDOW_MS = numberEnv("BENCH_WINDOW_MS", 15_000);
const JOIN_TIMEOUT_MS = 15_000;
const MAX_FAILURES_IN_A_ROW = 3;
/** The joins stop (and say so) past this, so the CPU part still runs within the bench's budget. */
const JOINS_DEADLINE_MS = 200_000;

const started = performance.now();
const elapsed = () => Math.round(performance.now() - started);
const step = (what: string) => process.stderr.write(`[join ${(elapsed() / 1000).toFixed(1)}s] ${what}\n`);
const results: Record<string, unknown> = {};

const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
  "--autoplay-policy=no-user-gesture-required",
  "--disable-features=WebRtcHideLocalIpsWithMdns",
];
const VIEWPORT = { width: 1000, height: 640 };

// ---------------------------------------------------------------------------------------------

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms))),
  ]);
}

// Every wait names its own timeout.
const until = waiter({ timeoutMs: 15_000, intervalMs: 100 });

function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = s;
  s.stop(true);
  return port;
}

function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** One join's figures, in ms from just before `page.goto` (null: that milestone was not seen). */
export interface JoinSample {
  /** Driver clock: the `benchFirstFrame` binding's arrival. The figure. */
  ms: number;
  /** `page.goto` resolved (the load event). */
  loaded: number;
  /** Dictate only: the Join button was clicked. */
  clicked: number | null;
  navStart: number;
  prompt: number | null;
  submit: number | null;
  wsCreated: number | null;
  wsOpen: number | null;
  welcome: number | null;
  /** Lobby joins only: `lobby.waiting` received (knocked). */
  waiting: number | null;
  offerMessage: number | null;
  gum: number | null;
  gumDone: number | null;
  offer: number | null;
  answer: number | null;
  gathered: number | null;
  track: number | null;
  connected: number | null;
  /** Page clock (epoch), the rVFC callback itself. */
  firstFrame: number | null;
  frameReceived: number | null;
  decoded: number | null;
  width: number;
  height: number;
}

function toSample(t0Epoch: number, t0: number, arrived: number, loaded: number, clicked: number | null, marks: JoinMarks): JoinSample {
  const rel = (v: number | null) => (v === null ? null : v - t0Epoch);
  return {
    ms: arrived - t0,
    loaded: loaded - t0,
    clicked: clicked === null ? null : clicked - t0,
    navStart: marks.navStart - t0Epoch,
    prompt: rel(marks.promptAt),
    submit: rel(marks.submitAt),
    wsCreated: rel(marks.wsCreatedAt),
    wsOpen: rel(marks.wsOpenAt),
    welcome: rel(marks.welcomeAt),
    waiting: rel(marks.waitingAt),
    offerMessage: rel(marks.offerMessageAt),
    gum: rel(marks.gumAt),
    gumDone: rel(marks.gumDoneAt),
    offer: rel(marks.offerAt),
    answer: rel(marks.answerAt),
    gathered: rel(marks.gatheredAt),
    track: rel(marks.trackAt),
    connected: rel(marks.connectedAt),
    firstFrame: rel(marks.firstFrameAt),
    frameReceived: rel(marks.frameReceivedAt),
    decoded: rel(marks.decodedAt),
    width: marks.width,
    height: marks.height,
  };
}

async function newInstrumentedContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  await context.addInitScript(INSTRUMENT);
  return context;
}

/** Joins the meeting page as a guest exactly like tests/e2e/meeting-media.scenario.ts. */
async function guestJoin(page: Page, url: string, name: string) {
  await page.goto(url);
  await page.getByLabel("Your name").fill(name);
  await page.getByRole("button", { name: "Join meeting" }).click();
}

/**
 * The getStats cross-check's stamp, read after the first frame was reported (the poll can be later
 * than the rVFC callback, whose JSON snapshot would then miss it). Waits at most 1 s.
 */
function decodedLater(page: Page): Promise<number | null> {
  return page.evaluate(
    () =>
      new Promise<number | null>((resolve) => {
        const started = Date.now();
        const check = () => {
          const at = (window as any).__benchMarks.decodedAt as number | null;
          if (at !== null || Date.now() - started > 1_000) resolve(at);
          else setTimeout(check, 20);
        };
        check();
      }),
  );
}

/** Per inbound video stream of the page (all its PeerConnections): framesDecoded, keyed by stream. */
async function inboundFrames(page: Page): Promise<Record<string, number>> {
  return page.evaluate(async () => {
    const out: Record<string, number> = {};
    const pcs = ((window as any).__pcs as RTCPeerConnection[]).filter((pc) => pc.connectionState !== "closed");
    for (const [i, pc] of pcs.entries()) {
      (await pc.getStats()).forEach((r: any) => {
        if (r.type === "inbound-rtp" && r.kind === "video") out[`${i}:${r.id}`] = r.framesDecoded ?? 0;
      });
    }
    return out;
  });
}

// ---------------------------------------------------------------------------------------------

const dataDir = join(work, "data");
mkdirSync(dataDir, { recursive: true });
const port = freePort();
const base = `http://127.0.0.1:${port}`;
let server: Bun.Subprocess | null = null;
let browser: Browser | null = null;
let bareHttp: ReturnType<typeof Bun.serve> | null = null;
let bare: BareJanus | null = null;
const serverErr = join(work, "server.err");
const serverOut = join(work, "server.log");
const pageErrors: string[] = [];

try {
  step("starting the Dictate server (embedded Janus, PGlite)");
  server = Bun.spawn([process.execPath, "src/main.ts"], {
    cwd: ROOT,
    // Only what the server needs: no JANUS_BIN / JANUS_URL means the embedded Janus; no DATABASE_URL means PGlite.
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: work, TMPDIR: process.env.TMPDIR ?? work, DATA_DIR: dataDir, HOST: "127.0.0.1", PORT: String(port), LOG_LEVEL: "warn", NODE_ENV: process.env.BENCH_NODE_ENV ?? "production", ...LOAD_GENERATOR_ENV },
    stdin: "ignore",
    stdout: Bun.file(serverOut),
    stderr: Bun.file(serverErr),
  });
  const serverPid = server.pid;
  process.stdout.write(`${JSON.stringify({ pids: { server: serverPid } })}\n`);
  await until(
    "the server to answer /healthz",
    async () => {
      if (server!.exitCode !== null) throw new Error(`the server exited with ${server!.exitCode}: ${readFileSync(serverErr, "utf8")}`);
      return (await fetch(`${base}/healthz`).then((r) => r.ok).catch(() => false)) || null;
    },
    90_000,
    200,
  );
  results.serverReadyMs = elapsed();
  results.nodeEnv = process.env.BENCH_NODE_ENV ?? "production";
  const janusDir = join(dataDir, "janus");
  const janusPid = () => Number(readFileSync(join(janusDir, "janus.pid"), "utf8").trim());
  const wsPort = /ws_port\s*=\s*(\d+)/.exec(readFileSync(join(janusDir, "conf", "janus.transport.websockets.jcfg"), "utf8"))?.[1];
  if (!wsPort) throw new Error("cannot find the embedded Janus's ws_port");
  const janusUrl = `ws://127.0.0.1:${wsPort}`;
  // The embedded Janus refuses requests without its per-start api_secret, written in its own config.
  const apiSecret = /api_secret\s*=\s*"([^"]+)"/.exec(readFileSync(join(janusDir, "conf", "janus.jcfg"), "utf8"))?.[1];
  results.janus = { pid: janusPid(), url: janusUrl };
  step(`server pid ${serverPid} ready on ${base}; embedded Janus pid ${janusPid()} at ${janusUrl}`);

  const { meeting } = (await (await fetch(`${base}/api/meetings`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).json()) as {
    meeting: { code: string };
  };
  const meetingUrl = `${base}/m/${meeting.code}`;
  results.meetingCode = meeting.code;

  bareHttp = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (req) => {
      const path = new URL(req.url).pathname;
      const body = path === "/pub" ? BARE_PUBLISHER_PAGE : path === "/sub" ? BARE_SUBSCRIBER_PAGE : null;
      return body ? new Response(body, { headers: { "content-type": "text/html; charset=utf-8" } }) : new Response("not found", { status: 404 });
    },
  });
  const bareBase = `http://127.0.0.1:${bareHttp.port}`;

  step("launching Chromium");
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: FLAGS });
  results.chromium = browser.version();
  const b = browser;
  const watchErrors = (page: Page, who: string) => page.on("pageerror", (err) => pageErrors.length < 50 && pageErrors.push(`${who}: ${err.message}`));

  // --- The publishers: one in the Dictate meeting, one in a bare VideoRoom on the same Janus. ---
  step(`Dictate publisher joins ${meetingUrl}`);
  const pubStarted = performance.now();
  const publisherContext = await newInstrumentedContext(b);
  const publisher = await publisherContext.newPage();
  watchErrors(publisher, "publisher");
  await guestJoin(publisher, meetingUrl, "Publisher");
  await publisher.locator('figure[data-self="true"]').waitFor({ timeout: 15_000 });
  // Its camera PeerConnection is up (ICE + DTLS), so Janus has a live feed to offer joiners.
  await until(
    "the Dictate publisher's camera to connect",
    () => publisher.evaluate(() => ((window as any).__pcs as any[]).some((pc) => !pc.__benchSubscriber && pc.connectionState === "connected")),
    15_000,
  );
  results.dictatePublisherUpMs = Math.round(performance.now() - pubStarted);

  // --- The lobby path: a signed-in host's meeting with the lobby on; the host publishes from the
  // real page, and a host socket of the same user admits every knock the moment it hears it (the
  // machinery's cost, not a person's reaction time). ---
  step("lobby meeting: a signed-in host publishes; a host socket admits each knock at once");
  const hostHandle = `bench${Date.now().toString(36)}`;
  const signup = await fetch(`${base}/api/auth/signup`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: base },
    body: JSON.stringify({ email: `${hostHandle}@example.test`, username: hostHandle, password: "correct horse battery staple" }),
  });
  if (signup.status !== 201) throw new Error(`host signup: ${signup.status} ${await signup.text()}`);
  const hostCookie = (signup.headers.get("set-cookie") ?? "").split(";")[0]!;
  const lobbyMeeting = (await (
    await fetch(`${base}/api/meetings`, { method: "POST", headers: { "content-type": "application/json", origin: base, cookie: hostCookie }, body: JSON.stringify({ lobby: true }) })
  ).json()) as { meeting: { code: string; lobby: boolean } };
  if (!lobbyMeeting.meeting.lobby) throw new Error("the lobby meeting has no lobby");
  const lobbyUrl = `${base}/m/${lobbyMeeting.meeting.code}`;
  const hostContext = await newInstrumentedContext(b);
  const [name, value] = [hostCookie.slice(0, hostCookie.indexOf("=")), hostCookie.slice(hostCookie.indexOf("=") + 1)];
  await hostContext.addCookies([{ name, value, url: base }]);
  const lobbyHost = await hostContext.newPage();
  watchErrors(lobbyHost, "lobby host");
  await lobbyHost.goto(lobbyUrl);
  await lobbyHost.getByRole("button", { name: "Join meeting" }).click();
  await lobbyHost.locator('figure[data-self="true"]').waitFor({ timeout: 15_000 });
  await until(
    "the lobby host's camera to connect",
    () => lobbyHost.evaluate(() => ((window as any).__pcs as any[]).some((pc) => !pc.__benchSubscriber && pc.connectionState === "connected")),
    15_000,
  );
  const admitter = new WebSocket(`${base.replace(/^http/, "ws")}/ws/meetings/${lobbyMeeting.meeting.code}`, { headers: { cookie: hostCookie, origin: base } } as never);
  await new Promise<void>((resolve, reject) => {
    admitter.onopen = () => resolve();
    admitter.onerror = () => reject(new Error("the admitting host socket did not open"));
  });
  admitter.onmessage = (e) => {
    const m = JSON.parse(String(e.data)) as { type: string; entry?: { id: string } };
    if (m.type === "lobby.knock" && m.entry) admitter.send(JSON.stringify({ type: "lobby.admit", participantId: m.entry.id }));
  };
  admitter.send(JSON.stringify({ type: "hello" }));
  await until("the host page to show the admitting socket", async () => (await lobbyHost.locator("figure").count()) === 2, 15_000);
  const lobbyTiles = await lobbyHost.locator("figure").count();

  step("bare publisher (raw WebRTC page + janode) on the same Janus");
  const bareStarted = performance.now();
  bare = await BareJanus.connect(janusUrl, apiSecret);
  const bareJanus = bare;
  const barePubContext = await b.newContext({ viewport: VIEWPORT });
  const barePublished: { up: Promise<void> | null } = { up: null };
  await barePubContext.exposeFunction("benchPublish", async (sdp: string) => {
    const published = await bareJanus.publish(sdp);
    barePublished.up = published.up;
    return published.answerSdp;
  });
  const barePublisher = await barePubContext.newPage();
  watchErrors(barePublisher, "bare publisher");
  await barePublisher.goto(`${bareBase}/pub`);
  await barePublisher.evaluate(() => (window as any).publish());
  await withTimeout(barePublished.up ?? Promise.reject(new Error("bare publisher not published")), 15_000, "the bare publisher's webrtcup");
  results.barePublisherUpMs = Math.round(performance.now() - bareStarted);
  results.bareRoom = { room: bareJanus.room, feed: bareJanus.feed };
  await Bun.sleep(1_000);

  // --- Joins. ---
  const dictateJoin = async (index: number): Promise<JoinSample> => {
    const context = await newInstrumentedContext(b);
    try {
      const first = deferred<{ at: number; marks: JoinMarks }>();
      await context.exposeFunction("benchFirstFrame", (json: string) => first.resolve({ at: performance.now(), marks: JSON.parse(json) }));
      const page = await context.newPage();
      watchErrors(page, `dictate joiner ${index}`);
      const t0 = performance.now();
      const t0Epoch = performance.timeOrigin + t0;
      await page.goto(meetingUrl);
      const loaded = performance.now();
      await page.getByLabel("Your name").fill(`Joiner ${index}`);
      await page.getByRole("button", { name: "Join meeting" }).click();
      const clicked = performance.now();
      const { at, marks } = await withTimeout(first.promise, JOIN_TIMEOUT_MS, "the first remote frame (Dictate)");
      marks.decodedAt = await decodedLater(page);
      return toSample(t0Epoch, t0, at, loaded, clicked, marks);
    } finally {
      await context.close().catch(() => undefined);
      // Back to one publisher: its page shows only its own tile again.
      await until("the joiner to leave the publisher's grid", async () => (await publisher.locator("figure").count()) === 1, 15_000).catch((err) =>
        step(`WARNING: ${(err as Error).message}`),
      );
    }
  };

  /** Opens the lobby meeting as a guest: knock, admitted by the host socket, then the host's video. */
  const lobbyJoin = async (index: number): Promise<JoinSample> => {
    const context = await newInstrumentedContext(b);
    try {
      const first = deferred<{ at: number; marks: JoinMarks }>();
      await context.exposeFunction("benchFirstFrame", (json: string) => first.resolve({ at: performance.now(), marks: JSON.parse(json) }));
      const page = await context.newPage();
      watchErrors(page, `lobby joiner ${index}`);
      const t0 = performance.now();
      const t0Epoch = performance.timeOrigin + t0;
      await page.goto(lobbyUrl);
      const loaded = performance.now();
      await page.getByLabel("Your name").fill(`Knocker ${index}`);
      await page.getByRole("button", { name: "Join meeting" }).click();
      const clicked = performance.now();
      const { at, marks } = await withTimeout(first.promise, JOIN_TIMEOUT_MS, "the first remote frame (lobby)");
      marks.decodedAt = await decodedLater(page);
      const sample = toSample(t0Epoch, t0, at, loaded, clicked, marks);
      if (sample.waiting === null) throw new Error("the joiner never waited in the lobby");
      return sample;
    } finally {
      await context.close().catch(() => undefined);
      await until("the knocker to leave the host's grid", async () => (await lobbyHost.locator("figure").count()) === lobbyTiles, 15_000).catch((err) =>
        step(`WARNING: ${(err as Error).message}`),
      );
    }
  };

  const bareJoin = async (index: number): Promise<JoinSample> => {
    const context = await newInstrumentedContext(b);
    const sub = bareJanus.subscriber();
    try {
      const first = deferred<{ at: number; marks: JoinMarks }>();
      await context.exposeFunction("benchFirstFrame", (json: string) => first.resolve({ at: performance.now(), marks: JSON.parse(json) }));
      await context.exposeFunction("benchOffer", () => sub.offer());
      await context.exposeFunction("benchAnswer", (sdp: string) => sub.answer(sdp));
      await context.exposeFunction("benchFailed", (message: string) => first.reject(new Error(`bare page: ${message}`)));
      const page = await context.newPage();
      watchErrors(page, `bare joiner ${index}`);
      const t0 = performance.now();
      const t0Epoch = performance.timeOrigin + t0;
      await page.goto(`${bareBase}/sub`);
      const loaded = performance.now();
      const { at, marks } = await withTimeout(first.promise, JOIN_TIMEOUT_MS, "the first remote frame (bare)");
      marks.decodedAt = await decodedLater(page);
      return toSample(t0Epoch, t0, at, loaded, null, marks);
    } finally {
      await context.close().catch(() => undefined);
      await sub.close();
    }
  };

  const samples: Record<"dictate" | "bare" | "lobby", JoinSample[]> = { dictate: [], bare: [], lobby: [] };
  const warmups: Record<"dictate" | "bare" | "lobby", JoinSample[]> = { dictate: [], bare: [], lobby: [] };
  const failures: Record<"dictate" | "bare" | "lobby", string[]> = { dictate: [], bare: [], lobby: [] };
  const inARow = { dictate: 0, bare: 0, lobby: 0 };
  const run = { dictate: dictateJoin, bare: bareJoin, lobby: lobbyJoin };
  step(`joins: ${WARMUP} warm-up + ${JOINS} measured per path, rotating Dictate, bare and lobby`);
  let stoppedEarly: string | null = null;
  for (let i = 0; i < WARMUP + JOINS; i++) {
    if (elapsed() > JOINS_DEADLINE_MS) {
      stoppedEarly = `the joins stopped at round ${i} of ${WARMUP + JOINS}: past the ${JOINS_DEADLINE_MS / 1000} s budget`;
      step(`WARNING: ${stoppedEarly}`);
      break;
    }
    // Alternate which path goes first, so neither always follows the other.
    const orders = [["dictate", "bare", "lobby"], ["bare", "lobby", "dictate"], ["lobby", "dictate", "bare"]] as const;
    const order = orders[i % 3]!;
    const line: string[] = [];
    for (const path of order) {
      if (inARow[path] >= MAX_FAILURES_IN_A_ROW) continue;
      try {
        const s = await run[path](i);
        (i < WARMUP ? warmups : samples)[path].push(s);
        inARow[path] = 0;
        line.push(`${path} ${s.ms.toFixed(0)} ms`);
      } catch (err) {
        failures[path].push(`round ${i}: ${(err as Error).message}`);
        inARow[path]++;
        line.push(`${path} FAILED (${(err as Error).message})`);
      }
      // The same quiet gap after every join, whichever path.
      await Bun.sleep(500);
    }
    step(`${i < WARMUP ? "warm-up" : "join"} ${i < WARMUP ? i + 1 : i - WARMUP + 1}: ${line.join(", ")}`);
  }
  results.joins = samples;
  results.warmups = warmups;
  results.joinFailures = failures;
  results.joinsStoppedEarly = stoppedEarly;

  admitter.close(1000);
  await hostContext.close().catch(() => undefined);
  step("bare path done: closing its publisher and room");
  await barePubContext.close().catch(() => undefined);
  await bareJanus.close();
  bare = null;

  // --- CPU with N participants in one Dictate meeting. ---
  const participants: { name: string; page: Page }[] = [{ name: "Publisher", page: publisher }];
  const cpu: Record<string, unknown>[] = [];
  results.cpu = cpu;
  for (const n of CPU_PARTICIPANTS) {
    step(`CPU: bringing the meeting to ${n} participants`);
    const joinStarted = performance.now();
    while (participants.length < n) {
      const name = `P${participants.length + 1}`;
      const context = await newInstrumentedContext(b);
      const page = await context.newPage();
      watchErrors(page, name);
      await guestJoin(page, meetingUrl, name);
      await page.locator('figure[data-self="true"]').waitFor({ timeout: 15_000 });
      participants.push({ name, page });
    }
    while (participants.length > n) {
      const p = participants.pop()!;
      await p.page.context().close();
    }
    // Everyone receives everyone else's video: N − 1 inbound video streams whose frames grow.
    let flowing = false;
    let lastCounts: number[] = [];
    try {
      await until(
        `${n - 1} flowing videos at every page`,
        async () => {
          const a = await Promise.all(participants.map((p) => inboundFrames(p.page)));
          await Bun.sleep(700);
          const z = await Promise.all(participants.map((p) => inboundFrames(p.page)));
          lastCounts = z.map((after, i) => Object.entries(after).filter(([k, v]) => v > (a[i]![k] ?? Infinity)).length);
          return lastCounts.every((c) => c >= n - 1);
        },
        45_000,
        0,
      );
      flowing = true;
    } catch (err) {
      step(`WARNING: ${(err as Error).message} (flowing per page: ${lastCounts.join(", ")})`);
    }
    const allFlowingMs = Math.round(performance.now() - joinStarted);
    step(`CPU: ${n} participants, all flowing: ${flowing} after ${allFlowingMs} ms; settling ${SETTLE_MS / 1000} s, then measuring ${WINDOW_MS / 1000} s`);
    await Bun.sleep(SETTLE_MS);

    const jPid = janusPid();
    const framesBefore = await Promise.all(participants.map((p) => inboundFrames(p.page)));
    const t0 = performance.now();
    const server0 = cpuSeconds(serverPid);
    const janus0 = cpuSeconds(jPid);
    const chromium0 = cpuSnapshot(chromiumPids());
    const own0 = process.cpuUsage();
    await Bun.sleep(WINDOW_MS);
    const server1 = cpuSeconds(serverPid);
    const janus1 = cpuSeconds(jPid);
    const chromium1 = cpuSnapshot(chromiumPids());
    const own = process.cpuUsage(own0);
    const seconds = (performance.now() - t0) / 1000;
    const framesAfter = await Promise.all(participants.map((p) => inboundFrames(p.page)));
    // Frames per second per received video, per page (streams that existed at both ends).
    const fps = framesAfter.map((after, i) => {
      const before = framesBefore[i]!;
      const rates = Object.entries(after)
        .filter(([k]) => k in before)
        .map(([k, v]) => (v - before[k]!) / seconds);
      return { streams: rates.length, fps: rates.length ? rates.reduce((x, y) => x + y, 0) / rates.length : 0, minFps: rates.length ? Math.min(...rates) : 0 };
    });
    const janusSame = janusPid() === jPid;
    cpu.push({
      participants: n,
      flowing,
      allFlowingMs,
      seconds,
      serverCpuS: server0 !== null && server1 !== null ? server1 - server0 : null,
      janusCpuS: janus0 !== null && janus1 !== null && janusSame ? janus1 - janus0 : null,
      janusRestarted: !janusSame,
      chromiumCpuS: cpuBetween(chromium0, chromium1),
      chromiumProcesses: chromium1.size,
      driverCpuS: (own.user + own.system) / 1e6,
      serverRssMb: rssMb(serverPid),
      janusRssMb: rssMb(jPid),
      fps,
    });
    const last = cpu[cpu.length - 1]!;
    step(
      `CPU: ${n} participants over ${seconds.toFixed(1)} s: server ${(((last.serverCpuS as number) / seconds) * 100).toFixed(1)}%, Janus ${(((last.janusCpuS as number) / seconds) * 100).toFixed(1)}%, Chromium ${(((last.chromiumCpuS as number) / seconds) * 100).toFixed(0)}%`,
    );
  }
  results.ok = true;
} catch (err) {
  results.ok = false;
  results.error = err instanceof Error ? `${err.message}\n${err.stack}` : String(err);
} finally {
  if (bare) await bare.close().catch(() => undefined);
  if (browser) await withTimeout(browser.close(), 15_000, "Chromium to close").catch(() => undefined);
  bareHttp?.stop(true);
  if (server && server.exitCode === null) {
    // SIGTERM: the server stops its rooms and its Janus before exiting.
    server.kill("SIGTERM");
    const exited = await Promise.race([server.exited.then(() => true), Bun.sleep(10_000).then(() => false)]);
    if (!exited) server.kill("SIGKILL");
    results.serverExit = exited ? (server.exitCode ?? server.signalCode) : "SIGKILL after 10 s";
  }
  try {
    const log = `${readFileSync(serverOut, "utf8")}\n${readFileSync(serverErr, "utf8")}`.trim();
    results.serverLog = log.split("\n").slice(-30).join("\n");
  } catch {
    // No log.
  }
  results.pageErrors = pageErrors;
  results.totalMs = elapsed();
}
process.stdout.write(`${JSON.stringify({ bench: results })}\n`);
process.exit(0);
