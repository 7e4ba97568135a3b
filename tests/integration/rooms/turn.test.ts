import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { startTestServer, type TestServer } from "../../helpers/app.ts";
import { openRoomSocket, wsUrl } from "../../helpers/ws.ts";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer("pglite", { config: { turn: { urls: ["turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:5349"], secret: "coturn-shared-secret" } } });
}, 60_000);
afterAll(() => t?.close());

test("with TURN configured, welcome carries time-limited TURN REST credentials that coturn's secret verifies", async () => {
  const m = (await t.client().post("/api/meetings", {})).body.meeting;
  const c = await openRoomSocket(wsUrl(t.url, `/ws/meetings/${m.code}`));
  c.send({ type: "hello", name: "Behind a NAT" });
  const welcome = await c.next("welcome");
  expect(welcome.iceServers).toHaveLength(1);
  const [server] = welcome.iceServers;
  expect(server.urls).toEqual(["turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:5349"]);
  const expiry = Number(server.username.split(":")[0]);
  expect(expiry * 1000).toBeGreaterThan(Date.now() + 3_600_000);
  expect(expiry * 1000).toBeLessThan(Date.now() + 25 * 3_600_000);
  expect(server.credential).toBe(createHmac("sha1", "coturn-shared-secret").update(server.username).digest("base64"));
  c.close();
});
