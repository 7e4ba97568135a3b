import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runServerToExit, startServer, type RunningServer } from "../../helpers/server.ts";

const dataDir = mkdtempSync(join(tmpdir(), "dictate-start-"));
let server: RunningServer | undefined;
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test("the README's first command (npm start) serves /healthz on embedded defaults, with its own Janus", async () => {
  // The same script `npm start` runs; here everything it would install is already there.
  server = await startServer({ DATA_DIR: dataDir, JANUS_BIN: "janus" }, { command: ["bash", "scripts/start.sh"], timeoutMs: 120_000 });
  const health = await fetch(`${server.url}/healthz`);
  expect(health.status).toBe(200);
  expect(server.output()).toContain('"database":"pglite"');
  expect(server.output()).not.toContain("redis connected");
  const home = await fetch(`${server.url}/`);
  expect(home.status).toBe(200);
  expect(await home.text()).toContain("Dictate");
  expect(server.output()).not.toContain("Janus is not installed");
  const janus = (await Bun.file(join(dataDir, "janus", "janus.pid")).text()).trim();
  expect(Number(janus)).toBeGreaterThan(0);
  // Stopping Dictate stops its Janus too.
  expect(await server.stop()).toBe(0);
  expect(() => process.kill(Number(janus), 0)).toThrow();
}, 150_000);

test("without Janus installed the server still starts, and says in one line what to install", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dictate-nojanus-"));
  const s = await startServer({ DATA_DIR: dir, JANUS_BIN: "/nonexistent/janus" });
  try {
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    const lines = s.output().split("\n").filter((l) => l.includes("apt-get install janus"));
    expect(lines).toHaveLength(1);
  } finally {
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a port already in use stops the start with a clear message, and takes down the Janus it started", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dictate-port-taken-"));
  const squatter = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("someone else") });
  try {
    const { code, stdout, stderr } = await runServerToExit({ DATA_DIR: dir, HOST: "127.0.0.1", PORT: String(squatter.port), JANUS_BIN: "janus", LOG_LEVEL: "info" });
    expect(code).toBe(1);
    expect(stdout + stderr).toContain(`cannot listen on 127.0.0.1:${squatter.port}`);
    const up = (stdout + stderr).split("\n").find((l) => l.includes('"janus is up"'));
    const janus = Number(JSON.parse(up!).janusPid);
    expect(janus).toBeGreaterThan(0);
    expect(() => process.kill(janus, 0)).toThrow();
  } finally {
    squatter.stop(true);
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
