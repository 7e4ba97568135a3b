/**
 * The client as the production server serves it: every page path gets the app; an unknown page
 * gets the app with 404 (it shows "Page not found") while API paths keep the JSON error; and the
 * meeting page stays light — its initial JavaScript within 60 KB gzipped, the notes editor
 * (CodeMirror, Yjs) only in its lazily loaded part.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer } from "../../helpers/server.ts";

let server: RunningServer;
let dir = "";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "dictate-client-app-"));
  server = await startServer({ DATA_DIR: dir, NODE_ENV: "production" });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const page = (path: string, accept = "text/html,application/xhtml+xml") => fetch(server.url + path, { headers: { accept } });

async function scriptsOf(html: string) {
  const urls = [...html.matchAll(/<script[^>]+src="([^"]+)"/g)].map((m) => m[1]!);
  return Promise.all(urls.map(async (u) => new Uint8Array(await (await fetch(new URL(u, server.url))).arrayBuffer())));
}

describe("pages", () => {
  test("every page path serves the app", async () => {
    for (const path of ["/", "/login", "/signup", "/calendar", "/teams", "/teams/abc", "/resources", "/profile", "/m/k7fq-xm3t-rpzw"]) {
      const r = await page(path);
      expect(r.status).toBe(200);
      expect(await r.text()).toContain('<div id="app">');
    }
  });

  test("an unknown page is the app with status 404; an unknown API path is still the JSON error", async () => {
    const r = await page("/no/such/page");
    expect(r.status).toBe(404);
    expect(r.headers.get("content-type")).toContain("text/html");
    expect(await r.text()).toContain('<div id="app">');
    const api = await page("/api/nothing-here");
    expect(api.status).toBe(404);
    expect(await api.json()).toEqual({ error: { code: "NOT_FOUND", message: "No such endpoint" } });
    const json = await page("/no/such/page", "application/json");
    expect(json.headers.get("content-type")).toContain("application/json");
  });
});

describe("weight", () => {
  test("the meeting page's initial JavaScript is at most 60 KB gzipped and holds no editor", async () => {
    const scripts = await scriptsOf(await (await page("/m/k7fq-xm3t-rpzw")).text());
    expect(scripts.length).toBeGreaterThan(0);
    const gz = scripts.reduce((n, s) => n + Bun.gzipSync(s, { level: 9 }).byteLength, 0);
    expect(gz).toBeLessThanOrEqual(60 * 1024);
    const text = scripts.map((s) => new TextDecoder().decode(s)).join("\n");
    expect(text).not.toContain("cm-content");
    expect(text).not.toContain("y-codemirror");
    // Background blur and noise suppression come only with their own parts.
    expect(text).not.toContain("selfie_segmentation");
    expect(text).not.toContain("rnnoise");
    expect(text).not.toContain("registerProcessor");
  });

  test("background blur and noise suppression are their own parts, naming their files", async () => {
    const blur = (await scriptsOf(await (await page("/_lazy/blur")).text())).map((s) => new TextDecoder().decode(s)).join("\n");
    expect(blur).toContain("selfie_segmentation_landscape");
    expect(blur).toContain("__dictateLazy");
    const noise = (await scriptsOf(await (await page("/_lazy/noise")).text())).map((s) => new TextDecoder().decode(s)).join("\n");
    expect(noise).toMatch(/rnnoise-[a-z0-9]+\.wasm/);
    const worklet = (await scriptsOf(await (await page("/_lazy/noise-worklet")).text())).map((s) => new TextDecoder().decode(s)).join("\n");
    expect(worklet).toContain("registerProcessor");
    expect(worklet).toContain("_rnnoise_process_frame");
  });

  test("the notes editor is its own part, with CodeMirror in it", async () => {
    const scripts = await scriptsOf(await (await page("/_lazy/notes-editor")).text());
    const text = scripts.map((s) => new TextDecoder().decode(s)).join("\n");
    expect(text).toContain("cm-content");
    expect(text).toContain("__dictateLazy");
  });
});
