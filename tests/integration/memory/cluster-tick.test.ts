/**
 * A tick through the cluster (issue 16): the meeting's room lives on node A, where Ana has its notes
 * open; Ben's PATCH arrives at node B, which relays its edit to the owner like any notes socket (it
 * loads no room of its own); Ana's editor shows the tick.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestServer, type TestServer } from "../../helpers/app.ts";
import { eventually } from "../../helpers/eventually.ts";
import { testRedis } from "../../helpers/redis.ts";
import { notesProvider } from "../../helpers/yjs.ts";

describe("ticking an action item on another node of a cluster", () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    r = await testRedis();
    a = await startTestServer("postgres", { config: { roomGraceMs: 200, redisPrefix: r.prefix }, cluster: { redis: r.redis, prefix: r.prefix, nodeId: "node-a" } });
    b = await startTestServer("postgres", { database: a.database, config: { roomGraceMs: 200, redisPrefix: r.prefix }, cluster: { redis: r.redis, prefix: r.prefix, nodeId: "node-b" } });
  }, 60_000);
  afterAll(async () => {
    await b?.app.stop(true);
    await b?.services.rooms.shutdown();
    await a?.close();
    await r?.cleanup();
  });

  test("the owner applies it and the live editor sees it; node B loads no room", async () => {
    const ana = await a.signedUp("ana");
    const benOnA = await a.signedUp("ben");
    const team = (await ana.post("/api/teams", { name: "Cluster team" })).body.team;
    await benOnA.post("/api/teams/join", { code: team.code });
    const meeting = (await ana.post("/api/meetings", { teamId: team.id, title: "Relayed" })).body.meeting;
    const editor = notesProvider(a.url, meeting.code, { cookie: ana.cookie });
    try {
      await editor.synced();
      expect(await r.redis.get(`${r.prefix}room:${meeting.code}:owner`)).toStartWith("node-a:");
      editor.text.insert(editor.text.length, "- [ ] Check the relay @ben\n");
      const ben = b.client();
      ben.cookie = benOnA.cookie;
      const item = await eventually(async () => {
        const items = (await ben.get(`/api/teams/${team.id}/action-items?done=false`)).body.actionItems;
        expect(items).toHaveLength(1);
        return items[0];
      });
      const res = await ben.patch(`/api/action-items/${item.id}`, { done: true });
      expect(res.status).toBe(200);
      expect(res.body.actionItem.done).toBe(true);
      await eventually(() => expect(editor.text.toString()).toContain("- [x] Check the relay @ben"));
      expect(b.services.rooms.directory.localRooms()).toHaveLength(0);
    } finally {
      editor.destroy();
    }
  }, 60_000);
});
