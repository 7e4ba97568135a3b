/**
 * Client weight: what a browser downloads to open a meeting link, measured from a running server in
 * production mode (the same bundle `npm start` and the single binary serve).
 *
 * 1. The meeting page `/m/<code>`: its HTML, then every script and stylesheet it names — raw and
 *    gzip-compressed (level 9, as a reverse proxy or CDN would send it).
 * 2. The lazily loaded parts (`/_lazy/notes-editor` when the notes panel opens, `/_lazy/markdown`
 *    when notes are read under Resources, `/_lazy/meeting-memory` for a meeting's page afterwards),
 *    measured the same way.
 * 3. The peer: Jitsi Meet's web app bundle, about 700 KB compressed (its app.bundle.min.js plus
 *    lib-jitsi-meet; a published figure, not measurable here — this machine cannot reach
 *    meet.jit.si, and a self-built Jitsi needs its own toolchain).
 *
 * Run: `node_modules/.bin/bun bench/client-size.ts`
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
  console.log(`  peer: Jitsi Meet app bundle      : ~${JITSI_COMPRESSED_KB} KB compressed (published figure)`);
  console.log(`  initial JS vs Jitsi              : ${((page.js.gz / 1024 / JITSI_COMPRESSED_KB) * 100).toFixed(1)}%`);
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
