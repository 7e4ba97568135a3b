import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { postgresRunDatabaseUrl } from "../../helpers/db.ts";
import { eventually } from "../../helpers/eventually.ts";
import { testRedis } from "../../helpers/redis.ts";
import { createCluster, type Cluster, type ClusterNode } from "../../helpers/cluster.ts";
import { httpClient, type RunningServer } from "../../helpers/server.ts";
import { openRoomSocket, wsUrl } from "../../helpers/ws.ts";
import { notesProvider, type NotesClient } from "../../helpers/yjs.ts";

describe("three app processes sharing Postgres and Redis", () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let cluster: Cluster;
  let nodes: ClusterNode[];
  const alive = () => cluster.live();

  beforeAll(async () => {
    r = await testRedis();
    cluster = createCluster({
      DATABASE_URL: await postgresRunDatabaseUrl(),
      REDIS_URL: "redis://127.0.0.1:6379",
      REDIS_PREFIX: r.prefix,
      CLUSTER_SECRET: "three-nodes-cluster-secret",
      ROOM_GRACE_MS: "2000",
      LOG_LEVEL: "info",
    });
    await Promise.all([cluster.start(), cluster.start(), cluster.start()]);
    nodes = cluster.nodes;
  }, 90_000);
  afterAll(async () => {
    await cluster?.stopAll();
    await r?.cleanup();
  });

  test("people on different nodes in one room see each other's presence and chat", async () => {
    const [n1, n2, n3] = nodes;
    const m = (await httpClient(n1!.url)("POST", "/api/meetings", { title: "Spread out" })).body.meeting;
    const join = async (node: RunningServer, name: string) => {
      const c = await openRoomSocket(wsUrl(node.url, `/ws/meetings/${m.code}`));
      c.send({ type: "hello", name });
      const welcome = await c.next("welcome");
      return Object.assign(c, { self: welcome.self, welcome });
    };
    const a = await join(n1!, "On one");
    const b = await join(n2!, "On two");
    const c = await join(n3!, "On three");
    expect(c.welcome.participants.map((p: { name: string }) => p.name).sort()).toEqual(["On one", "On three", "On two"]);
    expect((await a.next("participant.joined", (x) => x.participant.name === "On three")).participant.id).toBe(c.self.id);

    b.send({ type: "presence", audioMuted: true });
    expect((await c.next("participant.updated")).participant).toMatchObject({ id: b.self.id, audioMuted: true });
    expect((await a.next("participant.updated")).participant).toMatchObject({ id: b.self.id, audioMuted: true });
    c.send({ type: "chat", text: "from node three" });
    expect((await a.next("chat")).text).toBe("from node three");
    expect((await b.next("chat")).text).toBe("from node three");

    // Exactly one node owns the room.
    const owner = await r.redis.get(`${r.prefix}room:${m.code}:owner`);
    expect(nodes.map((n) => n.nodeId)).toContain(owner!.split(":")[0]!);

    c.send({ type: "leave" });
    expect((await a.next("participant.left")).participant.id).toBe(c.self.id);
    a.close();
    b.close();
  });

  test("notes edited on every node converge; kill -9 of the owner re-homes the room and loses no acknowledged edit", async () => {
    const m = (await httpClient(nodes[0]!.url)("POST", "/api/meetings", { title: "Resilient notes" })).body.meeting;
    // Each client reconnects through a "load balancer" that picks a live node, round robin.
    let turn = 0;
    const balanced = (preferred: number) => () => {
      const live = alive();
      const pick = nodes[preferred];
      if (pick && live.includes(pick) && turn++ < 3) return pick.url;
      return live[turn++ % live.length]!.url;
    };
    const clients: NotesClient[] = [0, 1, 2].map((i) => notesProvider(balanced(i), m.code));
    await Promise.all(clients.map((c) => c.synced()));

    const acknowledged = new Set<string>();
    const all: string[] = [];
    let seq = 0;
    const edit = (ci: number) => {
      const marker = `[${ci}:${seq++}]`;
      const c = clients[ci]!;
      c.text.insert(c.text.length, marker);
      all.push(marker);
      return marker;
    };
    // An edit is acknowledged once a client on another node has it: it went through the owner,
    // which writes it durably before relaying it.
    const watch = () => {
      for (const marker of all) {
        if (acknowledged.has(marker)) continue;
        const from = Number(marker.slice(1, marker.indexOf(":")));
        if (clients.some((c, i) => i !== from && c.text.toString().includes(marker))) acknowledged.add(marker);
      }
    };
    for (let round = 0; round < 20; round++) {
      for (let ci = 0; ci < 3; ci++) edit(ci);
      await Bun.sleep(20);
      watch();
    }
    await eventually(() => {
      const texts = clients.map((c) => c.text.toString());
      expect(texts[1]).toBe(texts[0]!);
      expect(texts[2]).toBe(texts[0]!);
    });
    watch();
    expect(acknowledged.size).toBe(all.length);

    // Kill the owner while everyone keeps typing.
    const ownerValue = await r.redis.get(`${r.prefix}room:${m.code}:owner`);
    const owner = nodes.find((n) => n.nodeId === ownerValue!.split(":")[0])!;
    const typing = (async () => {
      for (let round = 0; round < 40; round++) {
        for (let ci = 0; ci < 3; ci++) edit(ci);
        await Bun.sleep(25);
        watch();
      }
    })();
    await Bun.sleep(150);
    const ackedBeforeKill = new Set(acknowledged);
    await owner.stop("SIGKILL");
    const killedAt = Date.now();
    await typing;

    // The room comes back on a live node and everyone converges again.
    await eventually(async () => {
      const value = await r.redis.get(`${r.prefix}room:${m.code}:owner`);
      expect(value).not.toBeNull();
      expect(alive().map((n) => n.nodeId)).toContain(value!.split(":")[0]!);
    }, { timeoutMs: 15_000 });
    const rehomedIn = Date.now() - killedAt;
    await eventually(() => {
      const texts = clients.map((c) => c.text.toString());
      expect(texts[1]).toBe(texts[0]!);
      expect(texts[2]).toBe(texts[0]!);
    }, { timeoutMs: 15_000 });
    const final = clients[0]!.text.toString();
    for (const marker of ackedBeforeKill) expect(final).toContain(marker);
    expect(ackedBeforeKill.size).toBeGreaterThan(60);
    expect(rehomedIn).toBeLessThan(15_000);

    // And what the room holds is what a newcomer on any node loads.
    const late = notesProvider(alive()[0]!.url, m.code);
    await late.synced();
    await eventually(() => expect(late.text.toString()).toBe(final));
    for (const c of [...clients, late]) c.destroy();

    // Once everyone has left, the room saves and closes: the database holds the same text.
    const sql = postgres(await postgresRunDatabaseUrl(), { max: 1 });
    try {
      await eventually(async () => {
        const [row] = await sql`select text from notes where meeting_id = ${m.id}`;
        expect(row?.text).toBe(final);
      }, { timeoutMs: 15_000 });
    } finally {
      await sql.end();
    }
  }, 60_000);
});
