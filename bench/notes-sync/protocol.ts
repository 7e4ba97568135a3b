/**
 * Shared by bench/notes-sync.ts (the orchestrator) and bench/notes-sync/generator.ts (a load
 * generator process): the messages they exchange over Bun's IPC channel, and the wire framing of
 * each server under test.
 */

/**
 * How a server frames y-protocols messages.
 *
 * - `y-websocket`: the y-websocket wire protocol. One document per socket, named by the URL; a
 *   frame is `varUint(messageType)` + payload (0 = sync: step1/step2/update, 1 = awareness).
 *   Dictate's `/ws/meetings/:code/notes` and the y-websocket reference server speak it.
 * - `hocuspocus`: Hocuspocus's protocol. Every frame starts with `varString(documentName)`, then
 *   the same `varUint(messageType)` + payload; type 2 is auth (client sends
 *   `2, 0 (token), varString(token)` before anything of the document is processed; the server
 *   answers `2, 2 (authenticated), varString(scope)` or `2, 1 (permission denied), reason`), 8 is a
 *   sync status (an ack of each update), 7 close, 4 a sync reply.
 */
export type Framing = "y-websocket" | "hocuspocus";

export interface RoomTarget {
  /** Index of the room in the run, for messages. */
  index: number;
  /** The WebSocket URL a client of this room opens (always ws://127.0.0.1:…). */
  url: string;
  /** The document name written before every frame (hocuspocus framing only). */
  docName: string;
}

export interface GeneratorConfig {
  server: string;
  framing: Framing;
  rooms: RoomTarget[];
  clientsPerRoom: number;
  /** Edits per second per client. */
  rate: number;
  /** Send one awareness state per client after it has synced, as the stock providers do. */
  awareness: boolean;
  /** Give up on connecting and syncing every client after this long. */
  connectTimeoutMs: number;
}

export type ToGenerator =
  | { type: "config"; config: GeneratorConfig }
  /** Start editing at `startAtEpochMs` (performance.timeOrigin + performance.now() clock). */
  | { type: "start"; startAtEpochMs: number; warmupMs: number; runMs: number; drainMs: number }
  /** Close every socket and exit. */
  | { type: "close" };

export interface GeneratorResult {
  /** Latency (ms) of every edit of the measured window that every other client saw. */
  latencies: number[];
  /** Edits made in the measured window (after warm-up), and how many of those all others saw. */
  sentMeasured: number;
  deliveredMeasured: number;
  /** The same over the whole run, warm-up included. */
  sentTotal: number;
  deliveredTotal: number;
  /** How late the edit timers fired against their schedule (ms), over the measured window. */
  timerLateP50: number;
  timerLateP99: number;
  timerLateMax: number;
  /** Time from the end of editing until everything was delivered (or the drain limit). */
  drainMs: number;
  /** Clients whose final text length differs from the sum of their room's markers. */
  textMismatches: number;
  /** Sockets the server closed, or that failed, during the run: close code → count. */
  unexpectedCloses: Record<string, number>;
  errors: string[];
}

export type FromGenerator =
  | { type: "ready"; clients: number; connectMs: number }
  | { type: "result"; result: GeneratorResult }
  | { type: "error"; message: string };

/** Nearest-rank percentile of an ascending array (NaN when empty). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
