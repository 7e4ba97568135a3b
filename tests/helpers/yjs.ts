import * as encoding from "lib0/encoding";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { eventually } from "./eventually.ts";

/** A WebSocket class that sends a cookie, as a signed-in browser would. */
export function cookieWebSocket(cookie: string | null | undefined): typeof WebSocket {
  if (!cookie) return WebSocket;
  return class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, { headers: { cookie }, protocols } as never);
    }
  } as typeof WebSocket;
}

/**
 * The stock y-websocket provider on a meeting's notes, exactly as the browser client uses it.
 * `pickUrl` chooses the server origin on every (re)connect, like a load balancer would.
 */
export function notesProvider(origin: string | (() => string), code: string, options: { cookie?: string | null; name?: string } = {}) {
  const doc = new Y.Doc();
  const pick = typeof origin === "function" ? origin : () => origin;
  const Base = cookieWebSocket(options.cookie);
  const Balanced = class extends Base {
    constructor(url: string | URL, protocols?: string | string[]) {
      // The provider builds `${serverUrl}/notes`; swap in the origin chosen now.
      const path = new URL(String(url)).pathname;
      super(pick().replace(/^http/, "ws") + path, protocols);
    }
  } as typeof WebSocket;
  const provider = new WebsocketProvider(pick().replace(/^http/, "ws") + `/ws/meetings/${code}`, "notes", doc, {
    WebSocketPolyfill: Balanced,
    disableBc: true,
    maxBackoffTime: 300,
  });
  if (options.name) provider.awareness.setLocalStateField("user", { name: options.name });
  const text = doc.getText("notes");
  return {
    doc,
    provider,
    text,
    synced: () => eventually(() => {
      if (!provider.synced) throw new Error("not synced yet");
    }, { timeoutMs: 10_000 }),
    destroy() {
      provider.destroy();
      doc.destroy();
    },
  };
}
export type NotesClient = ReturnType<typeof notesProvider>;

/** A y-websocket sync frame (type 0, update) carrying `update`, for speaking the protocol by hand. */
export function updateFrame(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, 2);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}
