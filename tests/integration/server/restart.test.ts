import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { httpClient, runServerToExit, startServer, type RunningServer } from "../../helpers/server.ts";

describe("the server process on embedded defaults", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "dictate-restart-"));
  const running: RunningServer[] = [];
  afterAll(async () => {
    for (const s of running) await s.stop("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("starts with no DATABASE_URL or REDIS_URL, and keeps everything across a restart and a crash", async () => {
    const first = await startServer({ DATA_DIR: dataDir });
    running.push(first);
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    expect(first.output()).toContain('"database":"pglite"');

    const api = httpClient(first.url);
    const email = `restart-${Date.now()}@example.com`;
    expect((await api("POST", "/api/auth/signup", { email, username: `restart${Date.now()}`, password: "long enough password" })).status).toBe(201);
    const team = (await api("POST", "/api/teams", { name: "Durable" })).body.team;
    const meeting = (await api("POST", "/api/meetings", { teamId: team.id, title: "Survives restarts", startsAt: "2030-05-01T10:00:00Z" })).body.meeting;
    // Too large by Content-Length, over a real socket.
    const big = await fetch(`${first.url}/api/teams`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "x".repeat(100_000) }) });
    expect(big.status).toBe(413);
    expect((await big.json()).error.code).toBe("INVALID_ARGUMENT");

    expect(await first.stop("SIGTERM")).toBe(0);

    const second = await startServer({ DATA_DIR: dataDir });
    running.push(second);
    const again = httpClient(second.url);
    expect((await again("POST", "/api/auth/login", { email, password: "long enough password" })).status).toBe(200);
    expect((await again("GET", `/api/teams/${team.id}`)).body.team.name).toBe("Durable");
    const later = await again("POST", "/api/meetings", { teamId: team.id, title: "Written before a crash", startsAt: "2030-05-02T10:00:00Z" });
    expect(later.status).toBe(201);

    // A crash: no chance to close the database cleanly.
    await second.stop("SIGKILL");
    const third = await startServer({ DATA_DIR: dataDir });
    running.push(third);
    const afterCrash = httpClient(third.url);
    expect((await afterCrash("POST", "/api/auth/login", { email, password: "long enough password" })).status).toBe(200);
    const list = await afterCrash("GET", "/api/meetings?from=2030-05-01T00:00:00Z&to=2030-06-01T00:00:00Z");
    expect(list.body.meetings.map((m: { title: string }) => m.title)).toEqual(["Survives restarts", "Written before a crash"]);
    expect(list.body.meetings[0].code).toBe(meeting.code);
    await third.stop();
  }, 120_000);

  test("a bad configuration stops the start with one message listing every problem", async () => {
    const { code, stderr } = await runServerToExit({ PORT: "seventy", DATABASE_URL: "mysql://nope", LOG_LEVEL: "chatty" });
    expect(code).not.toBe(0);
    expect(stderr).toContain("Invalid configuration:");
    expect(stderr).toContain("PORT");
    expect(stderr).toContain("DATABASE_URL");
    expect(stderr).toContain("LOG_LEVEL");
  });
});
