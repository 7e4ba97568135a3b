/**
 * The embedded Janus: when no `JANUS_URL` is configured the app starts Janus itself as a child
 * process, with a generated configuration (only the VideoRoom plugin and the WebSockets transport,
 * the API on 127.0.0.1 and a free port), restarts it with backoff when it dies, and stops it on
 * shutdown. Its files and configuration are prepared by janus-files.ts.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Logger } from "pino";
import { findBinary, findLibDir, hasLibs, JANUS_LIBS, prepareFolders, writeConfigs } from "./janus-files.ts";

export interface EmbeddedJanusOptions {
  /** The Janus binary: a path, or a name looked up on PATH (`config.janusBin`). */
  bin: string;
  /** A folder the launcher owns: generated configs, library symlinks, the pid file. */
  workDir: string;
  /** UDP ports for media; open them in the firewall. */
  rtpPortRange?: string;
  logger: Logger;
  /** Folder holding Janus's `plugins/` and `transports/`; found from the binary's location when omitted. */
  libDir?: string;
  /** Public IP(s) to announce in host candidates when the machine sits behind a 1:1 NAT (cloud VMs). */
  nat1to1?: string | null;
  /** How long one start may take before it counts as failed. */
  startTimeoutMs?: number;
  /** Restart backoff after a crash: starts at `minMs`, doubles up to `maxMs`. */
  restartBackoff?: { minMs?: number; maxMs?: number };
}

export interface EmbeddedJanus {
  /** The Janus API's WebSocket URL (`ws://127.0.0.1:<port>`); stays the same across restarts unless the port was taken. */
  readonly url: string;
  /** The `api_secret` every request to this Janus must carry: random, made once per launcher start. */
  readonly apiSecret: string;
  /** The running Janus process's pid, or null while it is down. */
  readonly pid: number | null;
  /** Called each time a (re)started Janus answers on its WebSocket. Returns the unsubscribe function. */
  onReady(listener: () => void): () => void;
  /** Stops Janus (SIGTERM, then waits for it to exit; SIGKILL after a while) and stops supervising it. */
  stop(): Promise<void>;
}

export type EmbeddedJanusResult = { ok: true; janus: EmbeddedJanus } | { ok: false; message: string };

/** A Janus that stayed up this long resets the restart backoff. */
const STABLE_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const LOG_TAIL = 30;

/**
 * Starts Janus and resolves once its WebSocket API answers. Never rejects: a missing binary or a
 * Janus that will not come up resolves to `{ ok: false, message }` so the app can run without media.
 */
export async function startEmbeddedJanus(options: EmbeddedJanusOptions): Promise<EmbeddedJanusResult> {
  const { logger } = options;
  const bin = findBinary(options.bin);
  if (!bin) {
    return { ok: false, message: `Janus is not installed ("${options.bin}" was not found): apt-get install janus, or set JANUS_URL to a running Janus` };
  }
  const libDir = options.libDir ?? findLibDir(bin);
  if (!libDir || !hasLibs(libDir)) {
    return {
      ok: false,
      message: `Janus is installed at ${bin} but its ${JANUS_LIBS.plugin} and ${JANUS_LIBS.transport} were not found${libDir ? ` in ${libDir}` : ""}: reinstall janus or set the library folder`,
    };
  }
  const rtpPortRange = options.rtpPortRange ?? "20000-20200";
  if (!/^\d{1,5}-\d{1,5}$/.test(rtpPortRange)) return { ok: false, message: `Bad RTP port range "${rtpPortRange}" (expected e.g. 20000-20200)` };

  const workDir = resolve(options.workDir);
  try {
    mkdirSync(workDir, { recursive: true });
    await stopStaleJanus(workDir, logger);
    prepareFolders(workDir, libDir);
  } catch (err) {
    return { ok: false, message: `Cannot prepare Janus's folder ${workDir}: ${(err as Error).message}` };
  }

  const supervisor = new Supervisor({
    bin,
    workDir,
    rtpPortRange,
    nat1to1: options.nat1to1 ?? null,
    logger: logger.child({ component: "janus" }),
    startTimeoutMs: options.startTimeoutMs ?? 10_000,
    minBackoffMs: options.restartBackoff?.minMs ?? 250,
    maxBackoffMs: options.restartBackoff?.maxMs ?? 10_000,
  });
  const started = await supervisor.firstStart();
  if (!started.ok) {
    await supervisor.stop();
    return started;
  }
  return { ok: true, janus: supervisor };
}

interface SupervisorOptions {
  bin: string;
  workDir: string;
  rtpPortRange: string;
  nat1to1: string | null;
  logger: Logger;
  startTimeoutMs: number;
  minBackoffMs: number;
  maxBackoffMs: number;
}

class Supervisor implements EmbeddedJanus {
  private port = 0;
  private proc: Bun.Subprocess<"ignore", "pipe", "pipe"> | null = null;
  /** The process that came up and is being supervised (a start that fails is not restarted from its exit). */
  private live: Bun.Subprocess | null = null;
  private stopping = false;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private backoffMs: number;
  private startedAt = 0;
  private tail: string[] = [];
  private readyListeners = new Set<() => void>();
  private starting: Promise<{ ok: true } | { ok: false; message: string }> | null = null;

  constructor(private readonly o: SupervisorOptions) {
    this.backoffMs = o.minBackoffMs;
  }

  get url() {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Kept across restarts, so a reconnecting adapter needs nothing new. */
  readonly apiSecret = randomBytes(24).toString("hex");

  get pid() {
    return this.proc && this.proc.exitCode === null && this.proc.signalCode === null ? this.proc.pid : null;
  }

  onReady(listener: () => void) {
    this.readyListeners.add(listener);
    return () => void this.readyListeners.delete(listener);
  }

  async firstStart() {
    this.port = await freePort();
    return this.startOnce();
  }

  /** Spawns Janus and waits for its API; on failure the process is gone when this resolves. */
  private startOnce(): Promise<{ ok: true } | { ok: false; message: string }> {
    this.starting = (async () => {
      try {
        writeConfigs(this.o.workDir, this.port, this.o.rtpPortRange, this.o.nat1to1, this.apiSecret);
      } catch (err) {
        return { ok: false as const, message: `Cannot write Janus's configuration: ${(err as Error).message}` };
      }
      this.tail = [];
      const proc = Bun.spawn([this.o.bin, "-F", join(this.o.workDir, "conf"), "--disable-colors"], {
        cwd: this.o.workDir,
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
      });
      this.proc = proc;
      writeFileSync(pidFile(this.o.workDir), String(proc.pid));
      void this.pipeLogs(proc.stdout);
      void this.pipeLogs(proc.stderr);
      void proc.exited.then(() => this.onExit(proc));
      this.o.logger.debug({ janusPid: proc.pid, port: this.port }, "janus starting");

      const ready = await waitForApi(this.url, proc, this.o.startTimeoutMs, () => this.stopping);
      if (!ready) {
        this.proc = null;
        await terminate(proc);
        const reason = proc.exitCode !== null ? `it exited with code ${proc.exitCode}` : "its WebSocket API did not answer";
        return { ok: false as const, message: `Janus did not start (${reason}). Its last lines:\n${this.tail.slice(-10).join("\n")}` };
      }
      if (this.stopping) return { ok: false as const, message: "Janus was stopped while starting" };
      this.live = proc;
      this.startedAt = Date.now();
      this.o.logger.info({ janusPid: proc.pid, url: this.url }, "janus is up");
      for (const listener of [...this.readyListeners]) {
        try {
          listener();
        } catch (err) {
          this.o.logger.error({ err }, "janus ready listener failed");
        }
      }
      return { ok: true as const };
    })();
    return this.starting;
  }

  private async pipeLogs(stream: ReadableStream<Uint8Array>) {
    const decoder = new TextDecoder();
    let buffered = "";
    const reader = stream.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        let nl: number;
        while ((nl = buffered.indexOf("\n")) >= 0) {
          this.logLine(buffered.slice(0, nl));
          buffered = buffered.slice(nl + 1);
        }
      }
    } catch {
      // The pipe closes with the process.
    }
    if (buffered) this.logLine(buffered);
  }

  private logLine(raw: string) {
    const line = raw.trimEnd();
    if (!line) return;
    this.tail.push(line);
    if (this.tail.length > LOG_TAIL) this.tail.shift();
    if (line.includes("[ERR]")) this.o.logger.warn(line);
    else this.o.logger.debug(line);
  }

  private onExit(proc: Bun.Subprocess) {
    if (this.proc === proc) this.proc = null;
    if (this.live !== proc) return;
    this.live = null;
    if (this.stopping) return;
    const upFor = this.startedAt ? Date.now() - this.startedAt : 0;
    if (upFor > STABLE_MS) this.backoffMs = this.o.minBackoffMs;
    this.o.logger.warn(
      { code: proc.exitCode, signal: proc.signalCode, restartInMs: this.backoffMs, lastLines: this.tail.slice(-5) },
      "janus exited; restarting it",
    );
    this.scheduleRestart();
  }

  private scheduleRestart() {
    if (this.stopping || this.restartTimer) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.o.maxBackoffMs);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      void this.restart();
    }, delay);
  }

  private async restart() {
    if (this.stopping) return;
    if (this.starting) await this.starting.catch(() => undefined);
    const result = await this.startOnce();
    if (this.stopping) return;
    if (!result.ok) {
      this.o.logger.error({ message: result.message }, "janus restart failed");
      // Someone may have taken the port while Janus was down: the next try gets a fresh one.
      this.port = await freePort();
      this.scheduleRestart();
    }
  }

  async stop() {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    if (this.starting) await this.starting.catch(() => undefined);
    const proc = this.proc;
    if (proc) await terminate(proc);
    this.proc = null;
    rmSync(pidFile(this.o.workDir), { force: true });
    this.readyListeners.clear();
  }
}

/** Whether `proc` exits within `ms` (the timer is cleared either way, so nothing lingers). */
async function exitsWithin(proc: Bun.Subprocess, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([proc.exited.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function pidFile(workDir: string) {
  return join(workDir, "janus.pid");
}

/** SIGTERM, wait (Janus takes up to ~1.5 s to exit), SIGKILL if it lingers. */
async function terminate(proc: Bun.Subprocess) {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill("SIGTERM");
  if (!(await exitsWithin(proc, STOP_GRACE_MS))) {
    proc.kill("SIGKILL");
    await proc.exited;
  }
}

/**
 * A Janus left behind by a previous run of this app that died without stopping it (kill -9, a
 * crashed `bun --watch`) still holds its ports. Only a process whose command line names this
 * work folder's config is touched.
 */
async function stopStaleJanus(workDir: string, logger: Logger) {
  const file = pidFile(workDir);
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, "utf8").trim());
  rmSync(file, { force: true });
  if (!Number.isInteger(pid) || pid <= 1) return;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    return;
  }
  if (!cmdline.includes("janus") || !cmdline.includes(join(workDir, "conf"))) return;
  logger.warn({ janusPid: pid }, "stopping a Janus left running by an earlier run");
  const alive = () => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  const deadline = Date.now() + STOP_GRACE_MS;
  while (alive() && Date.now() < deadline) await Bun.sleep(50);
  if (alive()) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/** A port nobody listens on right now (Janus binds it a moment later; a lost race is retried). */
async function freePort(): Promise<number> {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = server;
  server.stop(true);
  return port;
}

/** Polls the Janus API with an `info` request until it answers, the process exits, or time runs out. */
async function waitForApi(url: string, proc: Bun.Subprocess, timeoutMs: number, stopped: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null || stopped()) return false;
    if (await answersInfo(url, Math.min(1000, Math.max(50, deadline - Date.now())))) return true;
    await Bun.sleep(30);
  }
  return false;
}

function answersInfo(url: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolveAnswer) => {
    let settled = false;
    let ws: WebSocket | null = null;
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        ws?.close();
      } catch {
        // Never opened.
      }
      resolveAnswer(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    try {
      ws = new WebSocket(url, "janus-protocol");
    } catch {
      done(false);
      return;
    }
    const socket = ws;
    socket.onopen = () => socket.send(JSON.stringify({ janus: "info", transaction: "dictate-ready" }));
    socket.onmessage = (event) => {
      try {
        done(JSON.parse(String(event.data)).janus === "server_info");
      } catch {
        done(false);
      }
    };
    socket.onerror = () => done(false);
    socket.onclose = () => done(false);
  });
}
