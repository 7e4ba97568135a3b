import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestServer, type TestServer } from "../../helpers/app.ts";
import { eventually } from "../../helpers/eventually.ts";
import { testRedis } from "../../helpers/redis.ts";
import { openRoomSocket, wsUrl } from "../../helpers/ws.ts";
import { notesProvider } from "../../helpers/yjs.ts";

const METRICS_TOKEN = "two-nodes-metrics-token";
const scrape = { headers: { authorization: `Bearer ${METRICS_TOKEN}` } };

describe("two nodes in one process over the real Redis", () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    r = await testRedis();
    a = await startTestServer("postgres", { config: { roomGraceMs: 200, redisPrefix: r.prefix, metricsToken: METRICS_TOKEN }, cluster: { redis: r.redis, prefix: r.prefix, nodeId: "node-a" } });
    b = await startTestServer("postgres", { database: a.database, config: { roomGraceMs: 200, redisPrefix: r.prefix, metricsToken: METRICS_TOKEN }, cluster: { redis: r.redis, prefix: r.prefix, nodeId: "node-b" } });
  }, 60_000);
  afterAll(async () => {
    await b?.app.stop(true);
    await b?.services.rooms.shutdown();
    await a?.close();
    await r?.cleanup();
  });

  test("a relayed participant's leave reaches the owner, the room empties, closes and releases its lease", async () => {
    const m = (await a.client().post("/api/meetings", {})).body.meeting;
    const onA = await openRoomSocket(wsUrl(a.url, `/ws/meetings/${m.code}`));
    onA.send({ type: "hello", name: "Owner side" });
    await onA.next("welcome");
    expect(await r.redis.get(`${r.prefix}room:${m.code}:owner`)).toStartWith("node-a:");

    const onB = await openRoomSocket(wsUrl(b.url, `/ws/meetings/${m.code}`));
    onB.send({ type: "hello", name: "Relayed" });
    const welcome = await onB.next("welcome");
    expect(welcome.participants).toHaveLength(2);
    expect(b.services.rooms.directory.localRooms()).toHaveLength(0);

    onB.send({ type: "leave" });
    expect((await onB.closed).code).toBe(1000);
    expect((await onA.next("participant.left")).participant.id).toBe(welcome.self.id);
    onA.close();
    await eventually(async () => {
      expect(a.services.rooms.directory.localRooms()).toHaveLength(0);
      expect(await r.redis.get(`${r.prefix}room:${m.code}:owner`)).toBeNull();
    });

    // The next join takes the room wherever it lands first.
    const again = await openRoomSocket(wsUrl(b.url, `/ws/meetings/${m.code}`));
    again.send({ type: "hello", name: "Back" });
    await again.next("welcome");
    expect(await r.redis.get(`${r.prefix}room:${m.code}:owner`)).toStartWith("node-b:");
    again.close();
  });

  test("notes through a relay: binary frames survive the trip both ways, and metrics count relayed frames", async () => {
    const m = (await a.client().post("/api/meetings", { agenda: "seed" })).body.meeting;
    const x = notesProvider(a.url, m.code);
    await x.synced();
    const y = notesProvider(b.url, m.code);
    await y.synced();
    expect(y.text.toString()).toBe("seed\n");
    y.text.insert(y.text.length, "from b;");
    x.text.insert(0, "from a;");
    await eventually(() => {
      expect(x.text.toString()).toBe(y.text.toString());
      expect(x.text.toString()).toContain("from b;");
    });
    const metricsA = await (await fetch(`${a.url}/metrics`, scrape)).text();
    const metricsB = await (await fetch(`${b.url}/metrics`, scrape)).text();
    expect(metricsA).toMatch(/dictate_rooms \d+/);
    expect(metricsA).toMatch(/dictate_notes_updates_total [1-9]/);
    expect(metricsA).toMatch(/dictate_sockets\{channel="notes"\} 1/);
    expect(metricsB).toMatch(/dictate_relay_messages_total\{direction="out"\} [1-9]/);
    expect(metricsB).toMatch(/dictate_relay_messages_total\{direction="in"\} [1-9]/);
    x.destroy();
    y.destroy();
  });

  test("relay messages without a valid signature are dropped: a forged open and hello on the owner's channel seat nobody", async () => {
    const m = (await a.client().post("/api/meetings", {})).body.meeting;
    const onA = await openRoomSocket(wsUrl(a.url, `/ws/meetings/${m.code}`));
    onA.send({ type: "hello", name: "Owner side" });
    await onA.next("welcome");

    // Whoever can publish on Redis sees what the nodes send; capture a genuine open to forge from.
    const spy = r.redis.duplicate();
    const seen: string[] = [];
    spy.on("message", (_channel: string, text: string) => seen.push(text));
    await spy.subscribe(`${r.prefix}node:node-a`);
    const onB = await openRoomSocket(wsUrl(b.url, `/ws/meetings/${m.code}`));
    onB.send({ type: "hello", name: "Relayed" });
    await onB.next("welcome");
    const genuine = await eventually(() => {
      const open = seen.map((t) => t.slice(t.indexOf("{"))).find((t) => t.includes('"t":"open"'));
      if (!open) throw new Error("no open relayed yet");
      return JSON.parse(open);
    });
    await spy.quit();

    const channel = `${r.prefix}node:node-a`;
    const forged = (sid: string) => ({ ...genuine, sid, from: "node-b" });
    const hello = (sid: string) => ({ t: "frame", sid, d: JSON.stringify({ type: "hello", name: "Forged" }) });
    // Unsigned, and signed with the wrong secret.
    await r.redis.publish(channel, JSON.stringify(forged("forged-1")));
    await r.redis.publish(channel, JSON.stringify(hello("forged-1")));
    const badSig = (body: unknown) => `v1.${"0".repeat(64)}.${JSON.stringify(body)}`;
    await r.redis.publish(channel, badSig(forged("forged-2")));
    await r.redis.publish(channel, badSig(hello("forged-2")));

    // A genuine message published after the forged ones arrives after them (one channel, in order).
    onB.send({ type: "chat", text: "after the forgeries" });
    await onA.next("chat", (c: { text: string }) => c.text === "after the forgeries");
    await Bun.sleep(100);
    const joined = onA.messages.filter((x) => x.type === "participant.joined").map((x) => x.participant.name);
    expect(joined).toEqual(["Relayed"]);
    const metricsA = await (await fetch(`${a.url}/metrics`, scrape)).text();
    expect(metricsA).toMatch(/dictate_relay_messages_total\{direction="rejected"\} 4/);
    onA.close();
    onB.close();
  });
});
