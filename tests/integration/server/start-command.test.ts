import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer } from "../../helpers/server.ts";

const dataDir = mkdtempSync(join(tmpdir(), "dictate-start-"));
let server: RunningServer | undefined;
afterAll(async () => {
  await server?.stop("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

test("the README's first command (npm start) serves /healthz on embedded defaults", async () => {
  // The same script `npm start` runs; here everything it would install is already there.
  server = await startServer({ DATA_DIR: dataDir }, { command: ["bash", "scripts/start.sh"], timeoutMs: 120_000 });
  const health = await fetch(`${server.url}/healthz`);
  expect(health.status).toBe(200);
  expect(server.output()).toContain('"database":"pglite"');
  expect(server.output()).not.toContain("redis connected");
  const home = await fetch(`${server.url}/`);
  expect(home.status).toBe(200);
  expect(await home.text()).toContain("Dictate");
}, 150_000);
