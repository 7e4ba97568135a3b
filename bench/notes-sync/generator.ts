/**
 * One load-generator process for bench/notes-sync.ts (run under Bun, started by it with an IPC
 * channel; not meant to be run by hand).
 *
 * It holds whole rooms: every client of a room lives in this process, so an edit's send time and
 * the times the room's other clients see it are read from the same clock (performance.now()).
 *
 * Each client is a Y.Doc with a Y.Text "notes" and one WebSocket, and speaks y-protocols directly:
 * sync step 1 on open (after an auth frame under Hocuspocus framing), answers the server's step 1
 * with step 2, applies step 2 and updates, and is "synced" once the server's step 2 has arrived.
 * Then, at `rate` edits/s with a random phase, it inserts a unique marker `<client>:<seq>;` at the
 * start of the text (one transaction, one update frame).
 *
 * Detecting "seen": an edit is identified by its sender's Yjs client id and the clock its insert
 * ends at. A receiving client has seen it once its document's state vector for that sender reaches
 * that clock, which happens exactly when the insert is integrated (i.e. the marker is in that
 * client's text; an update waiting for missing dependencies does not count). Read from each remote
 * transaction's before/after state vectors, so the cost does not grow with the text. An edit's
 * latency is from just before the local insert until the last other client in its room has seen it.
 */
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { percentile, type FromGenerator, type GeneratorConfig, type GeneratorResult, type RoomTarget, type ToGenerator } from "./protocol.ts";

const REMOTE = Symbol("remote");

const MSG_SYNC = 0;
const MSG_AWARENESS = 1;
const MSG_AUTH = 2;
const MSG_SYNC_REPLY = 4; // Hocuspocus: a sync message that does not ask for another step 1
const MSG_CLOSE = 7; // Hocuspocus: the server closes this document
const MSG_SYNC_STATUS = 8; // Hocuspocus: an ack of each applied update
const AUTH_TOKEN = 0;
const AUTH_PERMISSION_DENIED = 1;
const AUTH_AUTHENTICATED = 2;

function send(message: FromGenerator) {
  process.send?.(message);
}

interface Edit {
  sentAt: number;
  /** The sender's clock right after the insert: seen when a receiver's state vector reaches it. */
  endClock: number;
  seen: number;
  lastSeenAt: number;
  measured: boolean;
}

const state = {
  config: null as GeneratorConfig | null,
  rooms: [] as Room[],
  undelivered: 0,
  closing: false,
  unexpectedCloses: {} as Record<string, number>,
  errors: [] as string[],
  lateness: [] as number[],
};

function noteError(message: string) {
  if (state.errors.length < 10) state.errors.push(message);
}

class Room {
  readonly clients: Client[] = [];
  /** Per sender index, its edits in clock order. */
  readonly edits: Edit[][] = [];
  readonly senderByClientId = new Map<number, number>();
  /** Total length of every marker inserted in this room: each client's final text length. */
  markerChars = 0;

  constructor(
    readonly target: RoomTarget,
    readonly clientCount: number,
  ) {
    for (let i = 0; i < clientCount; i++) {
      const client = new Client(this, i);
      this.clients.push(client);
      this.edits.push([]);
      this.senderByClientId.set(client.doc.clientID, i);
    }
  }
}

class Client {
  readonly doc = new Y.Doc();
  readonly text = this.doc.getText("notes");
  ws: WebSocket | null = null;
  synced = false;
  seq = 0;
  /** Per sender index: how many of that sender's edits this client has seen. */
  readonly cursors: number[];
  private readonly hocuspocus: boolean;

  constructor(
    readonly room: Room,
    readonly index: number,
  ) {
    this.hocuspocus = state.config!.framing === "hocuspocus";
    this.cursors = new Array<number>(room.clientCount).fill(0);
    this.doc.on("afterTransaction", (tr: Y.Transaction) => {
      if (tr.origin !== REMOTE) return;
      this.noteSeen(tr);
    });
  }

  /**
   * Sends a local update. Listened to only around local edits: with an "update" listener on the
   * doc, Yjs encodes every remote transaction too, which costs the generator CPU for nothing.
   */
  private readonly onLocalUpdate = (update: Uint8Array) => {
    const enc = this.frame(MSG_SYNC);
    syncProtocol.writeUpdate(enc, update);
    this.sendFrame(enc);
    this.recentlySent[this.recentIndex] = update;
    this.recentIndex = (this.recentIndex + 1) % this.recentlySent.length;
  };
  /** The last few updates this client sent, to recognise the server echoing them back. */
  private readonly recentlySent: (Uint8Array | null)[] = [null, null, null, null];
  private recentIndex = 0;

  /** True when `update` is byte for byte one this client sent (applying it would change nothing). */
  private isOwnEcho(update: Uint8Array): boolean {
    for (const sent of this.recentlySent) {
      if (!sent || sent.length !== update.length) continue;
      let same = true;
      for (let i = 0; i < sent.length; i++) {
        if (sent[i] !== update[i]) {
          same = false;
          break;
        }
      }
      if (same) return true;
    }
    return false;
  }

  private frame(type: number): encoding.Encoder {
    const enc = encoding.createEncoder();
    if (this.hocuspocus) encoding.writeVarString(enc, this.room.target.docName);
    encoding.writeVarUint(enc, type);
    return enc;
  }

  private sendFrame(enc: encoding.Encoder) {
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(encoding.toUint8Array(enc));
  }

  private noteSeen(tr: Y.Transaction) {
    const now = performance.now();
    const room = this.room;
    const n = room.clientCount;
    for (const [clientId, clock] of tr.afterState) {
      const sender = room.senderByClientId.get(clientId);
      if (sender === undefined || sender === this.index) continue;
      if (clock <= (tr.beforeState.get(clientId) ?? 0)) continue;
      const edits = room.edits[sender]!;
      let cursor = this.cursors[sender]!;
      while (cursor < edits.length && edits[cursor]!.endClock <= clock) {
        const edit = edits[cursor]!;
        edit.seen++;
        edit.lastSeenAt = now;
        if (edit.seen === n - 1) state.undelivered--;
        cursor++;
      }
      this.cursors[sender] = cursor;
    }
  }

  connect(): Promise<void> {
    const config = state.config!;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (message: string) => {
        if (settled) return;
        settled = true;
        reject(new Error(`room ${this.room.target.index} client ${this.index}: ${message}`));
      };
      const ws = new WebSocket(this.room.target.url);
      ws.binaryType = "arraybuffer";
      this.ws = ws;
      ws.onopen = () => {
        if (this.hocuspocus) {
          const auth = this.frame(MSG_AUTH);
          encoding.writeVarUint(auth, AUTH_TOKEN);
          encoding.writeVarString(auth, "");
          this.sendFrame(auth);
        }
        const step1 = this.frame(MSG_SYNC);
        syncProtocol.writeSyncStep1(step1, this.doc);
        this.sendFrame(step1);
      };
      ws.onmessage = (event: MessageEvent) => {
        try {
          const data = event.data;
          if (!(data instanceof ArrayBuffer)) {
            noteError(`room ${this.room.target.index}: unexpected text frame ${String(data).slice(0, 80)}`);
            return;
          }
          const dec = decoding.createDecoder(new Uint8Array(data));
          if (this.hocuspocus) decoding.readVarString(dec);
          const type = decoding.readVarUint(dec);
          switch (type) {
            case MSG_SYNC:
            case MSG_SYNC_REPLY: {
              // The common case, an update, is read here so that the server's echo of our own
              // update (y-websocket and Hocuspocus send every update to every connection) is not
              // applied again; anything else goes through y-protocols.
              if (this.synced && decoding.peekVarUint(dec) === syncProtocol.messageYjsUpdate) {
                decoding.readVarUint(dec);
                const update = decoding.readVarUint8Array(dec);
                if (!this.isOwnEcho(update)) Y.applyUpdate(this.doc, update, REMOTE);
                break;
              }
              const reply = this.frame(MSG_SYNC);
              const empty = encoding.length(reply);
              const syncType = syncProtocol.readSyncMessage(dec, reply, this.doc, REMOTE);
              if (encoding.length(reply) > empty) this.sendFrame(reply);
              if (syncType === syncProtocol.messageYjsSyncStep2 && !this.synced) {
                this.synced = true;
                if (config.awareness) this.sendAwareness();
                if (!settled) {
                  settled = true;
                  resolve();
                }
              }
              break;
            }
            case MSG_AWARENESS:
              break; // other clients' presence: not needed here
            case MSG_AUTH: {
              if (!this.hocuspocus) break;
              const authType = decoding.readVarUint(dec);
              if (authType === AUTH_PERMISSION_DENIED) fail(`permission denied: ${decoding.readVarString(dec)}`);
              else if (authType !== AUTH_AUTHENTICATED) noteError(`unexpected auth message ${authType}`);
              break;
            }
            case MSG_SYNC_STATUS:
              break;
            case MSG_CLOSE:
              if (this.hocuspocus) noteError(`room ${this.room.target.index}: server closed the document: ${decoding.readVarString(dec)}`);
              break;
            default:
              noteError(`room ${this.room.target.index}: unknown message type ${type}`);
          }
        } catch (err) {
          noteError(`room ${this.room.target.index} client ${this.index}: bad frame: ${(err as Error).message}`);
        }
      };
      ws.onclose = (event: CloseEvent) => {
        if (!settled) {
          fail(`socket closed before sync (code ${event.code}${event.reason ? `, ${event.reason}` : ""})`);
          return;
        }
        if (!state.closing) {
          const key = String(event.code);
          state.unexpectedCloses[key] = (state.unexpectedCloses[key] ?? 0) + 1;
          noteError(`room ${this.room.target.index} client ${this.index}: socket closed during the run (code ${event.code}${event.reason ? `, ${event.reason}` : ""})`);
        }
      };
      ws.onerror = () => {
        // A close event follows with the code; before the open, that is the failure we report.
      };
      setTimeout(() => fail(`not synced within ${config.connectTimeoutMs} ms (socket state ${ws.readyState})`), config.connectTimeoutMs).unref?.();
    });
  }

  private sendAwareness() {
    // One awareness entry (clientID, clock 1, JSON state), as y-protocols' encodeAwarenessUpdate
    // writes it; built by hand so no Awareness instance (and its interval timer) per client.
    const inner = encoding.createEncoder();
    encoding.writeVarUint(inner, 1);
    encoding.writeVarUint(inner, this.doc.clientID);
    encoding.writeVarUint(inner, 1);
    encoding.writeVarString(inner, JSON.stringify({ user: { name: `bench ${this.room.target.index}.${this.index}` } }));
    const enc = this.frame(MSG_AWARENESS);
    encoding.writeVarUint8Array(enc, encoding.toUint8Array(inner));
    this.sendFrame(enc);
  }

  /** Inserts this client's next marker; returns false (and makes no edit) when the socket is gone. */
  edit(measured: boolean): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    const marker = `${this.index}:${this.seq++};`;
    const sentAt = performance.now();
    // At the start of the text: Yjs finds index 0 at once, while finding the end of a long text
    // costs the generator ~10× more. The servers do the same work either way (they integrate by
    // item ids, not positions), and a marker is never split: index 0 is always a marker boundary.
    this.doc.on("update", this.onLocalUpdate);
    try {
      this.text.insert(0, marker);
    } finally {
      this.doc.off("update", this.onLocalUpdate);
    }
    const edit: Edit = { sentAt, endClock: Y.getState(this.doc.store, this.doc.clientID), seen: 0, lastSeenAt: 0, measured };
    this.room.edits[this.index]!.push(edit);
    this.room.markerChars += marker.length;
    if (this.room.clientCount > 1) state.undelivered++;
    return true;
  }
}

async function connectAll(config: GeneratorConfig) {
  const t0 = performance.now();
  const clients = state.rooms.flatMap((room) => room.clients);
  let next = 0;
  // A bounded number of handshakes in flight: a burst of hundreds at once measures the accept
  // queue, not the document sync.
  await Promise.all(
    Array.from({ length: Math.min(32, clients.length) }, async () => {
      while (next < clients.length) {
        const client = clients[next++]!;
        await client.connect();
      }
    }),
  );
  send({ type: "ready", clients: clients.length, connectMs: performance.now() - t0 });
  void config;
}

function runEdits(startAtEpochMs: number, warmupMs: number, runMs: number, drainMs: number) {
  const config = state.config!;
  const start = startAtEpochMs - performance.timeOrigin;
  const measureFrom = start + warmupMs;
  const end = start + warmupMs + runMs;
  const interval = 1000 / config.rate;

  for (const room of state.rooms) {
    for (const client of room.clients) {
      const phase = Math.random() * interval;
      const schedule = (k: number) => {
        const due = start + phase + k * interval;
        if (due >= end) return;
        setTimeout(() => {
          const now = performance.now();
          const measured = due >= measureFrom;
          if (measured) state.lateness.push(now - due);
          client.edit(measured);
          schedule(k + 1);
        }, Math.max(0, due - performance.now()));
      };
      schedule(0);
    }
  }

  // After the last edit, wait until every edit is delivered (or the drain limit), then report.
  setTimeout(
    () => {
      const drainStart = performance.now();
      const poll = setInterval(() => {
        const now = performance.now();
        if (state.undelivered > 0 && now - drainStart < drainMs) return;
        clearInterval(poll);
        send({ type: "result", result: collect(now - drainStart) });
      }, 20);
    },
    Math.max(0, end - performance.now()) + 5,
  );
}

function collect(drainMs: number): GeneratorResult {
  const latencies: number[] = [];
  let sentMeasured = 0;
  let deliveredMeasured = 0;
  let sentTotal = 0;
  let deliveredTotal = 0;
  let textMismatches = 0;
  for (const room of state.rooms) {
    const others = room.clientCount - 1;
    for (const edits of room.edits) {
      for (const edit of edits) {
        sentTotal++;
        const delivered = edit.seen === others;
        if (delivered) deliveredTotal++;
        if (!edit.measured) continue;
        sentMeasured++;
        if (!delivered) continue;
        deliveredMeasured++;
        latencies.push(others > 0 ? edit.lastSeenAt - edit.sentAt : 0);
      }
    }
    for (const client of room.clients) if (client.text.length !== room.markerChars) textMismatches++;
  }
  const late = state.lateness.sort((a, b) => a - b);
  return {
    latencies,
    sentMeasured,
    deliveredMeasured,
    sentTotal,
    deliveredTotal,
    timerLateP50: percentile(late, 0.5),
    timerLateP99: percentile(late, 0.99),
    timerLateMax: late.length ? late[late.length - 1]! : NaN,
    drainMs,
    textMismatches,
    unexpectedCloses: state.unexpectedCloses,
    errors: state.errors,
  };
}

async function closeAll() {
  state.closing = true;
  const sockets = state.rooms.flatMap((room) => room.clients.map((c) => c.ws)).filter((ws): ws is WebSocket => ws !== null);
  await Promise.race([
    Promise.all(
      sockets.map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === WebSocket.CLOSED) return resolve();
            ws.addEventListener("close", () => resolve());
            try {
              ws.close(1000, "bench done");
            } catch {
              resolve();
            }
          }),
      ),
    ),
    Bun.sleep(2_000),
  ]);
  for (const room of state.rooms) for (const client of room.clients) client.doc.destroy();
}

// Never outlive the orchestrator: exit when the IPC channel goes or the parent is gone.
const parentPid = process.ppid;
process.on("disconnect", () => process.exit(2));
setInterval(() => {
  let alive = process.ppid === parentPid;
  try {
    if (alive) process.kill(parentPid, 0);
  } catch {
    alive = false;
  }
  if (!alive) process.exit(2);
}, 1_000).unref();
let hardDeadline: ReturnType<typeof setTimeout> | null = null;
function setHardDeadline(ms: number) {
  if (hardDeadline) clearTimeout(hardDeadline);
  hardDeadline = setTimeout(() => {
    console.error(`generator ${process.pid}: hard deadline reached, exiting`);
    process.exit(3);
  }, ms);
}

process.on("message", (raw: unknown) => {
  const message = raw as ToGenerator;
  try {
    switch (message.type) {
      case "config": {
        state.config = message.config;
        setHardDeadline(message.config.connectTimeoutMs + 120_000);
        state.rooms = message.config.rooms.map((target) => new Room(target, message.config.clientsPerRoom));
        connectAll(message.config).catch((err) => send({ type: "error", message: (err as Error).message }));
        break;
      }
      case "start":
        setHardDeadline(Math.max(0, message.startAtEpochMs - Date.now()) + message.warmupMs + message.runMs + message.drainMs + 60_000);
        runEdits(message.startAtEpochMs, message.warmupMs, message.runMs, message.drainMs);
        break;
      case "close":
        void closeAll().finally(() => process.exit(0));
        break;
    }
  } catch (err) {
    send({ type: "error", message: (err as Error).stack ?? String(err) });
  }
});
