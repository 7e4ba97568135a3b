/**
 * Headless Chromium driven over the DevTools protocol, for scenarios that run inside a network
 * namespace with raw WebRTC pages (no Playwright needed): launch with PLATFORM.md's flags and fake
 * media devices, open pages, evaluate in them, and stop — politely, then by force.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { eventually } from "./eventually.ts";

export interface CdpPage {
  evaluate<T>(expression: string): Promise<T>;
  close(): void;
}

const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-crash-reporter",
  "--disable-breakpad", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
  "--autoplay-policy=no-user-gesture-required", "--disable-features=WebRtcHideLocalIpsWithMdns",
  "--remote-debugging-port=0", "--remote-allow-origins=*",
];

async function openSocket(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  return ws;
}

/** Starts Chromium with a fresh profile in `profileDir`; resolves once its DevTools port answers. */
export async function launchChromium(profileDir: string) {
  // Its stderr goes beside the profile, for the error when it does not answer.
  const stderrPath = `${profileDir}.stderr.log`;
  const proc = Bun.spawn(["chromium", ...FLAGS, `--user-data-dir=${profileDir}`, "about:blank"], { stdout: "ignore", stderr: Bun.file(stderrPath) });
  const why = () => {
    let tail = "";
    try {
      tail = readFileSync(stderrPath, "utf8").slice(-1500);
    } catch {
      // Nothing written.
    }
    return `Chromium ${proc.exitCode !== null || proc.signalCode !== null ? `exited (${proc.exitCode ?? proc.signalCode})` : "still running"}; its stderr: ${tail || "(empty)"}`;
  };
  let port = 0;
  try {
    port = await eventually(
      () => {
        // Read while Chromium is still writing it, the file is empty: port 0, which refuses every
        // connection (two full runs failed so). Only a real port will do.
        const value = Number(readFileSync(join(profileDir, "DevToolsActivePort"), "utf8").split("\n")[0]);
        if (!Number.isInteger(value) || value <= 0) throw new Error(`DevToolsActivePort holds no port yet`);
        return value;
      },
      { timeoutMs: 15_000 },
    );
  } catch (err) {
    proc.kill("SIGKILL");
    throw new Error(`${(err as Error).message} (${why()})`);
  }
  return {
    pid: proc.pid,
    /** Opens `url` in a new tab. */
    async page(url: string): Promise<CdpPage> {
      // DevToolsActivePort can be written a moment before the port accepts connections (seen under load).
      const target = (await eventually(async () => (await fetch(`http://127.0.0.1:${port}/json/new?${encodeURIComponent(url)}`, { method: "PUT" })).json(), { timeoutMs: 10_000 }).catch((err) => {
        throw new Error(`${(err as Error).message} (DevTools port ${port}; ${why()})`);
      })) as {
        webSocketDebuggerUrl: string;
      };
      const ws = await openSocket(target.webSocketDebuggerUrl);
      let nextId = 1;
      const waiting = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
      ws.onmessage = (event) => {
        const msg = JSON.parse(String(event.data));
        const w = msg.id ? waiting.get(msg.id) : undefined;
        if (!w) return;
        waiting.delete(msg.id);
        if (msg.error) w.reject(new Error(msg.error.message));
        else w.resolve(msg.result);
      };
      const send = (method: string, params: object) =>
        new Promise<any>((resolve, reject) => {
          const id = nextId++;
          waiting.set(id, { resolve, reject });
          ws.send(JSON.stringify({ id, method, params }));
        });
      return {
        async evaluate<T>(expression: string) {
          const result = await send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true });
          if (result.exceptionDetails) throw new Error(`page: ${result.exceptionDetails.exception?.description ?? result.exceptionDetails.text}`);
          return result.result.value as T;
        },
        close: () => ws.close(),
      };
    },
    /** Asks the browser to close, and kills it if it has not within 3 s. */
    async stop() {
      try {
        const { webSocketDebuggerUrl } = (await (await fetch(`http://127.0.0.1:${port}/json/version`)).json()) as { webSocketDebuggerUrl: string };
        (await openSocket(webSocketDebuggerUrl)).send(JSON.stringify({ id: 1, method: "Browser.close" }));
      } catch {
        proc.kill("SIGTERM");
      }
      await Promise.race([proc.exited, Bun.sleep(3000)]);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    },
  };
}
