import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as Y from "yjs";
import { AppError } from "../errors.ts";
import type { Connection, SocketSink } from "../rooms/index.ts";

// y-websocket's message types (the room's notes socket speaks them exactly).
const MESSAGE_SYNC = 0;
const SYNC_STEP1 = 0;
const SYNC_STEP2 = 1;
const SYNC_UPDATE = 2;

const syncFrame = (sub: number, payload: Uint8Array) => {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, MESSAGE_SYNC);
  encoding.writeVarUint(e, sub);
  encoding.writeVarUint8Array(e, payload);
  return encoding.toUint8Array(e);
};

/** The room closed the socket: its refusals (4000 + an HTTP status) become the API's errors. */
function refusal(code: number, reason: string): AppError {
  if (code === 4401) return new AppError("UNAUTHENTICATED", reason || "Sign in to change these notes");
  if (code === 4403 || code === 4423) return new AppError("FORBIDDEN", reason || "You may not change these notes now");
  if (code === 4404) return new AppError("NOT_FOUND", "Meeting not found");
  return new AppError("UNAVAILABLE", "The meeting's notes are not reachable now; try again");
}

/**
 * Edits a meeting's notes the way an editor does: as one more y-websocket client of the meeting's
 * room, wherever the room lives (the directory relays to the owning node, or loads the room here;
 * loading takes the next fencing token, so the edit is appended durably under the store's fence and
 * compacted with the rest when the room saves). Resolves once the room has the edit durably: the
 * room applies an update only after it is written, so a sync answer that holds it proves it.
 */
export async function editThroughRoom(
  open: (conn: Connection) => Promise<SocketSink>,
  edit: (doc: Y.Doc) => Uint8Array | null | AppError,
  options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<Y.Doc> {
  const timeoutMs = options.timeoutMs ?? 8_000;
  const pollMs = options.pollMs ?? 50;
  const doc = new Y.Doc();
  let waiting: ((payload: Uint8Array) => void) | null = null;
  let closedWith: AppError | null = null;
  const conn: Connection = {
    id: `http-${crypto.randomUUID()}`,
    send(data) {
      if (typeof data === "string") return;
      const d = decoding.createDecoder(data);
      if (decoding.readVarUint(d) !== MESSAGE_SYNC) return;
      const sub = decoding.readVarUint(d);
      if (sub !== SYNC_STEP2 && sub !== SYNC_UPDATE) return;
      const payload = decoding.readVarUint8Array(d);
      if (sub === SYNC_STEP2 && waiting) {
        const w = waiting;
        waiting = null;
        w(payload);
      } else if (sub === SYNC_UPDATE) Y.applyUpdate(doc, payload, "room");
    },
    close(code, reason) {
      closedWith = refusal(code, reason);
      waiting?.(new Uint8Array());
    },
  };
  const sink = await open(conn);
  const deadline = Date.now() + timeoutMs;
  /** Asks the room for what it holds beyond `vector`. */
  const ask = (vector: Uint8Array) =>
    new Promise<Uint8Array>((resolve, reject) => {
      if (closedWith) return reject(closedWith);
      const timer = setTimeout(() => {
        waiting = null;
        reject(new AppError("UNAVAILABLE", "The meeting's notes did not answer in time; try again"));
      }, Math.max(1, deadline - Date.now()));
      waiting = (payload) => {
        clearTimeout(timer);
        if (closedWith) reject(closedWith);
        else resolve(payload);
      };
      sink.frame(syncFrame(SYNC_STEP1, vector));
    });
  try {
    Y.applyUpdate(doc, await ask(Y.encodeStateVector(new Y.Doc())), "room");
    const before = Y.encodeStateVector(doc);
    const update = edit(doc);
    if (update instanceof AppError) throw update;
    if (update === null) return doc;
    sink.frame(syncFrame(SYNC_UPDATE, update));
    for (;;) {
      const answer = await ask(before);
      if (Y.decodeUpdate(answer).structs.some((s) => s.id.client === doc.clientID)) return doc;
      if (Date.now() + pollMs > deadline) throw new AppError("UNAVAILABLE", "The meeting's notes did not save the change in time; try again");
      await new Promise((r) => setTimeout(r, pollMs));
    }
  } finally {
    sink.closed(1000);
  }
}
