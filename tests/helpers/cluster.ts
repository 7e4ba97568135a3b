/**
 * A cluster of Dictate processes on one Postgres and Redis, with clients that behave as browsers
 * behind a load balancer do: room sockets that reconnect (with their resume token) to a live node
 * and y-websocket providers that do the same. For the chaos test and bench/failover.ts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LOAD_GENERATOR_ENV } from "../../bench/load-env.ts";
import { startServer, type RunningServer } from "./server.ts";
import { notesProvider, type NotesClient } from "./yjs.ts";

export interface ClusterNode extends RunningServer {
  nodeId: string;
  alive(): boolean;
}

export function createCluster(env: Record<string, string>) {
  const nodes: ClusterNode[] = [];
  const dirs: string[] = [];
  let turn = 0;
  const cluster = {
    /** Every node ever started, live or not. */
    nodes,
    async start(): Promise<ClusterNode> {
      const dir = mkdtempSync(join(tmpdir(), "dictate-node-"));
      dirs.push(dir);
      const server = await startServer({ ...LOAD_GENERATOR_ENV, DATA_DIR: dir, ...env });
      const line = server.output().split("\n").find((l) => l.includes('"Dictate is listening"'))!;
      const node: ClusterNode = Object.assign(server, {
        nodeId: JSON.parse(line).node as string,
        alive: () => server.proc.exitCode === null && server.proc.signalCode === null,
      });
      nodes.push(node);
      return node;
    },
    live: () => nodes.filter((n) => n.alive()),
    /** A live node's URL, round robin: what a load balancer sends a (re)connecting client to. */
    pick(): string {
      const live = cluster.live();
      // None live (the test is tearing down): a dead address, refused like any other.
      if (live.length === 0) return nodes.at(-1)?.url ?? "http://127.0.0.1:9";
      return live[turn++ % live.length]!.url;
    },
    byId: (nodeId: string) => nodes.find((n) => n.nodeId === nodeId),
    async stopAll() {
      for (const n of nodes) await n.stop("SIGKILL");
      if (process.env.CLUSTER_LOGS) {
        for (const n of nodes) await Bun.write(join(process.env.CLUSTER_LOGS, `${n.nodeId}.log`), n.output());
      }
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
  return cluster;
}
export type Cluster = ReturnType<typeof createCluster>;

export interface ChatSent {
  text: string;
  sentAt: number;
  ackedAt: number | null;
}

/**
 * A room socket that stays in the meeting: on any close but a deliberate one it reconnects to a
 * node `pick` chooses, and says hello with its last resume token. Records its sessions (welcome to
 * close), every chat it received (live or in a welcome's history) and what it sent.
 */
export function roomClient(pick: () => string, code: string, name: string, first?: string) {
  let ws: WebSocket | null = null;
  let resume: string | null = null;
  let nextId = 1;
  let stopped = false;
  const pending = new Map<number, ChatSent>();
  const client = {
    name,
    selfIds: new Set<string>(),
    /** When each session was welcomed and when it closed (null: still open). */
    sessions: [] as { welcomedAt: number; closedAt: number | null }[],
    received: new Map<string, number>(),
    sent: [] as ChatSent[],
    welcomes: 0,
    connected: () => ws?.readyState === WebSocket.OPEN && client.sessions.at(-1)?.closedAt === null,
    chat(text: string) {
      const entry: ChatSent = { text, sentAt: Date.now(), ackedAt: null };
      client.sent.push(entry);
      if (!client.connected()) return;
      const id = nextId++;
      pending.set(id, entry);
      ws!.send(JSON.stringify({ type: "chat", text, id }));
    },
    stop() {
      stopped = true;
      ws?.close(1000);
    },
  };
  const connect = (url: string) => {
    const socket = new WebSocket(url.replace(/^http/, "ws") + `/ws/meetings/${code}`);
    ws = socket;
    let session: { welcomedAt: number; closedAt: number | null } | null = null;
    socket.onopen = () => socket.send(JSON.stringify({ type: "hello", name, ...(resume ? { resume } : {}) }));
    socket.onmessage = (e) => {
      if (typeof e.data !== "string") return;
      const m = JSON.parse(e.data);
      if (m.type === "welcome") {
        client.welcomes++;
        resume = m.resumeToken;
        client.selfIds.add(m.self.id);
        for (const c of m.chat) if (!client.received.has(c.text)) client.received.set(c.text, Date.now());
        if (!session) {
          session = { welcomedAt: Date.now(), closedAt: null };
          client.sessions.push(session);
        }
      } else if (m.type === "chat") {
        if (!client.received.has(m.text)) client.received.set(m.text, Date.now());
      } else if (m.type === "ack") {
        const entry = pending.get(m.id);
        pending.delete(m.id);
        if (entry) entry.ackedAt = Date.now();
      }
    };
    socket.onclose = (e) => {
      if (session) session.closedAt = Date.now();
      pending.clear(); // Not acknowledged: the message may or may not have reached the room.
      if (stopped || e.code === 1000 || e.code === 4409) return;
      setTimeout(() => {
        if (!stopped) connect(pick());
      }, e.code === 1013 ? 400 : 100);
    };
  };
  connect(first ?? pick());
  return client;
}
export type RoomClient = ReturnType<typeof roomClient>;

/**
 * A y-websocket provider that types markers `[<writer>:<n>]` and notes, for each marker, when some
 * other writer first had it: an edit another client has received went through the owner, which
 * wrote it durably first.
 */
export function notesWriters(
  pick: () => string,
  code: string,
  count: number,
  first?: (i: number) => string,
  /** Called when writer `reader` first has another writer's `marker`. */
  onSeen?: (reader: number, marker: string) => void,
) {
  const clients: NotesClient[] = [];
  /** marker → when another writer first saw it. */
  const acknowledged = new Map<string, number>();
  const typed: string[] = [];
  const counters = new Array(count).fill(0);
  for (let i = 0; i < count; i++) {
    let initial = first?.(i);
    const client = notesProvider(() => {
      const url = initial ?? pick();
      initial = undefined;
      return url;
    }, code);
    client.text.observe((event) => {
      for (const op of event.delta) {
        if (typeof op.insert !== "string") continue;
        for (const match of op.insert.matchAll(/\[(\d+):(\d+)\]/g)) {
          if (Number(match[1]) === i) continue;
          if (!acknowledged.has(match[0])) acknowledged.set(match[0], Date.now());
          onSeen?.(i, match[0]);
        }
      }
    });
    clients.push(client);
  }
  return {
    clients,
    acknowledged,
    typed,
    /** Writer `i` types its next marker at the end. */
    type(i: number) {
      const marker = `[${i}:${counters[i]++}]`;
      const c = clients[i]!;
      c.text.insert(c.text.length, marker);
      typed.push(marker);
      return marker;
    },
    texts: () => clients.map((c) => c.text.toString()),
    destroy() {
      for (const c of clients) c.destroy();
    },
  };
}

/** A small seeded PRNG (mulberry32): the same seed, the same schedule. */
export function seededRandom(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
